/**
 * Incremental splitter for CloudTrail log documents: bytes in, one JSON text per record out, with
 * memory bounded by the largest single record rather than the file.
 *
 * Understands what trail log files and exports look like:
 *   {"Records": [ rec, rec, ... ]}   the trail file format: each element of Records is emitted (of
 *                                    every "Records" key, should a file have two)
 *   [ rec, rec, ... ]                a JSON array: each element is emitted
 *   rec                              a single object (a record or an EventBridge event): emitted whole
 * and any sequence of these. Elements are not parsed here (the caller JSON.parses each one); the
 * scanner only tracks strings and nesting, jumping over string contents with Buffer#indexOf.
 * Structural errors are reported with a line number and scanning resumes at the next line.
 *
 * Bounds: only the element (or whole top-level value) being captured is kept, up to `maxElementBytes`;
 * one that grows past it stops being kept, is scanned to its end and reported once as an error, so
 * neither memory nor time depends on how large one value is (buffering is amortised linear: the
 * kept bytes are appended to, never re-copied on every chunk). Nothing else is kept: not string
 * contents (escapes are tracked across chunks), not junk being skipped. A value's size is its bytes
 * from its first to its last (not the whitespace before a following comma or bracket): one of exactly
 * `maxElementBytes` is read, one byte more is skipped, however the input is chunked.
 */

export interface SplitItem {
  /** The element's JSON text. */
  text: string;
  /** 1-based line where the element starts. */
  line: number;
  /** Index within its Records array / top-level array, or -1 for a whole top-level value. */
  index: number;
}

export interface SplitError {
  error: string;
  line: number;
}

export type SplitOutput = SplitItem | SplitError;

const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const NL = 0x0a;

/** Keys of a top-level object are kept only while this short: the one that matters is "Records". */
const KEY_MAX = 32;

export const DEFAULT_MAX_ELEMENT_BYTES = 64 * 1024 * 1024;

function isSpace(c: number): boolean {
  return c === 0x20 || c === NL || c === 0x0d || c === 0x09;
}

export interface SplitterOptions {
  /** Largest element kept in memory; bigger ones are reported as errors. Default 64 MiB. */
  maxElementBytes?: number;
}

export class JsonRecordSplitter {
  /** Bytes not yet scanned, plus whatever is being captured: a view of `store` (owned) or of the last chunk (not owned). */
  private buf: Buffer = Buffer.alloc(0);
  private store: Buffer = Buffer.alloc(0);
  private storeOwned = false;
  private storeOffset = 0;
  private pos = 0;
  private line = 1;
  private depth = 0;
  private inString = false;
  /** Where the current string's opening quote is in `buf`, or -1 when its text is not kept. */
  private stringStart = -1;
  /** Backslashes just before `pos` in the current string, counted across chunk edges. */
  private backslashes = 0;
  /** After a structural error: bytes are dropped up to the next newline. */
  private skippingLine = false;
  private readonly maxElementBytes: number;

  /** Depth of the array whose elements are records (1 for a top-level array, 2 for Records), or 0. */
  private recordDepth = 0;
  private elemActive = false;
  private elemStart = 0;
  private elemLine = 0;
  private elemIndex = 0;
  private elemOversize = false;

  /** A top-level object being captured whole (until it turns out to be a Records wrapper). */
  private topActive = false;
  private topStart = 0;
  private topLine = 0;
  private topIsWrapper = false;
  private topOversize = false;
  private lastKeyAtDepth1: string | null = null;
  private pendingKey: string | null = null;
  private started = false;

  constructor(options: SplitterOptions = {}) {
    this.maxElementBytes = options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES;
  }

  /** Bytes held between pushes (what is being captured); at most about maxElementBytes plus a chunk. */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  /** Feeds bytes; returns the elements and errors completed so far. */
  push(chunk: Buffer): SplitOutput[] {
    this.append(chunk);
    const out: SplitOutput[] = [];
    this.scan(out);
    return out;
  }

