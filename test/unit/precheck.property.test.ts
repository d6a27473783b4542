/**
 * Differential property test: the pre-check may only skip rules that cannot match. For generated
 * rule sets and records, the alerts with the pre-check on must equal the alerts with every rule sent
 * to json-rules-engine; and where the pre-check gives a definite verdict it must equal the engine's.
 * Rule errors must be equal too, for every rule the record is a candidate for by its eventName: the
 * eventName index never sends a rule a call it cannot match (`DeleteCollection` only rules never see
 * `DetectFaces`), so an error json-rules-engine alone would raise for such a call is, by design, not
 * reported (the rule's error shows on the calls it can match).
 */
import fc from 'fast-check';
import { createEngine, operatorsOf } from '../../functions/core/match/engine';
import { Evaluator, factsUsed } from '../../functions/core/match/evaluator';
import { possibleEventNames } from '../../functions/core/match/event-name-index';
import { factValue, RecordFacts } from '../../functions/core/input/facts';
import { compileCheck, MATCH, NO_MATCH } from '../../functions/core/match/precheck';
import { arbPack, arbRecord } from '../helpers/arbitraries';
import { record } from '../helpers/records';

const arbRecordSample = record();

type Outcome = { alerts: string[]; errors: string[] };
const outcome = async (ev: Evaluator, r: unknown, candidate: (ruleId: string) => boolean = () => true): Promise<Outcome> => {
  const e = await ev.evaluate(r);
  return { alerts: e.alerts.map((a) => a.ruleId).sort(), errors: e.errors.map((x) => x.ruleId).filter(candidate).sort() };
};

describe('pre-check never changes a result', () => {
  it('gives the same alerts and the same rule errors as json-rules-engine alone', async () => {
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(arbPack, fc.array(arbRecord, { minLength: 1, maxLength: 8 }), async (pack, records) => {
        const fast = new Evaluator(pack, { eventSources: '*' });
        const oracle = new Evaluator(pack, { eventSources: '*', precheck: false });
        const lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
        const names = new Map(pack.rules.map((rule) => [rule.id, possibleEventNames(rule.conditions, lists)]));
        for (const r of records) {
          const eventName = (r as { eventName?: unknown }).eventName;
          const candidate = (id: string) => {
            const set = names.get(id);
            return set === null || set === undefined || (typeof eventName === 'string' && set.has(eventName));
          };
          const want = await outcome(oracle, r, candidate);
          errors += want.errors.length;
          expect(await outcome(fast, r)).toEqual(want);
        }
      }),
      { numRuns: 400 },
    );
    // Rules that throw must be generated, or this test cannot see an error the pre-check loses.
    expect(errors).toBeGreaterThan(200);
  });

  it('answers MATCH or NO_MATCH only when json-rules-engine gives that answer without throwing', async () => {
    const ops = operatorsOf(createEngine());
    const seen = { definite: 0, engineErrors: 0 };
    await fc.assert(
      fc.asyncProperty(arbPack, arbRecord, async (pack, r) => {
        const lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
        for (const rule of pack.rules) {
          const verdict = compileCheck(rule.conditions, ops, lists)(new RecordFacts(r, lists));
          const facts: Record<string, unknown> = Object.create(null);
          for (const f of factsUsed(rule.conditions)) {
            const v = factValue(r, f, lists);
            if (v !== undefined) facts[f] = v;
          }
          let engineResult: boolean | 'error';
          try {
            engineResult = (await createEngine([rule]).run(facts)).results.length > 0;
          } catch {
            engineResult = 'error';
          }
          if (engineResult === 'error') seen.engineErrors++;
          if (verdict !== MATCH && verdict !== NO_MATCH) continue;
          seen.definite++;
          // A definite verdict is json-rules-engine's answer; in particular NO_MATCH never hides a rule error.
          expect({ verdict: verdict === MATCH, conditions: rule.conditions }).toEqual({ verdict: engineResult, conditions: rule.conditions });
        }
      }),
      { numRuns: 600 },
    );
    // The generator must exercise definite verdicts and throwing rules, or this test proves nothing.
    expect(seen.definite).toBeGreaterThan(300);
    expect(seen.engineErrors).toBeGreaterThan(100);
  });
});

describe('rules json-rules-engine cannot run', () => {
  it('a shared condition reference beside a throwing condition is a rule error at most, never an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      const conditions = { all: [{ fact: 'eventName', operator: 'exists', value: 'not a boolean' }, { condition: 'shared' }] };
      const rule = { id: 'r', name: 'r', description: '', severity: 'high' as const, enabled: true, tags: [], references: [], tests: [], conditions: conditions as never, file: 'r.json' };
      for (const precheck of [true, false]) {
        const result = await new Evaluator({ rules: [rule], lists: {} }, { eventSources: '*', precheck }).evaluate(arbRecordSample);
        expect(result.errors.map((e) => e.ruleId)).toEqual(['r']);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
