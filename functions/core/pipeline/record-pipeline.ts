/**
 * One record's way through rekwatch, over injected parts, in two stages:
 *
 *   1. `evaluateValue` (steps 3–8, everything that depends on this record alone): classify the parsed
 *      value (`toRecord`), scope, build its delivery key, evaluate it (candidate rules, pre-check,
 *      json-rules-engine, alerts). Backtest workers run this stage on their files.
 *   2. `settle` (what depends on the records before it, so it runs in input order, in one place):
 *      drop a delivery seen before (the duplicate window), fold later copies of a cross-account call
 *      into the first copy's alert (the copy window), and decide each alert (live mutes, dedupe).
 *
 * `processRecord` is the two stages in one call. It returns what happened, for the caller to count,
 * print, log or deliver; it never throws for bad input (a rule that throws is a rule error in the
 * outcome). The evaluator must return every copy's alert (`copies: 'each'`) when a copy window is
 * given, so copies are folded here, after the duplicate window, as one process would see them.
 *
 * Stateful rules (issue 13): stage 1 also returns the *selections* of threshold rules (plain data,
 * detect/selection.ts) and `settle` passes them on in the outcome (a duplicate's are dropped with
 * it); the detect stage (detect/stage.ts) after `settle` turns them into alerts. When the pack
 * uses `firstSeen`, stage 1 takes a `precompute` hook that computes the record's state-dependent
 * facts (detect/stage.ts `firstSeenFor`) before its conditions run: it is called once per
 * in-scope record, and only when the evaluator says some rule needs it.
 */
import { deliveryKeyOf, eventIdOf } from '../alert/alert';
import type { CopyWindow } from '../alert/copies';
import type { DuplicateWindow } from '../input/duplicate-window';
import type { Evaluation, Evaluator, RuleError } from '../match/evaluator';
import type { Selection } from '../detect/selection';
import type { Precomputed } from '../input/facts';
import type { CloudTrailRecord } from '../common/types';
import { toRecord } from '../input/record';
import type { Verdict } from '../suppress/suppression';
import type { Alert } from '../common/types';

export interface PipelineDeps {
  evaluator: Evaluator;
  /** Drops an event delivered twice (by `deliveryKeyOf`); omit to evaluate every delivery. */
  duplicates?: DuplicateWindow;
  /** Keeps one alert per rule per cross-account call (the evaluator then uses `copies: 'each'`). */
  copies?: CopyWindow;
  /** Decides whether each alert is delivered (a `Suppressor`); omit to deliver every alert. */
  decide?: (alert: Alert) => Promise<Verdict>;
  /** Computes state-dependent facts (firstSeen) before conditions run; see `Precompute`. */
  precompute?: Precompute;
}

/**
 * Stage 1's result: plain data (a worker posts it to the main thread). `eventId` is set when there
 * are rule errors (their notes name the event).
 */
export type Evaluated =
  | { status: 'malformed'; reason: string }
  | { status: 'outOfScope' }
  | { status: 'inScope'; key: string; errors: readonly RuleError[]; alerts: readonly Alert[]; eventId?: string; selections?: readonly Selection[] };

/** An alert a rule raised, and whether it is delivered (or which mute or window held it back). */
export interface AlertOutcome {
  matched: Alert;
  verdict: Verdict;
}

export type RecordOutcome =
  | { status: 'malformed'; reason: string }
  | { status: 'duplicate' }
  | { status: 'outOfScope' }
  | { status: 'evaluated'; errors: readonly RuleError[]; alerts: readonly AlertOutcome[]; eventId?: string; selections?: readonly Selection[] };

const NO_ALERTS: readonly AlertOutcome[] = [];
const NO_ERRORS: readonly RuleError[] = [];
const OUT_OF_SCOPE: Evaluated = { status: 'outOfScope' };
const DUPLICATE: RecordOutcome = { status: 'duplicate' };

function evaluated(key: string, evaluation: Evaluation): Evaluated {
  if (evaluation.status === 'malformed') return { status: 'malformed', reason: evaluation.reason };
  if (evaluation.status === 'outOfScope') return OUT_OF_SCOPE;
  const { errors, alerts, selections } = evaluation;
  const sel = selections ? { selections } : {};
  if (errors.length === 0) return { status: 'inScope', key, errors: NO_ERRORS, alerts, ...sel };
  return { status: 'inScope', key, errors, alerts, eventId: eventIdOf(evaluation.record), ...sel };
}

/**
 * Computes a record's precomputed (state-dependent) facts before its conditions run. Must not reject:
 * when state cannot be read it says so (logs, metrics) and resolves undefined, so the record is still
 * evaluated (firstSeen undefined: its conditions are false, every other rule alerts as usual).
 */
export type Precompute = (record: CloudTrailRecord) => Promise<Precomputed | undefined>;

