/**
 * scanAsciiDocument (functions/core/input/raw-ascii.ts) gives exactly what scanDocument gives for the
 * same bytes' text, when the bytes are all ASCII and the control check is the trail reader's (on the
 * bytes), and null for any bytes that are not: on generated documents, documents edited as text,
 * documents with bytes of any value put in at random, at every alignment in memory (its strings are
 * read a 32-bit word at a time). scanDocument's own soundness against JSON.parse is
 * test/unit/raw-document.property.test.ts; together they make the byte scan sound.
 */
import fc from 'fast-check';
import { RAW_FIELDS, scanDocument, type RawDocument } from '../../functions/core/input/raw-document';
import { scanAsciiDocument } from '../../functions/core/input/raw-ascii';
import { hasControlByte, withoutTrailingSpace } from '../../functions/core/input/control-bytes';
import { edited, jsonRecord, textEdit, wrap } from '../helpers/raw-documents';

const LIMIT = 6;

/** The parts of a scanned document that say anything (the text is the bytes'). */
const parts = (d: RawDocument) => ({ count: d.count, starts: [...d.starts], ends: [...d.ends], flags: [...d.flags], fieldStart: [...d.fieldStart], fieldEnd: [...d.fieldEnd] });

/** `bytes` copied into memory `pad` bytes past a word boundary. */
function placed(bytes: Uint8Array, pad: number): Buffer {
  const backing = Buffer.alloc(pad + bytes.length + 3);
  backing.set(bytes, pad);
  return backing.subarray(pad, pad + bytes.length);
}

/** Checks the byte scan against the text scan for `bytes` at every alignment; whether the text scan took them. */
function agrees(bytes: Uint8Array): boolean {
  const ascii = bytes.every((b) => b < 0x80);
  const buf = Buffer.from(bytes);
  const byText = scanDocument(buf.toString('utf8'), LIMIT, { controlFree: !hasControlByte(buf, withoutTrailingSpace(buf)) });
  for (let pad = 0; pad < 4; pad++) {
    const got = scanAsciiDocument(placed(bytes, pad), LIMIT);
    if (!ascii || byText === null) {
      expect(got).toBeNull();
    } else {
      expect(got).not.toBeNull();
      expect(parts(got as RawDocument)).toEqual(parts(byText));
    }
  }
  return ascii && byText !== null;
}

/** Bytes of any value (non-ASCII, control, invalid UTF-8) put into a text at random. */
const byteEdit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 2 }), insert: fc.uint8Array({ minLength: 1, maxLength: 3 }) });

function withBytes(text: string, edits: ReadonlyArray<{ at: number; remove: number; insert: Uint8Array }>): Uint8Array {
  let b = Buffer.from(text);
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    b = Buffer.concat([b.subarray(0, at), e.insert, b.subarray(at + e.remove)]);
  }
  return b;
}

describe('scanAsciiDocument', () => {
  it('gives what scanDocument gives on generated trail documents (ASCII, and with non-ASCII strings)', () => {
    let taken = 0;
    let nonAscii = 0;
    const unicode = fc.array(fc.dictionary(fc.constantFrom('userAgent', 'eventName', 'x'), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 2 });
    fc.assert(
      fc.property(fc.array(jsonRecord, { maxLength: 6 }), unicode, fc.constantFrom('wrapper' as const, 'array' as const), fc.boolean(), (records, more, shape, space) => {
        const bytes = Buffer.from(wrap([...records, ...more], shape, space));
        if (agrees(bytes)) taken++;
        if (bytes.some((b) => b >= 0x80)) nonAscii++;
      }),
      { numRuns: 500 },
    );
    // (Measured: about 165 taken and 200 with non-ASCII bytes; the bounds sit well below.)
    expect(taken).toBeGreaterThan(100);
    expect(nonAscii).toBeGreaterThan(100);
  });

  it('gives what scanDocument gives however the text is edited, bytes of any value included', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(jsonRecord, { minLength: 1, maxLength: 4 }), fc.array(textEdit, { maxLength: 3 }), fc.array(byteEdit, { maxLength: 2 }), (records, edits, bytes) => {
        if (agrees(withBytes(edited(wrap(records, 'wrapper', false), edits), bytes))) taken++;
      }),
      { numRuns: 2000 },
    );
    // Some edits keep the document valid and ASCII: those are compared field by field.
    expect(taken).toBeGreaterThan(100);
  });

  it('tells the fields it reads from keys one byte away from them', () => {
    // Each name the scan looks for, and every key one byte away: changed, cut short, made longer.
    for (const name of [...RAW_FIELDS, 'detail', 'detail-type']) {
      const near = new Set<string>([name, name.slice(0, -1), `${name}s`]);
      for (let i = 0; i < name.length; i++) near.add(`${name.slice(0, i)}x${name.slice(i + 1)}`);
      for (const key of near) {
        for (const value of ['"v"', '1']) {
          const doc = `{"Records":[{"eventName":"a",${JSON.stringify(key)}:${value},"z":"e"}]}`;
          expect(agrees(Buffer.from(doc))).toBe(true);
        }
      }
    }
  });

  it('reads long strings a word at a time and stops at the byte that ends them, wherever it falls', () => {
    // A string of n plain characters then a quote, backslash, control or high byte, at every
    // length and alignment around a word.
    for (let n = 0; n < 24; n++) {
      for (const end of ['"', '\\"x"', '\\u0041"', '\t"', '\u00e9"', '\u0000"']) {
        const doc = `{"Records":[{"eventName":"${'a'.repeat(n)}${end},"k":"${'b'.repeat(23 - n)}"}]}`;
        agrees(Buffer.from(doc));
      }
    }
    // Cut anywhere, a long string left open at the end of the bytes among them; leading whitespace.
    const whole = `{"Records":[{"eventName":"${'a'.repeat(21)}","userAgent":"${'b'.repeat(13)}\\"${'c'.repeat(9)}"}]}`;
    for (let cut = 0; cut <= whole.length; cut++) agrees(Buffer.from(whole.slice(0, cut)));
    for (const lead of [' ', '   ', '\n', '\t ', ' \r\n']) agrees(Buffer.from(`${lead}${whole}`));
    expect(scanAsciiDocument(Buffer.from(`   ${whole}`), LIMIT)?.count).toBe(1);
    expect(scanAsciiDocument(Buffer.from('{"Records":[{"eventName":"DetectFaces"}]}'), LIMIT)?.count).toBe(1);
    expect(scanAsciiDocument(Buffer.from('{"Records":[{"eventName":"Detect\u00e9"}]}'), LIMIT)).toBeNull();
    expect(scanAsciiDocument(Buffer.from('{"Records":[{"a":"tab\there"}]}'), LIMIT)).toBeNull();
    expect(scanAsciiDocument(Buffer.from('{"Records":[{}]}\n \t\r\n'), LIMIT)?.count).toBe(1);
    expect(scanAsciiDocument(Buffer.from('{"Records":[{}]\n}'), LIMIT)).toBeNull();
  });
});
