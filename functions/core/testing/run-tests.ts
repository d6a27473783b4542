/**
 * Runs the test cases kept inside rule files. Each case goes through the same Evaluator as
 * production (scope, pre-check, json-rules-engine), so a passing test means the deployed rule
 * alerts, or stays quiet, on that event.
 *
 * A sequence case (thresholds, firstSeen: `events`, or `event` with `repeat`) runs its events in the
 * order given through one fresh in-memory state (detect/state-store.ts `MemoryStateStore`, its clock
 * the current event's time): firstSeen is computed and learned per event (detect/stage.ts
 * `firstSeenFor`), threshold selections go straight to `detectSelection`, in that order (what the
 * Lambda does with events delivered in that order; replay reorders, so write sequences in time
 * order). The case passes when the rule's alerts match `alerts` / `alertOn` (or, with neither, at
 * least one alert for `expect: true` and none for false); a failure says on which events it alerted.
 */
import { createEngine } from '../match/engine';
import { Evaluator, factsUsed, type EvaluatorOptions } from '../match/evaluator';
import { factValue } from '../input/facts';
import { toRecord } from '../input/record';
import type { Alert, RuleDefinition, RulePack, RuleTestCase, TestSequence } from '../common/types';
import { MemoryStateStore } from '../detect/state-store';
import { detectSelection, firstSeenFor } from '../detect/stage';
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
      if (tc.sequence) {
        out.push(await runSequence(evaluator, rule, tc, tc.sequence, lists));
        continue;
      }
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

/** The rule's alerts over a sequence, each with the 0-based index of the event it fired on. */
async function alertsOfSequence(evaluator: Evaluator, rule: RuleDefinition, seq: TestSequence, why: string[]): Promise<Array<{ index: number; alert: Alert }>> {
  let now = 0;
  const store = new MemoryStateStore(() => now);
  const on: Array<{ index: number; alert: Alert }> = [];
  for (const [i, event] of seq.events.entries()) {
    const parsed = toRecord(testEventInput(event));
    if (!parsed.ok) {
      why.push(`event ${i} is not a CloudTrail record: ${parsed.reason}`);
      continue;
    }
    const t = Date.parse(String(parsed.record.eventTime));
    if (!Number.isNaN(t)) now = Math.max(now, t);
    const precomputed = evaluator.usesFirstSeen && evaluator.inScope(parsed.record) ? { firstSeen: await firstSeenFor(store, parsed.record) } : undefined;
    const evaluation = await evaluator.evaluateRecord(parsed.record, undefined, precomputed);
    for (const e of evaluation.errors.filter((e) => e.ruleId === rule.id)) why.push(`event ${i}: rule error: ${e.message}`);
    for (const a of evaluation.alerts) if (a.ruleId === rule.id) on.push({ index: i, alert: a });
    for (const s of evaluation.selections ?? []) {
      if (s.ruleId !== rule.id || !rule.threshold) continue;
      const r = await detectSelection(store, s, rule.threshold);
      if (r.outcome === 'late') why.push(`event ${i}: later than the lateness bound (15m behind the newest event): not counted`);
      for (const a of r.alerts) on.push({ index: i, alert: a });
    }
  }
  return on;
}

async function runSequence(evaluator: Evaluator, rule: RuleDefinition, tc: RuleTestCase, seq: TestSequence, lists: Record<string, string[]>): Promise<CaseResult> {
  const why: string[] = [];
  const on = (await alertsOfSequence(evaluator, rule, seq, why)).map((x) => x.index);
  const want = seq.alertOn ? `alerts on event${seq.alertOn.length === 1 ? '' : 's'} ${seq.alertOn.join(', ') || '(none)'}` : seq.alerts !== undefined ? `${seq.alerts} alert${seq.alerts === 1 ? '' : 's'}` : tc.expect ? 'at least one alert' : 'no alert';
  const pass = seq.alertOn ? JSON.stringify(on) === JSON.stringify(seq.alertOn) : seq.alerts !== undefined ? on.length === seq.alerts : (on.length > 0) === tc.expect;
  if (!pass) {
    why.push(`expected ${want} over ${seq.events.length} events, got ${on.length === 0 ? 'none' : `${on.length} (on event${on.length === 1 ? '' : 's'} ${on.join(', ')})`}`);
    if (on.length === 0) {
      why.push('conditions on the last event:');
      why.push(...(await explain(rule, testEventInput(tc.event), lists)).map((l) => `  ${l}`));
    }
  }
  return { ruleId: rule.id, file: rule.file, caseName: tc.name, expect: tc.expect, actual: on.length > 0, pass, why };
}

/**
 * The alerts one test case raises for its rule, in order: the evaluation of its event, or, for a
 * sequence, every alert over it (threshold alerts from the detect stage). For tools that show what a
 * rule's cases produce (format fixtures, previews); `evaluator` must have the rule enabled.
 */
export async function caseAlerts(evaluator: Evaluator, rule: RuleDefinition, tc: RuleTestCase): Promise<Alert[]> {
  if (tc.sequence) return (await alertsOfSequence(evaluator, rule, tc.sequence, [])).map((x) => x.alert);
  return (await evaluator.evaluate(testEventInput(tc.event))).alerts.filter((a) => a.ruleId === rule.id);
}
