import fc from 'fast-check';
import { excerpt, MAX_WHOLE_DEPTH } from '../../functions/core/alert/excerpt';
import { jsonExtent } from '../../functions/core/common/json-bytes';

/** A value wrapped `levels` deep in arrays and objects alternately (to reach either side of MAX_WHOLE_DEPTH). */
function nest(value: unknown, levels: number, asArray: boolean): unknown {
  let v = value;
  for (let i = 0; i < levels; i++) v = (i % 2 === 0) === asArray ? [v] : { k: v };
  return v;
}

const odd = fc.constantFrom<unknown>(new Date(0), Object.assign(Object.create(null), { a: 1 }), { a: undefined, b: 2 }, [undefined, 1], { toJSON: () => 'x'.repeat(50) }, { f: () => 1 }, 'é\ud800😀');
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: 28, max: 36 }), fc.boolean()).map(([v, n, a]) => nest(v, n, a)),
  fc.tuple(odd, fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([v, n, a]) => nest(v, n, a)),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), odd)),
);

describe('excerpt: the whole value is kept exactly when its JSON (writeJson) fits and nests at most MAX_WHOLE_DEPTH', () => {
  it('decides as jsonExtent does, for any value and budget', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 400 }), (v, maxBytes) => {
        const whole = jsonExtent(v, maxBytes, MAX_WHOLE_DEPTH) !== undefined;
        const e = excerpt(v, maxBytes);
        expect(!e.truncated).toBe(whole);
        if (whole) expect(e.value).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a value exactly MAX_WHOLE_DEPTH deep and cuts one a level deeper; a budget one byte short cuts', () => {
    for (const asArray of [true, false]) {
      const at = nest(1, MAX_WHOLE_DEPTH, asArray);
      expect(excerpt(at).truncated).toBe(false);
      expect(excerpt(nest(1, MAX_WHOLE_DEPTH + 1, asArray)).truncated).toBe(true);
    }
    const v = { s: 'ü'.repeat(10) }; // 28 bytes of JSON: {"s":" + 10 two-byte characters + "}
    expect(excerpt(v, 28)).toEqual({ value: v, truncated: false });
    expect(excerpt(v, 27).truncated).toBe(true);
  });
});
