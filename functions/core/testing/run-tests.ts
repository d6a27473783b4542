/**
 * Runs the test cases kept inside rule files. Each case goes through the same Evaluator as
 * production (scope, pre-check, json-rules-engine), so a passing test means the deployed rule
 * alerts, or stays quiet, on that event.
 */
import { createEngine } from '../match/engine';
import { Evaluator, factsUsed, type EvaluatorOptions } from '../match/evaluator';
import { factValue } from '../input/facts';
import { toRecord } from '../input/record';
import type { RuleDefinition, RulePack } from '../common/types';
import { testEventInput } from './base-record';
import { explainConditions } from './explain';

export interface CaseResult {
  ruleId: string;
  file: string;
  caseName: string;
  expect: boolean;
  actual: boolean;
  pass: boolean;
  /** Why it failed: the evaluation status, rule errors and the condition tree with values. */
  why: string[];
}

async function explain(rule: RuleDefinition, input: unknown, lists: Record<string, string[]>): Promise<string[]> {
  const parsed = toRecord(input);
  if (!parsed.ok) return [`the event is not a CloudTrail record: ${parsed.reason}`];
  const facts: Record<string, unknown> = Object.create(null);
  for (const name of factsUsed(rule.conditions)) facts[name] = factValue(parsed.record, name, lists);
  try {
    const engine = createEngine([{ ...rule, enabled: true }]);
    const { results, failureResults } = await engine.run(facts);
    const result = results[0] ?? failureResults[0];
    return result ? explainConditions({ ...(result.conditions as object), result: result.result }) : [];
  } catch (e) {
    return [`json-rules-engine error: ${(e as Error).message}`];
  }
}

export async function runRuleTests(pack: RulePack, options: EvaluatorOptions = {}): Promise<CaseResult[]> {
  const evaluator = new Evaluator(
    { lists: pack.lists, rules: pack.rules.map((r) => ({ ...r, enabled: true })) },
    // Each case stands alone: two cases that happen to share a sharedEventID are not two copies of one call.
    { copies: 'each', ...options },
  );
  const lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
  const out: CaseResult[] = [];
  for (const rule of pack.rules) {
    for (const tc of rule.tests) {
      const input = testEventInput(tc.event);
      const evaluation = await evaluator.evaluate(input);
      const actual = evaluation.alerts.some((a) => a.ruleId === rule.id);
      const pass = actual === tc.expect;
      const why: string[] = [];
      if (!pass) {
        if (evaluation.status === 'malformed') why.push(`event is malformed: ${evaluation.reason}`);
        else if (evaluation.status === 'outOfScope') why.push(`event is out of scope: eventSource ${JSON.stringify(evaluation.record.eventSource)} is not evaluated (see --event-source)`);
        for (const e of evaluation.errors.filter((e) => e.ruleId === rule.id)) why.push(`rule error: ${e.message}`);
        why.push(`expected ${tc.expect ? 'an alert' : 'no alert'}, got ${actual ? 'an alert' : 'none'}; conditions:`);
        why.push(...(await explain(rule, input, lists)).map((l) => `  ${l}`));
      }
      out.push({ ruleId: rule.id, file: rule.file, caseName: tc.name, expect: tc.expect, actual, pass, why });
    }
  }
  return out;
}
