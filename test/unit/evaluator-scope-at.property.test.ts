/**
 * Evaluator.inScopeSourceAt (the raw-text reader's scope check, compared in place) answers what
 * inScopeSource answers for the slice it names, for scopes of one, a few and many sources and for
 * every service, on texts holding those sources, their prefixes and extensions, anywhere, and on
 * the bytes of those texts that are ASCII.
 */
import fc from 'fast-check';
import { Evaluator } from '../../functions/core/match/evaluator';

const SOURCES = ['rekognition.amazonaws.com', 's3.amazonaws.com', 'sts.amazonaws.com', 'iam.amazonaws.com', 'kms.amazonaws.com', 'ec2.amazonaws.com', 'a', ''];
const scopes: Array<string[] | '*'> = [['rekognition.amazonaws.com'], ['rekognition.amazonaws.com', 's3.amazonaws.com', 'a'], SOURCES.slice(0, 6), '*'];
const pack = { rules: [], lists: {} };

describe('Evaluator.inScopeSourceAt', () => {
  it('answers inScopeSource of the slice, whatever the scope', () => {
    const piece = fc.oneof(fc.constantFrom(...SOURCES), fc.constantFrom(...SOURCES).map((s) => s.slice(0, -1)), fc.constantFrom(...SOURCES).map((s) => `${s}x`), fc.string({ maxLength: 4 }));
    for (const eventSources of scopes) {
      const evaluator = new Evaluator(pack, { eventSources });
      fc.assert(
        fc.property(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.nat(), fc.nat(), (pieces, a, b) => {
          const text = pieces.join('"');
          const [start, end] = [a % (text.length + 1), b % (text.length + 1)].sort((x, y) => x - y) as [number, number];
          // In the text, and in its bytes when it is ASCII (a document scanned from its bytes, raw-ascii.ts).
          const bytes = /^[\x00-\x7f]*$/.test(text) ? Buffer.from(text) : undefined;
          expect(evaluator.inScopeSourceAt(text, start, end)).toBe(evaluator.inScopeSource(text.slice(start, end)));
          if (bytes) expect(evaluator.inScopeSourceAt(bytes, start, end)).toBe(evaluator.inScopeSource(text.slice(start, end)));
          // Each piece where it stands, as a scanned record's field would be.
          let at = 0;
          for (const p of pieces) {
            expect(evaluator.inScopeSourceAt(text, at, at + p.length)).toBe(evaluator.inScopeSource(p));
            if (bytes) expect(evaluator.inScopeSourceAt(bytes, at, at + p.length)).toBe(evaluator.inScopeSource(p));
            at += p.length + 1;
          }
        }),
        { numRuns: 1500 },
      );
    }
  });
});
