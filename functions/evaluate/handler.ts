/**
 * The evaluate Lambda's logic, over injected dependencies (tests pass real and fake ones).
 *
 * EventBridge event -> Evaluator (the same core as the CLI) -> for each alert and each channel:
 * claim in the idempotency store, publish, mark sent. Guarantees:
 *   - an event that matches no rule makes no network call at all (clients are created lazily);
 *   - a malformed event is logged and dropped, never thrown (a poison event must not retry forever);
 *   - a failed publish releases its claim and the invocation throws, so Lambda/EventBridge retry it
 *     (and, after the retries, the event lands in the dead-letter queue);
 *   - a retried or duplicated event never sends an alert again on a channel where it was sent;
 *   - stateful rules (issue 13): when the pack uses `firstSeen`, the record's fact is computed from
 *     the detection state (one read-modify-write of its principal's item) before its conditions run;
 *     threshold matches (selections) go through the window reducer on the same store, and the
 *     windows that reach their count are alerts like any other (stable id per rule, key and window,
 *     so a retry or duplicate never sends one twice). Fail open, as mutes do: state that cannot be
 *     read or written is logged (with the rule and event ids) and counted (`DetectionStateErrors`),
 *     every alert that does not depend on it is still delivered, and then the invocation throws
 *     `StateUnavailableError` so the event is retried (async retries, or a batch item failure on
 *     the queue path) and the state applied then, once (a duplicate counts once);
 *   - the copies of one cross-account call (one `sharedEventID`, one per account that recorded it,
 *     arriving as separate invocations in any order) give one alert: they share the alert id, so the
 *     claim decides which copy delivers; each copy is first added to the alert's set of copies in the
 *     store, so the delivered alert names every copy seen by then, and a copy arriving after delivery
 *     is recorded there and logged, and sends nothing (no follow-up message).
 */
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import type { AlertPublisher } from '../adapters/sns-publisher';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { copyKey, copyOf, parseCopyKey, withCopies } from '../core/alert/copies';
import type { Evaluation, Evaluator } from '../core/match/evaluator';
import type { DetectionStateStore } from '../core/detect/state-store';
import { toRecord } from '../core/input/record';
import { applySelections, firstSeenFacts, KeyedQueue, thresholdSpecs, type StateFailure, type StatefulOptions } from '../adapters/detection-state/stateful-step';
import { emf } from '../core/monitor/metrics';
import { isPlainObject } from '../core/common/json-value';
import type { Verdict } from '../core/suppress/suppression';
import type { Alert, Severity } from '../core/common/types';

export interface Channel {
  /** Part of the idempotency key: each channel is delivered (and retried) on its own. */
  name: string;
  publisher: AlertPublisher;
  /** Only alerts of these severities go to this channel (all when omitted). */
  severities?: readonly Severity[];
}

/** Mutes and dedupe windows, created on first use like the channels. */
export interface Suppression {
  decide(alert: Alert): Promise<Verdict>;
  /** Counts one suppressed alert against a mute (best effort: the log line is the record). */
  recordMuted(muteId: string): Promise<void>;
}

export interface HandlerDeps {
  evaluator: Evaluator;
  /** Omit to deliver every alert (no mutes, no dedupe). */
  suppression?: () => Suppression | Promise<Suppression>;
  /** Adds signed mute links to an alert before it is published; must not throw (deliver without links instead). */
  links?: (alert: Alert) => Promise<Alert>;
  /** Created on first use, so events that match nothing load and construct no AWS client. */
  channels: () => Channel[] | Promise<Channel[]>;
  store: () => IdempotencyStore | Promise<IdempotencyStore>;
  logger: Logger;
  now?: () => number;
  /**
   * Detection state (threshold windows, firstSeen memory), created on first use: only a record that
   * a stateful rule needs ever reads it. Required when the pack has stateful rules.
   */
  detection?: () => DetectionStateStore | Promise<DetectionStateStore>;
  /** Lateness bound and firstSeen memory (the core's defaults otherwise). */
  detectOptions?: StatefulOptions;
}

