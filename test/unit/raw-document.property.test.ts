/**
 * scanDocument (functions/core/input/raw-document.ts) must be sound: whenever it takes a text, that
 * text is one JSON document JSON.parse accepts, of the `{"Records": [...]}` or array shape, and each
 * record's slice parses to that record; a PLAIN record's fields are the parsed record's, and DEEP is
 * nestsDeeperThan. Checked on generated documents and on generated documents edited at random
 * (bytes inserted, removed, escapes, control characters), where most edits make invalid JSON.
 */
import fc from 'fast-check';
import { DEEP, PLAIN, RAW_FIELDS, rawField, scanDocument, type RawDocument } from '../../functions/core/input/raw-document';
import { nestsDeeperThan } from '../../functions/core/common/nesting';
import { hasControlByte, withoutTrailingSpace } from '../../functions/core/input/control-bytes';
import { recordsKeyAmbiguous } from '../../functions/adapters/trail-reader';
import { edited, jsonRecord, textEdit, wrap } from '../helpers/raw-documents';

const LIMIT = 6;

/** Everything scanDocument claims about `text`, checked against JSON.parse. */
function checkClaims(text: string, raw: RawDocument): void {
  const doc: unknown = JSON.parse(text); // throws (fails the test) if the scanner took invalid JSON
  let records: unknown[];
  if (Array.isArray(doc)) {
    records = doc;
  } else {
    // The trail reader reads such a text whole only without a possible second "Records" key.
    expect(recordsKeyAmbiguous(text)).toBe(false);
    expect(Object.keys(doc as object)).toEqual(['Records']);
    records = (doc as { Records: unknown[] }).Records;
    expect(Array.isArray(records)).toBe(true);
  }
  expect(raw.count).toBe(records.length);
  records.forEach((r, i) => {
    expect(JSON.parse(text.slice(raw.starts[i], raw.ends[i]))).toEqual(r);
    // DEEP is the text's depth: the value can nest as deep only if the text does.
    if (nestsDeeperThan(r, LIMIT)) expect((raw.flags[i] as number) & DEEP).toBe(DEEP);
    if ((raw.flags[i] as number) & PLAIN) {
      const rec = r as Record<string, unknown>;
      expect(typeof rec === 'object' && rec !== null && !Array.isArray(rec)).toBe(true);
      expect(text.slice(raw.starts[i], raw.ends[i])).not.toContain('\\');
      expect('detail-type' in rec || 'detail' in rec).toBe(false);
      RAW_FIELDS.forEach((f, k) => {
        if (Object.prototype.hasOwnProperty.call(rec, f)) {
          expect(typeof rec[f]).toBe('string');
          expect(rawField(raw, i, k)).toBe(rec[f]);
        } else {
          expect(rawField(raw, i, k)).toBeUndefined();
        }
      });
    }
  });
}

