/** fitAlert: exact budgets, largest fields first, and a record of what it cut. */
import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert/alert';
import { fitAlert } from '../../functions/core/alert/alert-fit';
import { valueBytes } from '../../functions/core/common/json-bytes';
import type { Alert, RuleDefinition } from '../../functions/core/common/types';
import { nested, record } from '../helpers/records';

const rule: RuleDefinition = {
  id: 'r', name: 'Rule', description: 'Why it matters.', severity: 'high', enabled: true, tags: ['rekognition'], references: [], tests: [],
  conditions: { all: [] }, file: 'rules/r.json',
};

const base = buildAlert(rule, record());
const bytes = (a: Alert, levels: number) => Buffer.byteLength(levels === 1 ? JSON.stringify(a) : JSON.stringify(JSON.stringify(a)).slice(1, -1));

describe('fitAlert', () => {
  it('returns an alert that fits as it is (the same object)', () => {
    expect(fitAlert(base, 256 * 1024, 2)).toBe(base);
  });

  it('fits any budget from a few kilobytes up, exactly, at both levels', () => {
    const big: Alert = {
      ...base,
      userAgent: 'ua"\\é😀'.repeat(40_000),
      principal: `arn:aws:iam::111122223333:user/${'p'.repeat(90_000)}`,
      description: 'd\n'.repeat(30_000),
      tags: Array.from({ length: 4000 }, (_, i) => `tag-${i}`),
    };
    fc.assert(
      fc.property(fc.integer({ min: 4096, max: 600_000 }), fc.constantFrom(1, 2), (budget, levels) => {
        const out = fitAlert(big, budget, levels);
        expect(bytes(out, levels)).toBeLessThanOrEqual(budget);
        if (bytes(big, levels) <= budget) expect(out).toBe(big);
        else {
          expect(out.trimmed?.length).toBeGreaterThan(0);
          // Not wasteful: what is left over is about what one more character per cut field would need,
          // plus the notes, plus the granularity of the coarser cuts (a list drops whole items, the
          // record excerpt shrinks in steps): at most 363 bytes more, measured over every budget from
          // 4 KB to 600 KB in steps of 7 bytes; 512 bytes of slack.
          expect(budget - bytes(out, levels)).toBeLessThan(valueBytes({ trimmed: Object.keys(big), recordTruncated: true }, levels) + 64 * out.trimmed!.length + 512);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('cuts the largest first and lists them largest first; small fields stay whole', () => {
    const a: Alert = { ...base, userAgent: 'u'.repeat(200_000), sourceIp: 's'.repeat(100_000), principal: 'p'.repeat(20_000) };
    const out = fitAlert(a, 100_000, 1);
    expect(out.trimmed).toEqual(['userAgent', 'sourceIp']);
    // The same cap for both (sourceIp's marker, "…(9xxxx more chars)", has one digit fewer).
    expect(out.userAgent.length).toBe(out.sourceIp.length + 1);
    expect(out.userAgent).toMatch(/^u+…\(\d+ more chars\)$/);
    expect(out.principal).toBe(a.principal);
    expect(out.eventName).toBe(a.eventName);
  });

  it('shortens lists, saying how many items it left out', () => {
    const a: Alert = { ...base, tags: Array.from({ length: 20_000 }, (_, i) => `tag-${i}`) };
    const out = fitAlert(a, 50_000, 1);
    expect(out.trimmed).toEqual(['tags']);
    expect(out.tags.at(-1)).toMatch(/^…\(\d+ more items\)$/);
    expect(out.tags.slice(0, 3)).toEqual(['tag-0', 'tag-1', 'tag-2']);
  });

  it('makes a record too deep to serialise into an excerpt, even when the budget is ample', () => {
    const a: Alert = { ...base, record: { requestParameters: nested(50_000) }, recordTruncated: false };
    const out = fitAlert(a, 256 * 1024, 2);
    expect(out.trimmed).toEqual(['record']);
    expect(out.recordTruncated).toBe(true);
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('keeps what an earlier fit listed when it has to cut again', () => {
    const once = fitAlert({ ...base, userAgent: 'u'.repeat(300_000) }, 200_000, 2);
    expect(once.trimmed).toEqual(['userAgent']);
    const twice = fitAlert({ ...once, principal: 'p'.repeat(300_000) }, 200_000, 2);
    expect(twice.trimmed).toEqual(['principal', 'userAgent']);
    expect(fitAlert(twice, 200_000, 2)).toBe(twice);
  });
});
