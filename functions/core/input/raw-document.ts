/**
 * A trail document's records found in its text without `JSON.parse`: the raw side of the replay
 * pre-filter (issue 12 §2; the rule side is match/text-requirement.ts).
 *
 * `scanDocument` validates the whole text as JSON (RFC 8259, exactly what `JSON.parse` accepts) in
 * one pass and, for a `{"Records": [...]}` object or a top-level array, returns where each record's
 * text starts and ends, and for each record:
 *   - PLAIN: an object whose text has no backslash (so every string in it is its own text), with each
 *     of RAW_FIELDS at most once at its top level and then a string, and no `detail-type` or `detail`
 *     key (an EventBridge envelope is read by toRecord differently). For a plain record, `field`
 *     gives those values exactly as `JSON.parse` would (`JSON.parse(text.slice(...))` of the record
 *     has the same value for each of them, absent where absent); anything else needs the record parsed.
 *   - DEEP: its text nests deeper than the limit (`{}` is depth 1). Necessary for the parsed value to
 *     nest that deep (common/nesting.ts), not sufficient: with two equal keys JSON.parse keeps only
 *     the last value, so the value of a DEEP record may nest less, and a reader decides on the value.
 * It returns null for anything it does not take whole: invalid JSON, another shape, a text with a
 * control character (only legal as whitespace between tokens, and compact trail files have none),
 * and a wrapper document in which a second "Records" key could be spelled (the trail reader's
 * `recordsKeyAmbiguous`: a second `"Records"` in the text, or a \u escape of one of its letters,
 * found here from the strings that can hold them). Callers then parse the text as before, so a null
 * costs speed, never a different result. Taking the text is then sound: `JSON.parse` of it would
 * succeed and give exactly these records (test/unit/raw-document.property.test.ts).
 *
 * One pass with no recursion and nothing allocated per value: strings are skipped with indexOf
 * (the next quote, the next backslash), structure is read code unit by code unit.
 */
import { asciiText } from './ascii-bytes';
import { isJsonSpace } from './control-bytes';

/** Top-level record fields a reader needs without parsing: toRecord, the scope check, the delivery key. */
export const RAW_FIELDS = ['eventVersion', 'eventSource', 'eventName', 'eventTime', 'eventID'] as const;
export const F_EVENT_VERSION = 0;
export const F_EVENT_SOURCE = 1;
export const F_EVENT_NAME = 2;
export const F_EVENT_TIME = 3;
export const F_EVENT_ID = 4;
const NFIELDS = RAW_FIELDS.length;

export const PLAIN = 1;
export const DEEP = 2;

export interface RawDocument {
  /** The document's text; empty when it was scanned from its bytes (`bytes`). */
  readonly text: string;
  /**
   * The document's bytes when it was scanned from them (raw-ascii.ts: all ASCII, so every position
   * below is the same in the bytes and the text); absent for a document scanned from its text.
   */
  readonly bytes?: Buffer;
  readonly count: number;
  /** Record i's text is text.slice(starts[i], ends[i]). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** PLAIN and DEEP bits per record. */
  readonly flags: Uint8Array;
  /** For a PLAIN record, the text of field f (RAW_FIELDS order) is fieldStart/End[i * 5 + f]; -1 when absent. */
  readonly fieldStart: Int32Array;
  readonly fieldEnd: Int32Array;
}

/** A record's field value, for a PLAIN record; undefined when the record has no such field. */
export function rawField(doc: RawDocument, record: number, field: number): string | undefined {
  const at = record * NFIELDS + field;
  const start = doc.fieldStart[at] as number;
  return start < 0 ? undefined : documentText(doc, start, doc.fieldEnd[at] as number);
}

