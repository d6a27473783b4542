/**
 * parseJsonText (functions/core/common/parse-json.ts) reads a valid file with JSON.parse and
 * anything else with jsonc-parser: on every text, valid or not, it gives exactly what jsonc-parser
 * alone gives (the same value, or an error), so the fast path can never change how a file reads.
 */
import fc from 'fast-check';
import { parse, type ParseError } from 'jsonc-parser';
import { parseJsonText } from '../../functions/core/common/parse-json';

function viaJsonc(text: string): { ok: true; value: unknown } | { ok: false } {
  const errors: ParseError[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const value: unknown = parse(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors.length > 0 ? { ok: false } : { ok: true, value };
}

/** Equal as values, prototypes and own keys included (toStrictEqual alone cannot see a __proto__ key). */
function same(a: unknown, b: unknown): void {
  expect(a).toStrictEqual(b);
  if (typeof a === 'object' && a !== null) {
    const [pa, pb] = [Object.getPrototypeOf(a) as unknown, Object.getPrototypeOf(b) as unknown];
    if (pa === Object.prototype || pa === Array.prototype || pa === null) expect(pa).toBe(pb);
    else same(pa, pb); // a prototype set by a "__proto__" key: each parse builds its own
    expect(Reflect.ownKeys(a)).toEqual(Reflect.ownKeys(b as object));
    for (const k of Reflect.ownKeys(a)) same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]);
  }
}

const texts = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  // Edited texts: mostly invalid, some still valid.
  fc.tuple(fc.jsonValue().map((v) => JSON.stringify(v)), fc.nat(), fc.constantFrom('', ',', '}', '"', '\\u00', '//x', ' \u00a0', '\u0001', '1e400', '__proto__')).map(([t, at, ins]) => t.slice(0, at % (t.length + 1)) + ins + t.slice(at % (t.length + 1))),
  fc.constantFrom('{"__proto__": {"x": 1}}', '{"\\u005f_proto__": 1}', '{"a": 1, "a": 2}', '[1, 2,]', '', ' ', '\ufeff{"a": "b"}', '{"a": "\\ud800"}', '-0', '1E2'),
);

describe('parseJsonText', () => {
  it('gives what jsonc-parser gives, on valid and invalid texts alike', () => {
    let valid = 0;
    fc.assert(
      fc.property(texts, (text) => {
        const got = parseJsonText(text);
        const want = viaJsonc(text);
        expect(got.ok).toBe(want.ok);
        if (got.ok && want.ok) {
          valid++;
          same(got.value, want.value);
        }
      }),
      { numRuns: 3000 },
    );
    expect(valid).toBeGreaterThan(1000);
  });
});
