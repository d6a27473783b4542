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
import type { Evaluator } from '../core/match/evaluator';
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

export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? Date.now;
  return async function handler(event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<{ alerts: number; delivered: number; skipped: number; suppressed?: number }> {
    const started = now();
    const log = deps.logger.child({ requestId: context?.awsRequestId, eventId: eventIdOf(event) });
    const evaluation = await deps.evaluator.evaluate(event);

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
    if (evaluation.alerts.length === 0) return { alerts: 0, delivered: 0, skipped: 0 };

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
    for (const matched of evaluation.alerts) {
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
    return { alerts: evaluation.alerts.length, delivered, skipped, ...(suppressed ? { suppressed } : {}) };
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
