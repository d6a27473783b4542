/**
 * Remembers the most recent N keys, to drop an event delivered twice. Duplicates in trail logs and
 * EventBridge deliveries arrive close together, so a bounded window keeps memory flat on any input,
 * and constant time per key however long the input. Seeing a key again does not renew it.
 *
 * It keeps a 64-bit hash of each key, not the key: two 32-bit halves in a typed-array ring (oldest
 * evicted first) and an open-addressing table of ring positions (linear probing, at most half full,
 * deletion by backward shift, so no tombstones pile up). Its memory is fixed at construction
 * (~12 bytes per key of capacity plus 8 per table slot: ~3.7 MB for 200,000 keys, where a Set of the
 * key strings held ~77 MB) and nothing is allocated per key, so the garbage collector never sees it.
 *
 * The price is a false "seen before" when a new key's 64-bit hash equals that of one of the N keys
 * in the window: for keys not chosen to collide, a chance of about N / 2^64 per key (1.1e-14 at
 * N = 200,000; under 1e-4 over a billion records). Delivery keys are event IDs, sources, names and
 * times written by AWS, not chosen by whoever made the call. The two halves come from two different
 * multiply-xorshift passes over the key's UTF-16 code units, each ending in a full avalanche.
 */
export class DuplicateWindow {
  /** Each remembered key's hash halves, by ring position. */
  private readonly hi: Int32Array;
  private readonly lo: Int32Array;
  /** Open-addressing table: ring position + 1 of the key hashed there, 0 for an empty slot. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** True when the key was seen within the window; otherwise remembers it and returns false. */
  seenBefore(key: string): boolean {
    hashKey(key, SCRATCH, 0);
    return this.seenHashBefore(SCRATCH[0] as number, SCRATCH[1] as number);
  }

  /**
   * `seenBefore` for a key given by its hash (`hashKey`): a worker thread hashes its records' keys,
   * so only 8 bytes per record cross to the thread that holds the window.
   */
  seenHashBefore(h: number, l: number): boolean {
    const { table, mask, hi, lo } = this;
    let slot = l & mask;
    for (;;) {
      const at = table[slot] as number;
      if (at === 0) break;
      if (lo[at - 1] === l && hi[at - 1] === h) return true;
      slot = (slot + 1) & mask;
    }
    // A new key: evict the oldest when full (its slot is found again by its hash), then remember it.
    const p = this.next;
    if (this.count === this.capacity) {
      this.remove(p);
      // Removal may have shifted entries into earlier slots; find an empty one for the new key again.
      slot = l & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
    } else {
      this.count++;
    }
    hi[p] = h;
    lo[p] = l;
    table[slot] = p + 1;
    this.next = p + 1 === this.capacity ? 0 : p + 1;
    return false;
  }

  /** Deletes ring position p's entry from the table, shifting later entries of its probe run back. */
  private remove(p: number): void {
    const { table, mask, lo } = this;
    let slot = (lo[p] as number) & mask;
    while (table[slot] !== p + 1) slot = (slot + 1) & mask;
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      const at = table[j] as number;
      if (at === 0) break;
      const home = (lo[at - 1] as number) & mask;
      // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        table[hole] = at;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  get size(): number {
    return this.count;
  }
}

/** A 32-bit finaliser: every input bit affects every output bit. */
function avalanche(x: number, m1: number, m2: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, m1);
  x ^= x >>> 13;
  x = Math.imul(x, m2);
  return x ^ (x >>> 16);
}

const SCRATCH = new Int32Array(2);

/**
 * The window's 64-bit hash of a key, as two 32-bit halves written to out[at] and out[at + 1]: two
 * multiply-xorshift passes over the key's UTF-16 code units, each ending in a full avalanche.
 */
export function hashKey(key: string, out: Int32Array, at: number): void {
  WHOLE[1] = key.length;
  hashKeySpans(key, WHOLE, 1, out, at);
}

/** The one span of a whole key, for hashKey. */
const WHOLE = new Int32Array(2);

/**
 * `hashKey` of the key made of `count` spans of `text` (spans[2k] to spans[2k + 1]) joined with `|`,
 * without building it (hashKey is the one-span case): a worker hashes a record's delivery key (eventID|eventSource|eventName|eventTime)
 * straight from the file's text (core/pipeline/raw-record.ts). `text` may be the bytes of an ASCII
 * text (core/input/raw-ascii.ts): a byte is then the character's code, and the hash the same.
 */
export function hashKeySpans(text: string | Uint8Array, spans: Int32Array, count: number, out: Int32Array, at: number): void {
  const bytes = typeof text === 'string' ? undefined : text;
  const chars = typeof text === 'string' ? text : '';
  let length = count - 1;
  for (let k = 0; k < count; k++) length += (spans[2 * k + 1] as number) - (spans[2 * k] as number);
  let a = 0x2545f491 ^ length;
  let b = 0x6c8e9cf5 ^ length;
  for (let k = 0; k < count; k++) {
    if (k > 0) {
      a = Math.imul(a ^ 0x7c, 0x5bd1e995); // '|'
      a ^= a >>> 15;
      b = Math.imul(b ^ 0x7c, 0x27d4eb2f);
      b ^= b >>> 13;
    }
    const end = spans[2 * k + 1] as number;
    // The same mixing over the characters' codes, in one loop per kind of text (each stays monomorphic).
    if (bytes === undefined) {
      for (let i = spans[2 * k] as number; i < end; i++) {
        const c = chars.charCodeAt(i);
        a = Math.imul(a ^ c, 0x5bd1e995);
        a ^= a >>> 15;
        b = Math.imul(b ^ c, 0x27d4eb2f);
        b ^= b >>> 13;
      }
    } else {
      for (let i = spans[2 * k] as number; i < end; i++) {
        const c = bytes[i] as number;
        a = Math.imul(a ^ c, 0x5bd1e995);
        a ^= a >>> 15;
        b = Math.imul(b ^ c, 0x27d4eb2f);
        b ^= b >>> 13;
      }
    }
  }
  out[at] = avalanche(a, 0x85ebca6b, 0xc2b2ae35);
  out[at + 1] = avalanche(b, 0x7feb352d, 0x846ca68b);
}