/** Thrown after everything else was delivered when some detection state could not be used: retry the event. */
export class StateUnavailableError extends Error {
  constructor(readonly failures: readonly StateFailure[]) {
    super(`detection state unavailable for ${failures.map((f) => (f.ruleId ? `${f.step} ${f.ruleId}` : f.step)).join(', ')}: ${failures.map((f) => errorText(f.error)).join('; ')}`, { cause: failures[0]?.error });
    this.name = 'StateUnavailableError';
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class DeliveryError extends Error {
  constructor(readonly failures: Array<{ key: string; error: unknown }>) {
    super(`${failures.length} alert deliver${failures.length === 1 ? 'y' : 'ies'} failed: ${failures.map((f) => `${f.key}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`);
    this.name = 'DeliveryError';
  }
}

function eventIdOf(event: unknown): string | undefined {
  if (!isPlainObject(event)) return undefined;
  const detail = isPlainObject(event.detail) ? event.detail : event;
  return typeof detail.eventID === 'string' ? detail.eventID : undefined;
}

/** Evaluates one event, computing its firstSeen fact from the state first when the pack uses it. */
async function evaluateEvent(deps: HandlerDeps, options: StatefulOptions, event: unknown, failures: StateFailure[]): Promise<Evaluation> {
  if (!deps.evaluator.usesFirstSeen) return deps.evaluator.evaluate(event);
  const parsed = toRecord(event);
  if (!parsed.ok) return { status: 'malformed', reason: parsed.reason, alerts: [], errors: [] };
  const { record } = parsed;
  if (!deps.evaluator.inScope(record)) return { status: 'outOfScope', record, alerts: [], errors: [] };
  const facts = deps.detection
    ? await firstSeenFacts(deps.detection, record, options, failures)
    : (failures.push({ step: 'firstSeen', eventId: eventIdOf(event), error: new Error('no detection state store configured') }), undefined);
  return deps.evaluator.evaluateRecord(record, parsed.envelope ? (event as Record<string, unknown>) : undefined, facts);
}

export interface HandlerResult {
  alerts: number;
  delivered: number;
  skipped: number;
  suppressed?: number;
  /** Threshold selections older than the lateness bound: counted, not applied. */
  late?: number;
}

export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? Date.now;
  const specs = thresholdSpecs(deps.evaluator.rules);
  // One queue per handler: concurrent events of a batch update a key one after another.
  const stateOptions: StatefulOptions = { ...deps.detectOptions, queue: new KeyedQueue() };
  return async function handler(event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<HandlerResult> {
    const started = now();
    const log = deps.logger.child({ requestId: context?.awsRequestId, eventId: eventIdOf(event) });
    const stateFailures: StateFailure[] = [];
    const evaluation = await evaluateEvent(deps, stateOptions, event, stateFailures);

    if (evaluation.status === 'malformed') {
      log.warn({ reason: evaluation.reason }, 'malformed event dropped');
      log.info(emf({ MalformedEvents: { value: 1, unit: 'Count' } }), 'metrics');
      return { alerts: 0, delivered: 0, skipped: 0 };
    }
    if (evaluation.status === 'outOfScope') {
      log.debug({ eventSource: evaluation.record.eventSource }, 'event out of scope');
      return { alerts: 0, delivered: 0, skipped: 0 };
    }
    for (const e of evaluation.errors) {
      log.error({ ruleId: e.ruleId, err: e.message }, 'rule evaluation failed');
      log.info(emf({ EvaluationErrors: { value: 1, unit: 'Count' } }, { RuleId: e.ruleId }), 'metrics');
    }
    let matchedAlerts = evaluation.alerts;
    let late = 0;
    if (evaluation.selections && evaluation.selections.length > 0) {
      const applied = deps.detection
        ? await applySelections(deps.detection, evaluation.selections, specs, stateOptions, stateFailures)
        : (stateFailures.push(...evaluation.selections.map((s) => ({ step: 'threshold' as const, ruleId: s.ruleId, eventId: s.alert.eventId, error: new Error('no detection state store configured') }))), undefined);
      if (applied) {
        matchedAlerts = [...matchedAlerts, ...applied.alerts];
        late = applied.late.length;
        for (const l of applied.late) log.warn({ ruleId: l.ruleId, eventTime: l.eventTime }, 'threshold selection later than the lateness bound: counted, not applied');
        if (late > 0) log.info(emf({ LateSelections: { value: late, unit: 'Count' } }), 'metrics');
      }
    }
    for (const f of stateFailures) {
      // Fail open: logged with the rule and event ids; every alert that does not depend on it goes out below.
      log.error({ step: f.step, ruleId: f.ruleId, stateEventId: f.eventId, err: errorText(f.error) }, f.step === 'firstSeen' ? 'could not read first-seen state; firstSeen is unknown for this event (its conditions are false); retrying the event' : 'could not apply a threshold selection; retrying the event');
      log.info(emf({ DetectionStateErrors: { value: 1, unit: 'Count' } }, { Step: f.step }), 'metrics');
    }
    const lateField = late > 0 ? { late } : {};
    if (matchedAlerts.length === 0) {
      if (stateFailures.length > 0) throw new StateUnavailableError(stateFailures);
      return { alerts: 0, delivered: 0, skipped: 0, ...lateField };
    }

    const [channels, store, suppression] = await Promise.all([
      deps.channels(),
      deps.store(),
      Promise.resolve(deps.suppression?.()).catch((e: unknown) => {
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not set up mutes and dedupe; delivering every alert');
        return undefined;
      }),
    ]);
    const failures: Array<{ key: string; error: unknown }> = [];
    let delivered = 0;
    let skipped = 0;
    let suppressed = 0;
    for (const matched of matchedAlerts) {
      let alert = matched;
      if (suppression) {
        let verdict: Verdict;
        try {
          verdict = await suppression.decide(matched);
        } catch (error) {
          // Fail open: an alert is never lost because the mute list or a dedupe window could not be read.
          log.error({ ruleId: matched.ruleId, alertId: matched.id, err: error instanceof Error ? error.message : String(error) }, 'could not check mutes and dedupe; delivering');
          verdict = { deliver: true, alert: matched };
        }
        if (!verdict.deliver) {
          suppressed++;
          if (verdict.reason === 'mute') {
            log.info({ ruleId: matched.ruleId, alertId: matched.id, severity: matched.severity, muteId: verdict.muteId }, 'alert suppressed by a mute');
            await suppression.recordMuted(verdict.muteId).catch((e: unknown) => log.error({ muteId: verdict.muteId, err: String(e) }, 'could not count the suppression'));
          } else {
            log.info({ ruleId: matched.ruleId, alertId: matched.id, severity: matched.severity, windowStart: verdict.windowStart }, 'alert held back by a dedupe window');
          }
          log.info(emf({ AlertsSuppressed: { value: 1, unit: 'Count' } }, { Reason: verdict.reason }), 'metrics');
          continue;
        }
        alert = verdict.alert;
      }
      if (alert.sharedEventId !== undefined) alert = await withRecordedCopies(store, alert, deps.evaluator.accountNames, log);
      if (deps.links) alert = await deps.links(alert);
      for (const channel of channels) {
        if (channel.severities && !channel.severities.includes(alert.severity)) continue;
        const key = `${alert.id}#${channel.name}`;
        const claim = await store.claim(key);
        if (claim === 'alreadySent') {
          skipped++;
          if (alert.recordedBy) {
            log.info({ ruleId: alert.ruleId, alertId: alert.id, channel: channel.name, account: alert.account, recordedBy: alert.recordedBy.map((c) => c.account) }, 'alert already delivered; this copy of a cross-account call is recorded against it');
          } else {
            log.info({ ruleId: alert.ruleId, channel: channel.name }, 'alert already delivered; duplicate event skipped');
          }
          continue;
        }
        if (claim === 'inflight') {
          failures.push({ key, error: new Error('another invocation is delivering this alert; retry later') });
          continue;
        }
        try {
          await channel.publisher.publish(alert);
          await store.markSent(key);
          delivered++;
          log.info({ ruleId: alert.ruleId, severity: alert.severity, channel: channel.name }, 'alert delivered');
          log.info(emf({ AlertsPublished: { value: 1, unit: 'Count' } }, { RuleId: alert.ruleId, Severity: alert.severity }), 'metrics');
        } catch (error) {
          failures.push({ key, error });
          log.error({ ruleId: alert.ruleId, channel: channel.name, err: error instanceof Error ? error.message : String(error) }, 'alert delivery failed');
          await store.release(key).catch((e: unknown) => log.error({ err: String(e) }, 'could not release claim; it expires with its lease'));
        }
      }
    }
    log.info(emf({ EvaluationDuration: { value: now() - started, unit: 'Milliseconds' } }), 'metrics');
    if (failures.length > 0) {
      log.info(emf({ DeliveryFailures: { value: failures.length, unit: 'Count' } }), 'metrics');
      throw new DeliveryError(failures);
    }
    if (stateFailures.length > 0) throw new StateUnavailableError(stateFailures);
    return { alerts: matchedAlerts.length, delivered, skipped, ...(suppressed ? { suppressed } : {}), ...lateField };
  };
}

/**
 * Adds this copy of a cross-account call to the alert's set of copies and names every copy in it.
 * Fails open: when the store cannot be written, the alert goes out naming its own copy only.
 */
async function withRecordedCopies(store: IdempotencyStore, alert: Alert, accountNames: Readonly<Record<string, string>> | undefined, log: Logger): Promise<Alert> {
  try {
    const keys = await store.recordCopy(alert.id, copyKey(copyOf(alert)));
    return withCopies(alert, keys.map(parseCopyKey).filter((c) => c !== null), accountNames);
  } catch (error) {
    log.error({ alertId: alert.id, err: error instanceof Error ? error.message : String(error) }, 'could not record this copy of a cross-account call; delivering without the other copies');
    return alert;
  }
}
