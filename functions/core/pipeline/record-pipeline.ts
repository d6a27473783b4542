/**
 * One record's way through rekwatch, over injected parts: classify the parsed value (`toRecord`),
 * drop a delivery seen before, evaluate it (scope, candidate rules, pre-check, json-rules-engine),
 * and decide each alert (live mutes, dedupe windows). It returns what happened, for the caller to
 * count, print, log or deliver; it never throws for bad input (a rule that throws is a rule error in
 * the outcome). `replay` uses it; `watch`, the Lambda and backtest workers can, with their own parts
 * (no duplicate window, a fail-open decision).
 */
import { deliveryKeyOf } from '../alert/alert';
import type { DuplicateWindow } from '../input/duplicate-window';
import type { Evaluator, RuleError } from '../match/evaluator';
import { toRecord } from '../input/record';
import type { Verdict } from '../suppress/suppression';
import type { Alert, CloudTrailRecord } from '../common/types';

export interface PipelineDeps {
  evaluator: Evaluator;
  /** Drops an event delivered twice (by `deliveryKeyOf`); omit to evaluate every delivery. */
  duplicates?: DuplicateWindow;
  /** Decides whether each alert is delivered (a `Suppressor`); omit to deliver every alert. */
  decide?: (alert: Alert) => Promise<Verdict>;
}

/** An alert a rule raised, and whether it is delivered (or which mute or window held it back). */
export interface AlertOutcome {
  matched: Alert;
  verdict: Verdict;
}

export type RecordOutcome =
  | { status: 'malformed'; reason: string }
  | { status: 'duplicate'; record: CloudTrailRecord }
  | { status: 'outOfScope'; record: CloudTrailRecord }
  | { status: 'evaluated'; record: CloudTrailRecord; errors: readonly RuleError[]; alerts: readonly AlertOutcome[] };

const NO_ALERTS: readonly AlertOutcome[] = [];

/** Takes one parsed JSON value (a CloudTrail record or an EventBridge event) through the pipeline. */
export async function processRecord(value: unknown, deps: PipelineDeps): Promise<RecordOutcome> {
  const parsed = toRecord(value);
  if (!parsed.ok) return { status: 'malformed', reason: parsed.reason };
  const { record } = parsed;
  // Scope first: a record no rule can see is never keyed (building the key costs more than the
  // scope check, and out-of-scope records are most of a trail).
  if (!deps.evaluator.inScope(record)) return { status: 'outOfScope', record };
  if (deps.duplicates?.seenBefore(deliveryKeyOf(record))) return { status: 'duplicate', record };
  const evaluation = await deps.evaluator.evaluateRecord(record, parsed.envelope ? (value as Record<string, unknown>) : undefined);
  if (evaluation.status === 'malformed') return { status: 'malformed', reason: evaluation.reason };
  if (evaluation.status === 'outOfScope') return { status: 'outOfScope', record };
  if (evaluation.alerts.length === 0) return { status: 'evaluated', record, errors: evaluation.errors, alerts: NO_ALERTS };
  const alerts: AlertOutcome[] = [];
  for (const matched of evaluation.alerts) {
    alerts.push({ matched, verdict: deps.decide ? await deps.decide(matched) : { deliver: true, alert: matched } });
  }
  return { status: 'evaluated', record, errors: evaluation.errors, alerts };
}