  /** Signals end of input; reports a value left incomplete. */
  end(): SplitOutput[] {
    const out: SplitOutput[] = [];
    if (this.depth > 0 || this.inString) {
      const line = this.elemActive ? this.elemLine : this.topActive && !this.topIsWrapper ? this.topLine : this.line;
      out.push({ error: 'unexpected end of input (truncated file?)', line });
    }
    this.reset();
    this.skippingLine = false;
    this.buf = Buffer.alloc(0);
    this.store = this.buf;
    this.storeOwned = false;
    this.pos = 0;
    return out;
  }

  /** The first byte still needed: the value being captured, a possible key, or the next unscanned byte. */
  private keepFrom(): number {
    let keep = this.pos;
    if (this.inString && this.stringStart >= 0) {
      if (this.pos - this.stringStart > KEY_MAX) this.stringStart = -1;
      else keep = this.stringStart;
    }
    if (this.topActive && !this.topIsWrapper && !this.topOversize) keep = Math.min(keep, this.topStart);
    if (this.elemActive && !this.elemOversize) keep = Math.min(keep, this.elemStart);
    return keep;
  }

  /** Drops what is no longer needed and appends the chunk, copying kept bytes only when the store is full (amortised linear). */
  private append(chunk: Buffer): void {
    const keep = this.keepFrom();
    const kept = this.buf.length - keep;
    this.pos -= keep;
    if (this.stringStart >= 0) this.stringStart -= keep;
    if (this.elemActive) this.elemStart -= keep;
    if (this.topActive) this.topStart -= keep;
    if (kept === 0) {
      this.store = chunk;
      this.storeOwned = false;
      this.storeOffset = 0;
      this.buf = chunk;
      return;
    }
    const need = kept + chunk.length;
    let start = this.storeOffset + keep;
    if (!this.storeOwned || start + need > this.store.length) {
      if (this.storeOwned && need <= this.store.length >> 1) {
        this.store.copyWithin(0, start, start + kept);
      } else {
        const capacity = Math.max(need, Math.min(2 * need, this.maxElementBytes + 2 * chunk.length), 64 * 1024);
        const next = Buffer.allocUnsafe(capacity);
        this.store.copy(next, 0, start, start + kept);
        this.store = next;
        this.storeOwned = true;
      }
      start = 0;
    }
    chunk.copy(this.store, start + kept);
    this.storeOffset = start;
    this.buf = this.store.subarray(start, start + need);
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.stringStart = -1;
    this.backslashes = 0;
    this.recordDepth = 0;
    this.elemActive = false;
    this.elemOversize = false;
    this.topActive = false;
    this.topIsWrapper = false;
    this.topOversize = false;
    this.lastKeyAtDepth1 = null;
    this.pendingKey = null;
  }

  /** After a structural error: drop the current value and resume at the next line (in a later chunk, if need be). */
  private resync(out: SplitOutput[], message: string): void {
    out.push({ error: message, line: this.line });
    this.reset();
    this.skippingLine = true;
  }

  private emit(out: SplitOutput[], start: number, end: number, line: number, index: number): void {
    while (end > start && isSpace(this.buf[end - 1] as number)) end--;
    out.push({ text: this.buf.toString('utf8', start, end), line, index });
  }

