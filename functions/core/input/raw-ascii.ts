/**
 * scanDocument (raw-document.ts) over a document's bytes rather than its decoded text, for a document
 * that is all ASCII (as trail files nearly always are): its bytes are then its text, position for
 * position, so the file is neither decoded (UTF-8 decoding was about a tenth of a replay's CPU) nor
 * checked for control bytes in a pass of its own (the scan meets every byte of every string anyway).
 *
 * The same contract as scanDocument, with one more reason to return null: a byte of 0x80 or above (a
 * non-ASCII character, or bytes that are not UTF-8), when the caller decodes the file and scans its
 * text. For any bytes the result is null or exactly what `scanDocument(text, maxNesting,
 * { controlFree })` gives for their text (test/unit/raw-ascii.property.test.ts), with `bytes` in
 * place of `text`. Reading a scanned record's parts: `asciiText` (ascii-bytes.ts).
 *
 * A string's characters are read four bytes at a time (one 32-bit word tested for a quote, a
 * backslash, a control byte or a high byte), then byte by byte to the one that stopped it; the rest
 * of the grammar as in raw-document.ts, byte for character.
 */
import { DEEP, F_EVENT_ID, F_EVENT_NAME, F_EVENT_SOURCE, F_EVENT_TIME, F_EVENT_VERSION, PLAIN, RAW_FIELDS, RECORDS_LETTER_ESCAPE, type RawDocument } from './raw-document';
import { asciiText, bytesAre } from './ascii-bytes';
import { isJsonSpace } from './control-bytes';

const NFIELDS = RAW_FIELDS.length;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

/** 1 for the bytes that end a string's run of plain characters: `"`, `\`, below 0x20, 0x80 and above. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STOP[c] = c === QUOTE || c === BACKSLASH || c < 0x20 || c >= 0x80 ? 1 : 0;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** A scanned ASCII document: `text` is empty, `bytes` is the document. */
export type RawAsciiDocument = RawDocument & { readonly bytes: Buffer };

class Invalid extends Error {}
const INVALID = new Invalid();


/** The bytes' scanned document, or null (see the file comment). */
export function scanAsciiDocument(bytes: Buffer, maxNesting: number): RawAsciiDocument | null {
  try {
    return new ByteScanner(bytes, maxNesting).document();
  } catch (e) {
    if (e instanceof Invalid) return null;
    throw e;
  }
}

class ByteScanner {
  private pos = 0;
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private fieldStart = new Int32Array(1024 * NFIELDS);
  private fieldEnd = new Int32Array(1024 * NFIELDS);
  private count = 0;
  private stack = new Uint8Array(64);
  private escaped = false;
  private wrapper = false;
  /** The bytes as aligned 32-bit words, from byte `base` on (a view: nothing copied). */
  private readonly words: Int32Array;
  private readonly base: number;

  constructor(private readonly b: Buffer, private readonly maxNesting: number) {
    this.base = (4 - (b.byteOffset & 3)) & 3;
    const n = (b.length - this.base) >> 2;
    this.words = n > 0 ? new Int32Array(b.buffer, b.byteOffset + this.base, n) : new Int32Array(0);
  }

  document(): RawAsciiDocument {
    const b = this.b;
    this.spaces();
    const wrapper = b[this.pos] === 0x7b; // {
    this.wrapper = wrapper;
    if (wrapper) {
      this.pos++;
      this.spaces();
      if (!bytesAre(b, this.pos, '"Records"')) throw INVALID;
      this.pos += 9;
      this.spaces();
      this.expect(0x3a); // :
      this.spaces();
    }
    this.expect(0x5b); // [
    this.spaces();
    if (b[this.pos] === 0x5d) {
      this.pos++;
    } else {
      for (;;) {
        this.record();
        this.spaces();
        const c = b[this.pos++];
        if (c === 0x5d) break; // ]
        if (c !== 0x2c) throw INVALID; // ,
        this.spaces();
      }
    }
    if (wrapper) {
      this.spaces();
      this.expect(0x7d); // }
    }
    // Any JSON whitespace at the end: scanDocument's control check leaves trailing whitespace out.
    let p = this.pos;
    while (p < b.length && isJsonSpace(b[p])) p++;
    if (p !== b.length) throw INVALID;
    const n = this.count;
    return {
      text: '',
      bytes: b,
      count: n,
      starts: this.starts.subarray(0, n),
      ends: this.ends.subarray(0, n),
      flags: this.flags.subarray(0, n),
      fieldStart: this.fieldStart.subarray(0, n * NFIELDS),
      fieldEnd: this.fieldEnd.subarray(0, n * NFIELDS),
    };
  }