describe('scanDocument', () => {
  it('takes generated trail documents and says of each record what JSON.parse says', () => {
    let plain = 0;
    let taken = 0;
    fc.assert(
      fc.property(fc.array(jsonRecord, { maxLength: 6 }), fc.constantFrom('wrapper' as const, 'array' as const), fc.boolean(), (records, shape, space) => {
        const text = wrap(records, shape, space);
        const raw = scanDocument(text, LIMIT);
        // Generated strings may hold control characters (escaped by JSON.stringify, so legal): a
        // text without a raw control character is always taken.
        if (!/[\u0000-\u001f]/.test(text) && !(shape === 'wrapper' && recordsKeyAmbiguous(text))) expect(raw).not.toBeNull();
        if (raw) {
          taken++;
          checkClaims(text, raw);
          for (let i = 0; i < raw.count; i++) if ((raw.flags[i] as number) & PLAIN) plain++;
        }
      }),
      { numRuns: 600 },
    );
    // Most are taken: all but the wrapper documents whose strings could spell a second "Records"
    // (about one in eight here). Not vacuous either way, with room for the randomness of the runs.
    expect(taken).toBeGreaterThan(420);
    expect(plain).toBeGreaterThan(250);
  });

  it('never takes a text JSON.parse would refuse or read differently, however it is edited', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(jsonRecord, { minLength: 1, maxLength: 4 }), fc.array(textEdit, { minLength: 1, maxLength: 3 }), (records, edits) => {
        const text = edited(wrap(records, 'wrapper', false), edits);
        const raw = scanDocument(text, LIMIT);
        if (raw) {
          taken++;
          checkClaims(text, raw);
        } else {
          // Refused: fine when JSON.parse refuses too; when it accepts, the text was left to it.
        }
      }),
      { numRuns: 2000 },
    );
    // Some edits keep the text valid (inside strings, whitespace): those must be taken and checked.
    expect(taken).toBeGreaterThan(100);
  });

  it('reads the cases that decide soundness the way JSON.parse does', () => {
    const one = (record: string) => scanDocument(`{"Records":[${record}]}`, LIMIT);
    const flags = (record: string) => one(record)?.flags[0];
    // Plain records: fields read from the text.
    const plainDoc = one('{"eventVersion":"1.11","eventSource":"rekognition.amazonaws.com","eventName":"DetectFaces","eventTime":"2026-01-01T00:00:00Z","eventID":"e-1","x":{"eventName":"inner"}}');
    expect(plainDoc?.flags[0]).toBe(PLAIN);
    expect(rawField(plainDoc!, 0, RAW_FIELDS.indexOf('eventName'))).toBe('DetectFaces');
    // A second eventName (JSON.parse keeps the last), an escape anywhere, an envelope, a non-string field.
    expect(flags('{"eventName":"DetectFaces","eventName":"DeleteCollection"}')).toBe(0);
    expect(flags('{"event\\u004eame":"DeleteCollection","eventName":"DetectFaces"}')).toBe(0);
    expect(flags('{"eventName":"DetectFaces","userAgent":"a\\"b"}')).toBe(0);
    expect(flags('{"detail-type":"AWS API Call via CloudTrail","detail":{}}')).toBe(0);
    expect(flags('{"eventName":["DeleteCollection"]}')).toBe(0);
    expect(flags('{"eventSource":null}')).toBe(0);
    expect(flags('7')).toBe(0);
    // Depth: `{}` is 1.
    expect(flags(`${'['.repeat(LIMIT)}${']'.repeat(LIMIT)}`)).toBe(0);
    expect(flags(`${'['.repeat(LIMIT + 1)}${']'.repeat(LIMIT + 1)}`)).toBe(DEEP);
    // The text nests too deep, the value JSON.parse keeps does not: DEEP all the same (the reader
    // parses DEEP records and decides on the value).
    expect(flags(`{"x":${'['.repeat(LIMIT + 1)}${']'.repeat(LIMIT + 1)},"x":1}`)).toBe(PLAIN | DEEP);
    // Shapes and texts left to JSON.parse.
    expect(scanDocument('{"Records":[],"Records":[{}]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[],"x":1}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":{}}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{"a":"tab\there"}]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{"a":"\\q"}]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{"a":"\\u12"}]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[01]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[1.]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{"a":1,}]}', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{}]} x', LIMIT)).toBeNull();
    expect(scanDocument('{"Records":[{}]', LIMIT)).toBeNull();
    // Taken: trailing whitespace, escapes JSON.parse accepts (lone surrogates too), numbers of every form.
    expect(scanDocument('{"Records":[{}]}\n', LIMIT)?.count).toBe(1);
    expect(scanDocument('[{"a":"\\ud800\\/\\b\\f\\n\\r\\t\\\\"}, -0.5e+3, 0, 1E2, true, false, null, "s", []]', LIMIT)?.count).toBe(9);
    expect(scanDocument('{"Records":[]}', LIMIT)?.count).toBe(0);
  });

  it('trusts a caller that found no control byte exactly where its own test would find no control character', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 7 }), fc.constantFrom('', '\n', ' \r\n\t'), (body, pad, tail) => {
        // Any alignment of the bytes in memory, any bytes (invalid UTF-8 too), trailing whitespace.
        const backing = new Uint8Array(pad + body.length + tail.length);
        backing.set(body, pad);
        backing.set(Buffer.from(tail), pad + body.length);
        const bytes = backing.subarray(pad);
        const naive = Array.from(bytes.subarray(0, withoutTrailingSpace(bytes))).some((b) => b < 0x20);
        expect(hasControlByte(bytes, withoutTrailingSpace(bytes))).toBe(naive);
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
        expect(/[\u0000-\u001f]/.test(text.replace(/[ \t\n\r]+$/, ''))).toBe(naive);
      }),
      { numRuns: 3000 },
    );
    const doc = '{"Records":[{"a":"b"}]}';
    expect(scanDocument(doc, LIMIT, { controlFree: false })).toBeNull();
    expect(scanDocument(doc, LIMIT, { controlFree: true })?.count).toBe(1);
  });
});
