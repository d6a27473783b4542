/**
 * Generated trail documents for the raw scanners' property tests (test/unit/raw-document.property.test.ts,
 * test/unit/raw-ascii.property.test.ts): records of every shape JSON can give, keys and values chosen to
 * hit what decides soundness (the fields read without parsing, envelopes, "Records" spelled in strings).
 */
import fc from 'fast-check';
import { RAW_FIELDS } from '../../functions/core/input/raw-document';
import { arbRecord } from './arbitraries';

export const jsonRecord = fc.oneof(
  { weight: 3, arbitrary: arbRecord as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 8 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom(...RAW_FIELDS, 'detail', 'detail-type', 'other', '__proto__', 'Records', 'x"Records', 'Recordsx', '\\Records'),
      fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('Records', 'say "Records', '"Records"', 'Rec\u006frds', 'R')),
    ),
  },
);

export const wrap = (records: unknown[], shape: 'wrapper' | 'array', space: boolean) => {
  const body = space ? JSON.stringify(records, null, 1).replace(/\n/g, ' ') : JSON.stringify(records);
  return shape === 'array' ? body : `{"Records":${body}}`;
};

/** Edits made to a document's text at random: most make invalid JSON, some keep it valid. */
export const textEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 3 }),
  insert: fc.oneof(
    fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\\u00e9', '\\x', '0', '-', '01', '1e', '.5', 'true', 'nul', ' ', '\t', '\n', '\u0001', '\u2028', 'eventName', '"eventName":"x",', '"detail":1,', '"Records":[],', 'Records', '\\u0052', '\\"Records'),
    fc.string({ maxLength: 3 }),
  ),
});

/** `text` with the edits applied in turn. */
export function edited(text: string, edits: ReadonlyArray<{ at: number; remove: number; insert: string }>): string {
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
  }
  return text;
}