  private scan(out: SplitOutput[]): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    if (!this.started && len > 0) {
      this.started = true;
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    while (pos < len) {
      if (this.skippingLine) {
        const nl = buf.indexOf(NL, pos);
        if (nl === -1) {
          pos = len;
          break;
        }
        this.skippingLine = false;
        pos = nl;
        continue;
      }
      if (this.inString) {
        const q = buf.indexOf(QUOTE, pos);
        if (q === -1) {
          this.backslashes = trailingBackslashes(buf, pos, len, this.backslashes);
          pos = len;
          break;
        }
        const bs = trailingBackslashes(buf, pos, q, this.backslashes);
        this.backslashes = 0;
        pos = q + 1;
        if (bs % 2 === 1) continue;
        this.inString = false;
        if (this.depth === 1 && this.topActive) {
          this.pendingKey = this.stringStart >= 0 && q - this.stringStart - 1 <= KEY_MAX ? buf.toString('utf8', this.stringStart + 1, q) : null;
        }
        this.stringStart = -1;
        continue;
      }
      const c = buf[pos] as number;
      if (c === NL) {
        this.line++;
        pos++;
        continue;
      }
      if (isSpace(c)) {
        pos++;
        continue;
      }
      // Start of an element of the records array.
      if (this.recordDepth > 0 && this.depth === this.recordDepth && !this.elemActive && c !== COMMA && c !== CLOSE_ARR) {
        this.elemActive = true;
        this.elemStart = pos;
        this.elemLine = this.line;
        this.elemOversize = false;
      }
      if (c === QUOTE && this.depth > 0) {
        this.inString = true;
        this.stringStart = this.depth === 1 && this.topActive ? pos : -1;
        this.backslashes = 0;
        pos++;
        continue;
      }
      if (c === COLON) {
        if (this.depth === 1) this.lastKeyAtDepth1 = this.pendingKey;
        pos++;
        continue;
      }
      if (c === COMMA) {
        if (this.recordDepth > 0 && this.depth === this.recordDepth && this.elemActive) {
          this.finishElement(out, pos);
        }
        if (this.depth === 1) this.pendingKey = null;
        pos++;
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (this.depth === 0) {
          if (c === OPEN_ARR) {
            this.recordDepth = 1;
            this.elemIndex = 0;
          } else {
            this.topActive = true;
            this.topStart = pos;
            this.topLine = this.line;
            this.topIsWrapper = false;
            this.topOversize = false;
            this.lastKeyAtDepth1 = null;
          }
        } else if (this.depth === 1 && c === OPEN_ARR && this.topActive && this.lastKeyAtDepth1 === 'Records' && this.recordDepth === 0) {
          this.topIsWrapper = true;
          this.recordDepth = 2;
          this.elemIndex = 0;
        }
        this.depth++;
        pos++;
        continue;
      }
      if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        if (this.depth === 0) {
          this.resync(out, `unexpected "${String.fromCharCode(c)}"`);
          continue;
        }
        if (c === CLOSE_ARR && this.recordDepth > 0 && this.depth === this.recordDepth) {
          if (this.elemActive) this.finishElement(out, pos);
          this.recordDepth = 0;
        }
        this.depth--;
        pos++;
        if (this.depth === 0 && this.topActive) {
          if (this.topIsWrapper) {
            // its records were emitted one by one
          } else if (this.topOversize || pos - this.topStart > this.maxElementBytes) {
            out.push({ error: `JSON value larger than ${this.maxElementBytes} bytes that is not a {"Records": [...]} log; skipped`, line: this.topLine });
          } else {
            this.emit(out, this.topStart, pos, this.topLine, -1);
          }
          this.topActive = false;
          this.topIsWrapper = false;
          this.topOversize = false;
        }
        continue;
      }
      if (this.depth === 0) {
        this.resync(out, 'unexpected content outside a JSON object or array');
        continue;
      }
      pos++;
    }
    this.pos = pos;
    // Values too large to keep stop being kept (and are reported when they end) instead of growing memory without bound.
    if (this.elemActive && !this.elemOversize && pos - this.elemStart > this.maxElementBytes && this.elementEnd(pos) - this.elemStart > this.maxElementBytes) this.elemOversize = true;
    if (this.topActive && !this.topIsWrapper && !this.topOversize && pos - this.topStart > this.maxElementBytes) this.topOversize = true;
  }

  /** Where the element being captured ends so far: whitespace after a complete value is not part of its size. */
  private elementEnd(pos: number): number {
    if (this.inString || this.depth !== this.recordDepth) return pos;
    while (pos > this.elemStart && isSpace(this.buf[pos - 1] as number)) pos--;
    return pos;
  }

  private finishElement(out: SplitOutput[], end: number): void {
    if (!this.elemOversize) end = this.elementEnd(end);
    if (this.elemOversize || end - this.elemStart > this.maxElementBytes) out.push({ error: `record larger than ${this.maxElementBytes} bytes; skipped`, line: this.elemLine });
    else this.emit(out, this.elemStart, end, this.elemLine, this.elemIndex);
    this.elemIndex++;
    this.elemActive = false;
    this.elemOversize = false;
  }
}

/** Backslashes ending buf[from, to), plus `carried` ones before `from` when the whole range is backslashes. */
function trailingBackslashes(buf: Buffer, from: number, to: number, carried: number): number {
  let i = to - 1;
  while (i >= from && buf[i] === BACKSLASH) i--;
  const run = to - 1 - i;
  return i < from ? carried + run : run;
}
