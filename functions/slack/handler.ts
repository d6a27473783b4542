/**
 * The Slack forwarder's logic, over injected dependencies: SNS notification (an alert published by
 * the evaluate function, already filtered by the subscription's severity policy) -> Block Kit ->
 * Slack incoming webhook.
 *
 *   - The webhook URL comes from a getter (Secrets Manager, cached) and never reaches a log line.
 *   - 429 (Retry-After honoured), 5xx and network errors are retried with backoff inside the
 *     invocation; a delivery that still fails throws, so Lambda retries the invocation and then puts
 *     it on the forwarder's dead-letter queue (alarmed). A message that is not a rekwatch alert also
 *     throws: retrying cannot fix it, but the dead-letter queue keeps it for a person to look at.
 *   - Each alert is posted once: the same idempotency store as the evaluate function, key
 *     `<alert id>#slack`, so SNS redelivery or Lambda retries never post twice.
 */
import type { SNSEvent } from 'aws-lambda';
import type { Logger } from 'pino';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { SlackWebhookChannel } from '../adapters/delivery/slack-webhook';
import { parseAlertMessage } from '../core/publish/alert-message';
import { emf } from '../core/monitor/metrics';
import { WebhookSecretError } from '../core/deliver/webhook-secret';
import { DeliveryFailure, withRetry, type RetryOptions } from '../core/deliver/retry';

export interface SlackForwarderDeps {
  /** The webhook URL (from Secrets Manager in AWS). */
  webhookUrl: () => Promise<string>;
  /** Called when Slack rejects the webhook for good (e.g. 403/404): the secret may have been rotated. */
  onRejected?: () => void;
  store: () => IdempotencyStore | Promise<IdempotencyStore>;
  logger: Logger;
  fetchImpl?: typeof fetch;
  retry?: RetryOptions;
}

export class ForwardError extends Error {
  override name = 'ForwardError';
}

export function createSlackForwarder(deps: SlackForwarderDeps) {
  const retry: RetryOptions = { attempts: 4, baseMs: 1000, maxMs: 15_000, ...deps.retry };
  // A secret that holds no usable URL will not fix itself within this invocation: no retry here.
  const webhookUrl = async () => {
    try {
      return await deps.webhookUrl();
    } catch (e) {
      throw e instanceof WebhookSecretError ? new DeliveryFailure(e.message, false) : e;
    }
  };
  return async function handler(event: SNSEvent, context?: { awsRequestId?: string }): Promise<{ posted: number; skipped: number }> {
    const log = deps.logger.child({ requestId: context?.awsRequestId });
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const failures: string[] = [];
    let posted = 0;
    let skipped = 0;
    for (const record of records) {
      const messageId = record?.Sns?.MessageId;
      const parsed = parseAlertMessage(typeof record?.Sns?.Message === 'string' ? record.Sns.Message : '');
      if (!parsed.ok) {
        log.error({ messageId, reason: parsed.reason }, 'not a rekwatch alert; leaving it to the dead-letter queue');
        failures.push(`${messageId ?? 'message'}: ${parsed.reason}`);
        continue;
      }
      const { alert } = parsed;
      const key = `${alert.id}#slack`;
      const store = await deps.store();
      const claim = await store.claim(key);
      if (claim === 'alreadySent') {
        skipped++;
        log.info({ ruleId: alert.ruleId, alertId: alert.id }, 'already posted to Slack; duplicate skipped');
        continue;
      }
      if (claim === 'inflight') {
        failures.push(`${alert.id}: another invocation is posting this alert`);
        continue;
      }
      const outcome = await withRetry(async () => new SlackWebhookChannel(await webhookUrl(), deps.fetchImpl).deliver(alert), retry);
      if (outcome.error === undefined) {
        await store.markSent(key);
        posted++;
        log.info({ ruleId: alert.ruleId, severity: alert.severity, alertId: alert.id, attempts: outcome.attempts }, 'alert posted to Slack');
        log.info(emf({ SlackPosted: { value: 1, unit: 'Count' } }, { Severity: alert.severity }), 'metrics');
        continue;
      }
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      if (outcome.error instanceof DeliveryFailure && !outcome.error.retryable) deps.onRejected?.();
      log.error({ ruleId: alert.ruleId, alertId: alert.id, attempts: outcome.attempts, err: message }, 'Slack delivery failed');
      log.info(emf({ SlackDeliveryFailures: { value: 1, unit: 'Count' } }), 'metrics');
      failures.push(`${alert.id}: ${message}`);
      await store.release(key).catch((e: unknown) => log.error({ err: String(e) }, 'could not release claim; it expires with its lease'));
    }
    if (failures.length > 0) throw new ForwardError(`${failures.length} of ${records.length} Slack deliveries failed: ${failures.join('; ')}`);
    return { posted, skipped };
  };
}
