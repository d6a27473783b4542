/**
 * Remembers the most recent N keys, to drop an event delivered twice. Duplicates in trail logs and
 * EventBridge deliveries arrive close together, so a bounded window keeps memory flat on any input,
 * and constant time per key however long the input: a Set of the keys and a ring buffer of their
 * order (oldest evicted first; a V8 Set used as a queue slows down as deleted entries pile up, see
 * common/recent-map.ts). Seeing a key again does not renew it. One Set lookup for a key seen before,
 * lookup + insert (+ the eviction's delete) for a new one: it runs for every in-scope record.
 */
export class DuplicateWindow {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity);
  }

  /** True when the key was seen within the window; otherwise remembers it and returns false. */
  seenBefore(key: string): boolean {
    if (this.seen.has(key)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = key;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    this.seen.add(key);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
