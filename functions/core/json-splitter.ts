/**
 * Incremental splitter for CloudTrail log documents: bytes in, one JSON text per record out, with
 * memory bounded by the largest single record rather than the file.
 *
 * Understands what trail log files and exports look like:
 *   {"Records": [ rec, rec, ... ]}   the trail file format: each element of Records is emitted
 *   [ rec, rec, ... ]                a JSON array: each element is emitted
 *   rec                              a single object (a record or an EventBridge event): emitted whole
 * and any sequence of these. Elements are not parsed here (the caller JSON.parses each one); the
 * scanner only tracks strings and nesting, jumping over string contents with Buffer#indexOf.
 * Structural errors are reported with a line number and scanning resumes at the next line.
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

function isSpace(c: number): boolean {
  return c === 0x20 || c === NL || c === 0x0d || c === 0x09;
}

export interface SplitterOptions {
  /** Largest element kept in memory; bigger ones are reported as errors. Default 64 MiB. */
  maxElementBytes?: number;
}

export class JsonRecordSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private line = 1;
  private depth = 0;
  private inString = false;
  private stringStart = 0;
  private readonly maxElementBytes: number;

  /** Depth of the array whose elements are records (1 for a top-level array, 2 for Records), or 0. */
  private recordDepth = 0;
  private elemStart = -1;
  private elemLine = 0;
  private elemIndex = 0;
  private elemOversize = false;

  /** Top-level object being captured whole (-1 when none, or once it turned out to be a Records wrapper). */
  private topStart = -1;
  private topLine = 0;
  private topIsWrapper = false;
  private lastKeyAtDepth1: string | null = null;
  private pendingKey: string | null = null;
  private started = false;

  constructor(options: SplitterOptions = {}) {
    this.maxElementBytes = options.maxElementBytes ?? 64 * 1024 * 1024;
  }

  /** Feeds bytes; returns the elements and errors completed so far. */
  push(chunk: Buffer): SplitOutput[] {
    const keep = this.keepFrom();
    this.buf = keep < this.buf.length ? Buffer.concat([this.buf.subarray(keep), chunk]) : chunk;
    this.rebase(keep);
    const out: SplitOutput[] = [];
    this.scan(out);
    return out;
  }

  /** Signals end of input; reports a value left incomplete. */
  end(): SplitOutput[] {
    const out: SplitOutput[] = [];
    if (this.depth > 0 || this.inString) {
      out.push({ error: 'unexpected end of input (truncated file?)', line: this.elemStart >= 0 ? this.elemLine : this.line });
    }
    this.reset();
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return out;
  }

  private keepFrom(): number {
    if (this.inString && this.elemStart < 0 && this.topStart < 0) return this.stringStart;
    if (this.topStart >= 0 && !this.topIsWrapper) return this.topStart;
    if (this.elemStart >= 0 && !this.elemOversize) return this.elemStart;
    if (this.inString) return this.stringStart;
    return this.pos;
  }

  private rebase(by: number): void {
    this.pos -= by;
    this.stringStart -= by;
    if (this.elemStart >= 0) this.elemStart -= by;
    if (this.topStart >= 0) this.topStart -= by;
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.recordDepth = 0;
    this.elemStart = -1;
    this.elemOversize = false;
    this.topStart = -1;
    this.topIsWrapper = false;
    this.lastKeyAtDepth1 = null;
    this.pendingKey = null;
  }

  /** After a structural error: drop the current value and resume at the next line. */
  private resync(out: SplitOutput[], message: string): void {
    out.push({ error: message, line: this.line });
    this.reset();
    const nl = this.buf.indexOf(NL, this.pos);
    this.pos = nl === -1 ? this.buf.length : nl;
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
      if (this.inString) {
        const q = buf.indexOf(QUOTE, pos);
        if (q === -1) {
          pos = len;
          break;
        }
        let bs = 0;
        for (let i = q - 1; i >= 0 && buf[i] === BACKSLASH; i--) bs++;
        pos = q + 1;
        if (bs % 2 === 1) continue;
        this.inString = false;
        if (this.depth === 1 && this.topStart >= 0) {
          this.pendingKey = buf.toString('utf8', this.stringStart + 1, q);
        }
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
      if (this.recordDepth > 0 && this.depth === this.recordDepth && this.elemStart < 0 && c !== COMMA && c !== CLOSE_ARR) {
        this.elemStart = pos;
        this.elemLine = this.line;
        this.elemOversize = false;
      }
      if (c === QUOTE) {
        this.inString = true;
        this.stringStart = pos;
        pos++;
        continue;
      }
      if (c === COLON) {
        if (this.depth === 1) this.lastKeyAtDepth1 = this.pendingKey;
        pos++;
        continue;
      }
      if (c === COMMA) {
        if (this.recordDepth > 0 && this.depth === this.recordDepth && this.elemStart >= 0) {
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
            this.topStart = pos;
            this.topLine = this.line;
            this.topIsWrapper = false;
            this.lastKeyAtDepth1 = null;
          }
        } else if (this.depth === 1 && c === OPEN_ARR && this.topStart >= 0 && !this.topIsWrapper && this.lastKeyAtDepth1 === 'Records' && this.recordDepth === 0) {
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
          this.pos = pos;
          this.resync(out, `unexpected "${String.fromCharCode(c)}"`);
          pos = this.pos;
          continue;
        }
        if (c === CLOSE_ARR && this.recordDepth > 0 && this.depth === this.recordDepth) {
          if (this.elemStart >= 0) this.finishElement(out, pos);
          this.recordDepth = 0;
        }
        this.depth--;
        pos++;
        if (this.depth === 0 && this.topStart >= 0) {
          if (!this.topIsWrapper) this.emit(out, this.topStart, pos, this.topLine, -1);
          this.topStart = -1;
          this.topIsWrapper = false;
        }
        continue;
      }
      if (this.depth === 0) {
        this.pos = pos;
        this.resync(out, 'unexpected content outside a JSON object or array');
        pos = this.pos;
        continue;
      }
      pos++;
    }
    this.pos = pos;
    // Elements too large to keep are dropped (and reported) instead of growing memory without bound.
    if (this.elemStart >= 0 && !this.elemOversize && pos - this.elemStart > this.maxElementBytes) {
      this.elemOversize = true;
    }
    if (this.topStart >= 0 && !this.topIsWrapper && pos - this.topStart > this.maxElementBytes) {
      out.push({ error: `JSON value larger than ${this.maxElementBytes} bytes that is not a {"Records": [...]} log; skipped`, line: this.topLine });
      this.reset();
      const nl = this.buf.indexOf(NL, this.pos);
      this.pos = nl === -1 ? this.buf.length : nl;
    }
  }

  private finishElement(out: SplitOutput[], end: number): void {
    if (this.elemOversize || end - this.elemStart > this.maxElementBytes) out.push({ error: `record larger than ${this.maxElementBytes} bytes; skipped`, line: this.elemLine });
    else this.emit(out, this.elemStart, end, this.elemLine, this.elemIndex);
    this.elemIndex++;
    this.elemStart = -1;
    this.elemOversize = false;
  }
}
