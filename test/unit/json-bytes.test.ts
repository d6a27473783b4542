/** The JSON sizes behind the message limits: exactly JSON.stringify, at any depth, cut within budget. */
import fc from 'fast-check';
import { cutString, encodedBytes, jsonExtent, stringifyJson, valueBytes } from '../../functions/core/common/json-bytes';
import { nested } from '../helpers/records';

const tricky = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\uD800', '\uDC00', '😀', 'é', '€'),
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tricky,
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('writeJson / stringifyJson', () => {
  it('writes exactly what JSON.stringify writes, undefined members and NaN included', () => {
    fc.assert(
      fc.property(jsonish, (v) => {
        expect(stringifyJson(v)).toBe(JSON.stringify(v) ?? 'null');
      }),
      { numRuns: 2000 },
    );
  });

  it('writes values nested 100,000 levels deep, where JSON.stringify overflows the stack', () => {
    const deep = nested(100_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = stringifyJson(deep);
    expect(text.length).toBe(100_000 / 2 * ('{"a":'.length + 1 + 2) + '"bottom"'.length);
    expect(jsonExtent(deep, Infinity, Infinity)).toEqual({ bytes: text.length, depth: 100_000 });
  });

  it('stops measuring as soon as the budget or the depth is passed', () => {
    expect(jsonExtent({ a: 'x'.repeat(100) }, 50, 10)).toBeUndefined();
    expect(jsonExtent(nested(40), 1e6, 32)).toBeUndefined();
    expect(jsonExtent({ a: [1, 'é'] }, 1e6, 32)).toEqual({ bytes: Buffer.byteLength('{"a":[1,"é"]}'), depth: 2 });
  });
});

describe('encoded sizes', () => {
  it('counts JSON inside a JSON string (an SNS MessageStructure message) exactly, and adds up over members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), tricky, { maxKeys: 6 }), (obj) => {
        const json = JSON.stringify(obj);
        expect(encodedBytes(json, 1)).toBe(Buffer.byteLength(json));
        expect(encodedBytes(json, 2)).toBe(Buffer.byteLength(JSON.stringify(json)) - 2);
        for (const levels of [1, 2]) {
          const members = Object.entries(obj).map(([k, v]) => valueBytes(k, levels) + valueBytes(v, levels) + 1);
          const punctuation = 2 + Math.max(0, members.length - 1);
          expect(valueBytes(obj, levels)).toBe(members.reduce((a, b) => a + b, 0) + punctuation);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('cutString', () => {
  it('keeps a string that fits, otherwise cuts it within the budget and says how much it left out', () => {
    fc.assert(
      fc.property(fc.array(tricky, { maxLength: 200 }).map((p) => p.join('')), fc.integer({ min: 0, max: 600 }), fc.constantFrom(1, 2), (s, max, levels) => {
        const out = cutString(s, max, levels);
        if (valueBytes(s, levels) <= max) {
          expect(out).toBe(s);
          return;
        }
        if (out === undefined) {
          expect(max).toBeLessThan(valueBytes(`…(${s.length} more chars)`, levels));
          return;
        }
        expect(valueBytes(out, levels)).toBeLessThanOrEqual(max);
        const m = /…\((\d+) more chars\)$/.exec(out)!;
        const kept = out.slice(0, m.index);
        expect(s.startsWith(kept)).toBe(true);
        expect(Number(m[1])).toBe(s.length - kept.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never splits a surrogate pair', () => {
    const out = cutString('😀'.repeat(100), 60, 1)!;
    expect(out).toMatch(/^(?:😀)+…\(\d+ more chars\)$/);
  });
});