  private expect(c: number): void {
    if (this.b[this.pos] !== c) throw INVALID;
    this.pos++;
  }

  /**
   * Whitespace between tokens: spaces only. A tab, line feed or carriage return before the last
   * token is a control character, and scanDocument takes no text with one.
   */
  private spaces(): void {
    const b = this.b;
    let p = this.pos;
    while (b[p] === SPACE) p++;
    this.pos = p;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const i32 = (a: Int32Array, n: number) => {
      const x = new Int32Array(n);
      x.set(a);
      return x;
    };
    this.starts = i32(this.starts, size);
    this.ends = i32(this.ends, size);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.flags = flags;
    this.fieldStart = i32(this.fieldStart, size * NFIELDS);
    this.fieldEnd = i32(this.fieldEnd, size * NFIELDS);
  }

  /** The first byte at or after `p` that ends a run of plain string characters (STOP), or the end. */
  private stop(p: number): number {
    const b = this.b;
    const base = this.base;
    while (((p - base) & 3) !== 0 && STOP[b[p] as number] === 0) p++;
    if (((p - base) & 3) === 0 && STOP[b[p] as number] === 0) {
      const words = this.words;
      let w = (p - base) >> 2;
      for (const n = words.length; w < n; w++) {
        const x = words[w] as number;
        const q = x ^ 0x22222222; // a quote is a zero byte of q
        const s = x ^ 0x5c5c5c5c; // a backslash is a zero byte of s
        // The high bit of a byte is set here when the byte is below 0x20 or at least 0x80, or is a
        // quote or a backslash (exact for the word as a whole: control-bytes.ts uses the same test).
        if (((((x - 0x20202020) & ~x) | x | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) !== 0) break;
      }
      p = base + w * 4;
    }
    while (STOP[b[p] as number] === 0) p++;
    return p;
  }

  /** Past the string whose opening quote is at `open`: its closing quote's position (raw-document.ts `string`, on bytes). */
  private string(open: number): number {
    const b = this.b;
    let p = open + 1;
    let escapes = false;
    for (;;) {
      p = this.stop(p);
      const c = b[p];
      if (c === QUOTE) break;
      if (c !== BACKSLASH) throw INVALID; // a control byte, a non-ASCII byte, or the end
      escapes = true;
      const e = b[p + 1];
      if (e === 0x75) {
        // \uXXXX
        if (HEX[b[p + 2] as number] !== 1 || HEX[b[p + 3] as number] !== 1 || HEX[b[p + 4] as number] !== 1 || HEX[b[p + 5] as number] !== 1) throw INVALID;
        p += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        p += 2;
      } else {
        throw INVALID;
      }
    }
    if (this.wrapper) {
      // `"Records"` in the text: this string is "Records", or (escaped) ends with a quote and Records.
      if (p - open === 8 ? bytesAre(b, open + 1, 'Records') : escapes && p - open > 8 && bytesAre(b, p - 8, '"Records')) throw INVALID;
      if (escapes && RECORDS_LETTER_ESCAPE.test(asciiText(b, open, p))) throw INVALID;
    }
    if (escapes) this.escaped = true;
    return p;
  }

  /** Past the number that starts at `p` (JSON's grammar exactly): its end. */
  private number(p: number): number {
    const b = this.b;
    if (b[p] === 0x2d) p++; // -
    const first = b[p] as number;
    if (first === 0x30) p++;
    else if (first >= 0x31 && first <= 0x39) p = digits(b, p);
    else throw INVALID;
    if (b[p] === 0x2e) p = digits(b, p + 1);
    const e = b[p];
    if (e === 0x65 || e === 0x45) {
      p++;
      const sign = b[p];
      if (sign === 0x2b || sign === 0x2d) p++;
      p = digits(b, p);
    }
    return p;
  }

  /** One element of the records array (raw-document.ts `record`, on bytes). */
  private record(): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    const b = this.b;
    const base = i * NFIELDS;
    const fieldStart = this.fieldStart;
    const fieldEnd = this.fieldEnd;
    fieldStart.fill(-1, base, base + NFIELDS);
    let p = this.pos;
    this.starts[i] = p;
    this.escaped = false;
    let plain = b[p] === 0x7b;
    let stack = this.stack;
    let depth = 0;
    let maxDepth = 0;
    let pending = -1;
    let state = VALUE;
    for (;;) {
      let c = b[p];
      while (c === SPACE) c = b[++p];
      if (state === AFTER) {
        if (c === 0x2c) {
          p++;
          state = stack[depth - 1] === OBJECT ? KEY : VALUE;
        } else if ((c === 0x7d && stack[depth - 1] === OBJECT) || (c === 0x5d && stack[depth - 1] === ARRAY)) {
          p++;
          if (--depth === 0) break;
        } else {
          throw INVALID;
        }
      } else if (state === KEY || state === KEY_OR_END) {
        if (c === QUOTE) {
          const close = this.string(p);
          if (depth === 1 && plain) {
            const f = fieldOf(b, p + 1, close - p - 1);
            if (f >= 0) {
              if ((fieldStart[base + f] as number) !== -1) plain = false;
              fieldStart[base + f] = -3;
              pending = f;
            } else if (f === ENVELOPE) {
              plain = false;
            }
          }
          p = close + 1;
          c = b[p];
          while (c === SPACE) c = b[++p];
          if (c !== 0x3a) throw INVALID;
          p++;
          state = VALUE;
        } else if (state === KEY_OR_END && c === 0x7d) {
          p++;
          if (--depth === 0) break;
          state = AFTER;
        } else {
          throw INVALID;
        }
      } else {
        if (c === QUOTE) {
          const close = this.string(p);
          if (pending >= 0 && depth === 1) {
            fieldStart[base + pending] = p + 1;
            fieldEnd[base + pending] = close;
            pending = -1;
          }
          p = close + 1;
          state = AFTER;
        } else if (c === 0x7b || c === 0x5b) {
          p++;
          if (depth === stack.length) {
            const grown = new Uint8Array(depth * 2);
            grown.set(stack);
            stack = this.stack = grown;
          }
          stack[depth++] = c === 0x7b ? OBJECT : ARRAY;
          if (depth > maxDepth) maxDepth = depth;
          state = c === 0x7b ? KEY_OR_END : VALUE_OR_END;
        } else if (state === VALUE_OR_END && c === 0x5d) {
          p++;
          if (--depth === 0) break;
          state = AFTER;
        } else {
          if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) p = this.number(p);
          else if (c === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) p += 4; // true
          else if (c === 0x66 && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65) p += 5; // false
          else if (c === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) p += 4; // null
          else throw INVALID;
          state = AFTER;
        }
        if (pending >= 0) {
          plain = false;
          pending = -1;
        }
        if (depth === 0) break;
      }
    }
    this.pos = p;
    this.ends[i] = p;
    if (this.escaped) plain = false;
    let flags = 0;
    if (plain) flags |= PLAIN;
    else fieldStart.fill(-1, base, base + NFIELDS);
    if (maxDepth > this.maxNesting) flags |= DEEP;
    this.flags[i] = flags;
  }
}

