/**
 * Differential property test: the pre-check may only skip rules that cannot match. For generated
 * rule sets and records, the alerts with the pre-check on must equal the alerts with every rule sent
 * to json-rules-engine; and where the pre-check gives a definite verdict it must equal the engine's.
 */
import fc from 'fast-check';
import { createEngine, operatorsOf } from '../../functions/core/engine';
import { Evaluator, factsUsed } from '../../functions/core/evaluator';
import { factValue, RecordFacts } from '../../functions/core/facts';
import { compileCheck, MATCH, NO_MATCH } from '../../functions/core/precheck';
import { arbPack, arbRecord } from '../helpers/arbitraries';

const alertIds = async (ev: Evaluator, r: unknown) => (await ev.evaluate(r)).alerts.map((a) => a.ruleId).sort();

describe('pre-check never changes a result', () => {
  it('gives the same alerts as json-rules-engine alone', async () => {
    await fc.assert(
      fc.asyncProperty(arbPack, fc.array(arbRecord, { minLength: 1, maxLength: 8 }), async (pack, records) => {
        const fast = new Evaluator(pack, { eventSources: '*' });
        const oracle = new Evaluator(pack, { eventSources: '*', precheck: false });
        for (const r of records) {
          expect(await alertIds(fast, r)).toEqual(await alertIds(oracle, r));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('answers MATCH or NO_MATCH only when json-rules-engine agrees', async () => {
    const ops = operatorsOf(createEngine());
    let definite = 0;
    await fc.assert(
      fc.asyncProperty(arbPack, arbRecord, async (pack, r) => {
        const lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
        for (const rule of pack.rules) {
          const verdict = compileCheck(rule.conditions, ops, lists)(new RecordFacts(r, lists));
          if (verdict !== MATCH && verdict !== NO_MATCH) continue;
          definite++;
          const facts: Record<string, unknown> = Object.create(null);
          for (const f of factsUsed(rule.conditions)) facts[f] = factValue(r, f, lists);
          let engineResult: boolean | 'error';
          try {
            engineResult = (await createEngine([rule]).run(facts)).results.length > 0;
          } catch {
            engineResult = 'error';
          }
          // When json-rules-engine throws (a malformed rule value), the pre-check may still have
          // decided from another branch: MATCH still goes to the engine, which reports the error;
          // NO_MATCH skips a rule that could not have alerted anyway.
          if (engineResult !== 'error') expect(verdict === MATCH).toBe(engineResult);
        }
      }),
      { numRuns: 600 },
    );
    // The generator must exercise definite verdicts, or this test proves nothing.
    expect(definite).toBeGreaterThan(300);
  });
});