/** The document's text from `start` to `end`, whether it was scanned from its text or its bytes. */
export function documentText(doc: RawDocument, start: number, end: number): string {
  return doc.bytes ? asciiText(doc.bytes, start, end) : doc.text.slice(start, end);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CONTROL = /[\u0000-\u001f]/;
const HEX = /^[0-9a-fA-F]{4}$/;
/** A \u escape of a letter of "Records" (which could spell a second "Records" key): the trail reader's test too. */
export const RECORDS_LETTER_ESCAPE = /\\u00(?:52|65|63|6f|72|64|73)/i;


class Invalid extends Error {}
const INVALID = new Invalid();


export interface ScanOptions {
  /**
   * Whether the text, trailing whitespace aside, has no control character, when the caller knows
   * (control-bytes.ts, on the bytes it decoded the text from); unset, the scan looks for itself.
   */
  controlFree?: boolean;
}

/**
 * Scans `text` (see the file comment). `maxNesting`: the depth past which a record is DEEP.
 */
export function scanDocument(text: string, maxNesting: number, options: ScanOptions = {}): RawDocument | null {
  // Control characters are legal only as whitespace between tokens; a text with any (beyond a final
  // newline) is left to JSON.parse, so strings need no look at each character below.
  if (options.controlFree === false) return null;
  if (options.controlFree === undefined) {
    let last = text.length;
    while (last > 0 && isJsonSpace(text.charCodeAt(last - 1))) last--;
    if (CONTROL.test(last === text.length ? text : text.slice(0, last))) return null;
  }
  try {
    return new Scanner(text, maxNesting).document();
  } catch (e) {
    if (e instanceof Invalid) return null;
    throw e;
  }
}

class Scanner {
  private pos = 0;
  /** The first backslash at or after the last string's start, or -1 when there is none. */
  private nextBackslash: number;
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private fieldStart = new Int32Array(1024 * NFIELDS);
  private fieldEnd = new Int32Array(1024 * NFIELDS);
  private count = 0;
  /** Open containers of the current record: 1 object, 2 array. */
  private stack = new Uint8Array(64);

  constructor(private readonly text: string, private readonly maxNesting: number) {
    this.nextBackslash = text.indexOf('\\');
  }

  document(): RawDocument {
    const t = this.text;
    this.ws();
    const wrapper = t.charCodeAt(this.pos) === 0x7b; // {
    this.wrapper = wrapper;
    if (wrapper) {
      this.pos++;
      this.ws();
      // Exactly one key, spelled plainly: "Records".
      if (!t.startsWith('"Records"', this.pos)) throw INVALID;
      this.pos += 9;
      this.ws();
      this.expect(0x3a); // :
      this.ws();
    }
    this.expect(0x5b); // [
    this.ws();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
    } else {
      for (;;) {
        this.record();
        this.ws();
        const c = t.charCodeAt(this.pos++);
        if (c === 0x5d) break; // ]
        if (c !== 0x2c) throw INVALID; // ,
        this.ws();
      }
    }
    this.ws();
    if (wrapper) {
      this.expect(0x7d); // }
      this.ws();
    }
    if (this.pos !== t.length) throw INVALID;
    const n = this.count;
    return {
      text: t,
      count: n,
      starts: this.starts.subarray(0, n),
      ends: this.ends.subarray(0, n),
      flags: this.flags.subarray(0, n),
      fieldStart: this.fieldStart.subarray(0, n * NFIELDS),
      fieldEnd: this.fieldEnd.subarray(0, n * NFIELDS),
    };
  }

  private expect(c: number): void {
    if (this.text.charCodeAt(this.pos) !== c) throw INVALID;
    this.pos++;
  }

  private ws(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length && isJsonSpace(t.charCodeAt(p))) p++;
    this.pos = p;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const i32 = (a: Int32Array, n: number) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.starts = i32(this.starts, size);
    this.ends = i32(this.ends, size);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.flags = flags;
    this.fieldStart = i32(this.fieldStart, size * NFIELDS);
    this.fieldEnd = i32(this.fieldEnd, size * NFIELDS);
  }

  /**
   * `string(open)` for the common case, inlined where strings are read: the next quote closes the
   * string when no backslash comes before it.
   */
  private close(open: number): number {
    const t = this.text;
    const q = t.indexOf('"', open + 1);
    let b = this.nextBackslash;
    if (b !== -1 && b <= open) b = this.nextBackslash = t.indexOf('\\', open + 1);
    if (q === -1 || (b !== -1 && b < q)) return this.string(open);
    if (this.wrapper && q - open === 8 && t.startsWith('Records', open + 1)) throw INVALID;
    return q;
  }

  /**
   * Past the string whose opening quote is at `open`: returns the position of its closing quote;
   * sets `escaped` when it holds a backslash (each escape checked as JSON.parse checks it).
   */
  private string(open: number): number {
    const t = this.text;
    let from = open + 1;
    let escapes = false;
    for (;;) {
      const q = t.indexOf('"', from);
      if (q === -1) throw INVALID;
      let b = this.nextBackslash;
      if (b !== -1 && b < from) b = this.nextBackslash = t.indexOf('\\', from);
      if (b === -1 || b > q) {
        // `"Records"` in the text: this string is "Records", or (escaped) ends with a quote and Records.
        if (this.wrapper && q - open >= 8 && (q - open === 8 ? t.startsWith('Records', open + 1) : escapes && t.startsWith('"Records', q - 8))) throw INVALID;
        if (this.wrapper && escapes && RECORDS_LETTER_ESCAPE.test(t.slice(open, q))) throw INVALID;
        return q;
      }
      escapes = true;
      this.escaped = true;
      const e = t.charCodeAt(b + 1);
      if (e === 0x75) {
        // \uXXXX
        if (!HEX.test(t.slice(b + 2, b + 6))) throw INVALID;
        from = b + 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        from = b + 2;
      } else {
        throw INVALID;
      }
    }
  }

  private escaped = false;
  /** Whether the document is a `{"Records": [...]}` wrapper (then a second "Records" is refused). */
  private wrapper = false;

  /** Past the number that starts at `p` (JSON's grammar exactly): its end. */
  private number(p: number): number {
    const t = this.text;
    if (t.charCodeAt(p) === 0x2d) p++; // -
    const first = t.charCodeAt(p);
    if (first === 0x30) p++;
    else if (first >= 0x31 && first <= 0x39) p = digits(t, p);
    else throw INVALID;
    if (t.charCodeAt(p) === 0x2e) p = digits(t, p + 1);
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      p++;
      const sign = t.charCodeAt(p);
      if (sign === 0x2b || sign === 0x2d) p++;
      p = digits(t, p);
    }
    return p;
  }

  /** One element of the records array: any JSON value, with its flags and fields. */
  private record(): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    const t = this.text;
    const base = i * NFIELDS;
    const fieldStart = this.fieldStart;
    const fieldEnd = this.fieldEnd;
    fieldStart.fill(-1, base, base + NFIELDS);
    let p = this.pos;
    this.starts[i] = p;
    this.escaped = false;
    let plain = t.charCodeAt(p) === 0x7b;
    let stack = this.stack;
    let depth = 0;
    let maxDepth = 0;
    /** The RAW_FIELDS index of the top-level key just read, -1 for another key. */
    let pending = -1;
    // States: VALUE a value is expected, VALUE_OR_END just after `[`, AFTER a value, KEY_OR_END just
    // after `{`, KEY after `,` in an object (a key is read with its colon).
    let state = VALUE;
    for (;;) {
      let c = t.charCodeAt(p);
      while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = t.charCodeAt(++p);
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
          const close = this.close(p);
          if (depth === 1 && plain) {
            const f = fieldOf(t, p + 1, close - p - 1);
            if (f >= 0) {
              // A field twice: JSON.parse keeps the last, the record is parsed.
              if ((fieldStart[base + f] as number) !== -1) plain = false;
              fieldStart[base + f] = -3; // seen; given its string's position below, else not plain
              pending = f;
            } else if (f === ENVELOPE) {
              plain = false;
            }
          }
          // The colon, read here rather than in a state of its own: one turn of the loop less per key.
          p = close + 1;
          c = t.charCodeAt(p);
          while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = t.charCodeAt(++p);
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
        // VALUE or VALUE_OR_END
        if (c === QUOTE) {
          const close = this.close(p);
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
          if (c === 0x2d || (c >= 0x30 && c <= 0x39)) p = this.number(p);
          else if (c === 0x74 && t.startsWith('true', p)) p += 4;
          else if (c === 0x66 && t.startsWith('false', p)) p += 5;
          else if (c === 0x6e && t.startsWith('null', p)) p += 4;
          else throw INVALID;
          state = AFTER;
        }
        // A field of RAW_FIELDS whose value is not a string (an object, array, number, ...).
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
/** fieldOf's answer for `detail-type` and `detail` (toRecord reads an EventBridge envelope). */
const ENVELOPE = -2;

/** Past a run of at least one digit from `p`: its end. */
function digits(t: string, p: number): number {
  const s = p;
  for (let c = t.charCodeAt(p); c >= 0x30 && c <= 0x39; c = t.charCodeAt(++p));
  if (p === s) throw INVALID;
  return p;
}

/** The RAW_FIELDS index of the key whose text is t[at, at + len), ENVELOPE, or -1, without slicing. */
function fieldOf(t: string, at: number, len: number): number {
  switch (len) {
    case 12:
      return t.startsWith('eventVersion', at) ? F_EVENT_VERSION : -1;
    case 11:
      return t.startsWith('eventSource', at) ? F_EVENT_SOURCE : t.startsWith('detail-type', at) ? ENVELOPE : -1;
    case 9:
      return t.startsWith('eventName', at) ? F_EVENT_NAME : t.startsWith('eventTime', at) ? F_EVENT_TIME : -1;
    case 7:
      return t.startsWith('eventID', at) ? F_EVENT_ID : -1;
    case 6:
      return t.startsWith('detail', at) ? ENVELOPE : -1;
    default:
      return -1;
  }
}