const VALUE = 0;
const VALUE_OR_END = 1;
const AFTER = 2;
const KEY_OR_END = 3;
const KEY = 4;
const OBJECT = 1;
const ARRAY = 2;
const ENVELOPE = -2;

/** Past a run of at least one digit from `p`: its end. */
function digits(b: Uint8Array, p: number): number {
  const s = p;
  for (let c = b[p] as number; c >= 0x30 && c <= 0x39; c = b[++p] as number);
  if (p === s) throw INVALID;
  return p;
}

/**
 * raw-document.ts `fieldOf`, on bytes: the RAW_FIELDS index of the key `b[at, at + len)`, ENVELOPE,
 * or -1. Told apart by their first bytes (every key of a record is asked: most start otherwise).
 */
function fieldOf(b: Uint8Array, at: number, len: number): number {
  const first = b[at];
  if (first === 0x64) return (len === 6 && bytesAre(b, at, 'detail')) || (len === 11 && bytesAre(b, at, 'detail-type')) ? ENVELOPE : -1; // d
  // "event", then the sixth byte names the field.
  if (first !== 0x65 || len < 7 || b[at + 1] !== 0x76 || b[at + 2] !== 0x65 || b[at + 3] !== 0x6e || b[at + 4] !== 0x74) return -1;
  switch (b[at + 5]) {
    case 0x56: // V
      return len === 12 && bytesAre(b, at + 6, 'ersion') ? F_EVENT_VERSION : -1;
    case 0x53: // S
      return len === 11 && bytesAre(b, at + 6, 'ource') ? F_EVENT_SOURCE : -1;
    case 0x4e: // N
      return len === 9 && b[at + 6] === 0x61 && b[at + 7] === 0x6d && b[at + 8] === 0x65 ? F_EVENT_NAME : -1; // ame
    case 0x54: // T
      return len === 9 && b[at + 6] === 0x69 && b[at + 7] === 0x6d && b[at + 8] === 0x65 ? F_EVENT_TIME : -1; // ime
    case 0x49: // I
      return len === 7 && b[at + 6] === 0x44 ? F_EVENT_ID : -1; // D
    default:
      return -1;
  }
}
