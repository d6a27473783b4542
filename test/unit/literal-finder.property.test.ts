/**
 * LiteralFinder (functions/core/input/literal-finder.ts) answers as a direct search does, for ranges
 * visited in increasing order, in a text and in the bytes of an ASCII text (raw-ascii.ts documents):
 * literals found once, twice, nowhere, straddling a range's end, empty, and not ASCII at all.
 */
import fc from 'fast-check';
import { LiteralFinder } from '../../functions/core/input/literal-finder';

const direct = (text: string, start: number, end: number, literal: string) => text.slice(start, end).includes(literal);

describe('LiteralFinder', () => {
  it('says whether a literal lies inside each range, in a text and in its ASCII bytes alike', () => {
    const chars = fc.constantFrom('a', 'b', 'c', '"', ':', ',');
    const text = fc.array(chars, { maxLength: 60 }).map((a) => a.join(''));
    const literal = fc.oneof(fc.array(chars, { minLength: 1, maxLength: 3 }).map((a) => a.join('')), fc.constantFrom('', 'é', 'a\u00e9', '\ud800'));
    fc.assert(
      fc.property(text, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }), fc.array(literal, { minLength: 1, maxLength: 4 }), (t, cuts, literals) => {
        const inText = new LiteralFinder(t);
        const inBytes = new LiteralFinder(Buffer.from(t));
        // Ranges in increasing order of their starts, as the records of a document are visited.
        const ranges = cuts.map(([a, b]) => [a % (t.length + 1), b % (t.length + 1)] as const).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const).sort((x, y) => x[0] - y[0]);
        for (const [start, end] of ranges) {
          inText.range(start, end);
          inBytes.range(start, end);
          for (const l of literals) {
            const want = direct(t, start, end, l);
            expect(inText.contains(l)).toBe(want);
            expect(inBytes.contains(l)).toBe(want);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