/**
 * Stage 1 for one parsed JSON value (a CloudTrail record or an EventBridge event). Synchronous when
 * no rule survives the pre-check (most records), so callers can skip an await; never rejects.
 */
export function evaluateValue(value: unknown, evaluator: Evaluator, precompute?: Precompute): Evaluated | Promise<Evaluated> {
  const parsed = toRecord(value);
  if (!parsed.ok) return { status: 'malformed', reason: parsed.reason };
  const { record } = parsed;
  // Scope first: a record no rule can see is never keyed (building the key costs more than the
  // scope check, and out-of-scope records are most of a trail).
  if (!evaluator.inScope(record)) return OUT_OF_SCOPE;
  const key = deliveryKeyOf(record);
  const envelope = parsed.envelope ? (value as Record<string, unknown>) : undefined;
  if (precompute && evaluator.usesFirstSeen) {
    return precompute(record).then(async (facts) => evaluated(key, await evaluator.evaluateNow(record, envelope, facts)));
  }
  const evaluation = evaluator.evaluateNow(record, envelope);
  return evaluation instanceof Promise ? evaluation.then((e) => evaluated(key, e)) : evaluated(key, evaluation);
}

/**
 * Stage 2, called for every record in input order. A duplicate's evaluation is dropped (as if it had
 * never been evaluated: stage 1 has no effect on later records).
 */
export function settle(e: Evaluated, deps: Omit<PipelineDeps, 'evaluator' | 'precompute'>): RecordOutcome | Promise<RecordOutcome> {
  if (e.status !== 'inScope') return e;
  if (e.alerts.length === 0 && e.errors.length === 0 && !e.selections) return settleQuiet(e.key, deps);
  if (deps.duplicates?.seenBefore(e.key)) return DUPLICATE;
  const base = { ...(e.eventId === undefined ? {} : { eventId: e.eventId }), ...(e.selections ? { selections: e.selections } : {}) };
  if (e.alerts.length === 0) return { status: 'evaluated', errors: e.errors, alerts: NO_ALERTS, ...base };
  return settleAlerts(e.alerts, e.errors, base, deps);
}

/** `settle`'s part for a record with alerts: folding copies and each alert's verdict (mutes, dedupe), in order. */
async function settleAlerts(matchedAlerts: readonly Alert[], errors: readonly RuleError[], base: { eventId?: string; selections?: readonly Selection[] }, deps: Omit<PipelineDeps, 'evaluator' | 'precompute'>): Promise<RecordOutcome> {
  const alerts: AlertOutcome[] = [];
  for (const matched of matchedAlerts) {
    if (deps.copies?.fold(matched)) continue;
    alerts.push({ matched, verdict: deps.decide ? await deps.decide(matched) : { deliver: true, alert: matched } });
  }
  return { status: 'evaluated', errors, alerts: alerts.length ? alerts : NO_ALERTS, ...base };
}

/** Each alert's verdict (`deps.decide`, else delivered): for alerts the detect stage raised. */
export async function decideAll(alerts: readonly Alert[], deps: Pick<PipelineDeps, 'decide'>): Promise<AlertOutcome[]> {
  const out: AlertOutcome[] = [];
  for (const matched of alerts) out.push({ matched, verdict: deps.decide ? await deps.decide(matched) : { deliver: true, alert: matched } });
  return out;
}

const QUIET: RecordOutcome = { status: 'evaluated', errors: NO_ERRORS, alerts: NO_ALERTS };

/**
 * Stage 2 for an in-scope record with no alert and no rule error (most records), by its delivery
 * key: what `settle` returns for it, synchronously and without allocating (a shared outcome).
 */
export function settleQuiet(key: string, deps: Pick<PipelineDeps, 'duplicates'>): RecordOutcome {
  return deps.duplicates?.seenBefore(key) ? DUPLICATE : QUIET;
}

/** `settleQuiet` for a record given by its delivery key's hash (duplicate-window.ts `hashKey`). */
export function settleQuietHash(h: number, l: number, deps: Pick<PipelineDeps, 'duplicates'>): RecordOutcome {
  return deps.duplicates?.seenHashBefore(h, l) ? DUPLICATE : QUIET;
}

/**
 * `settle` for an in-scope record whose stage 1 gave threshold selections and nothing else, given by
 * its delivery key's hash: the duplicate window, and then the selections go on to the detect stage.
 */
export function settleSelectedHash(h: number, l: number, selections: readonly Selection[], deps: Pick<PipelineDeps, 'duplicates'>): RecordOutcome {
  return deps.duplicates?.seenHashBefore(h, l) ? DUPLICATE : { status: 'evaluated', errors: NO_ERRORS, alerts: NO_ALERTS, selections };
}

/** Both stages for one parsed JSON value, in one process. */
export async function processRecord(value: unknown, deps: PipelineDeps): Promise<RecordOutcome> {
  return settle(await evaluateValue(value, deps.evaluator, deps.precompute), deps);
}
