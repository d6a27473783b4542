/**
 * The evaluate Lambda's SQS batch path: EventBridge -> SQS queue -> this function through an event
 * source mapping with `ReportBatchItemFailures`. Each message's body is one EventBridge event, taken
 * through the same per-event pipeline as the asynchronous path (`evaluate`: the handler of
 * handler.ts, wrapped by the heartbeat when it is on), a few at a time.
 *
 * What is acknowledged and what is retried (the answer lists the retried message ids only):
 *   - ACKNOWLEDGED (deleted from the queue) — it would fail forever: a body that is not JSON, and an
 *     event the pipeline itself calls malformed or out of scope (handler.ts logs and counts those and
 *     returns normally). Logged with the message id and counted as `MalformedEvents`.
 *   - RETRIED (a batch item failure; SQS redelivers only that message after its visibility timeout
 *     and, after the queue's maxReceiveCount, moves it to the queue's dead-letter queue) — a transient
 *     failure: anything `evaluate` throws (a failed publish, `DeliveryError`; detection state that
 *     could not be read or written; another invocation still delivering the same alert). A retry
 *     re-sends nothing already sent (the idempotency claim per alert and channel) and counts nothing
 *     twice (detection state keeps each event's id).
 *   - A batch that is not an SQS batch at all, or a record without a messageId, fails nothing it could
 *     name: it is logged and acknowledged (an empty failure list), never thrown, because a thrown
 *     error would make SQS retry the whole batch.
 * One poison message therefore never holds back or repeats the others.
 *
 * Order: SQS standard queues keep no order, so the batch's events are taken in event-time order
 * (stable; an event without a usable time keeps its place before the timed ones), a small reorder
 * buffer of the batch: with the detection state's per-key queue (adapters/detection-state/
 * stateful-step.ts) a key's windows and first-seen memory see a batch's events as replay would.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { Bounded } from '../core/deliver/bounded';
import { isPlainObject } from '../core/common/json-value';
import { errorLine } from '../core/common/text';
import { toRecord } from '../core/input/record';
import { emf } from '../core/monitor/metrics';

/** Environment variable naming how many messages of a batch are evaluated at once. */
export const BATCH_CONCURRENCY_ENV = 'BATCH_CONCURRENCY';

/** The fields of an SQS event source record the batch path reads. */
export interface SqsMessage {
  messageId: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
}

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface BatchHandlerDeps {
  /** The per-event pipeline (the async path's handler): throws only for what a retry can fix. */
  evaluate: (event: unknown, context?: Pick<Context, 'awsRequestId'>) => Promise<unknown>;
  logger: Logger;
  /** Messages evaluated at once (state reads and publishes overlap). Default 16. */
  concurrency?: number;
  now?: () => number;
}

/** An SQS event source batch (`Records[].eventSource === 'aws:sqs'`), as opposed to one EventBridge event. */
export function isSqsBatch(event: unknown): event is { Records: unknown[] } {
  return isPlainObject(event) && Array.isArray(event.Records) && event.Records.length > 0 && event.Records.every((r) => isPlainObject(r) && r.eventSource === 'aws:sqs');
}

/** The event's CloudTrail time (ms), read as the pipeline reads the record (toRecord), or -Infinity when it has none. */
function eventTimeOf(body: unknown): number {
  const parsed = toRecord(body);
  const t = parsed.ok && typeof parsed.record.eventTime === 'string' ? Date.parse(parsed.record.eventTime) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

export function createBatchHandler(deps: BatchHandlerDeps) {
  const now = deps.now ?? Date.now;
  return async function batchHandler(event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<SqsBatchResponse> {
    const started = now();
    const log = deps.logger.child({ requestId: context?.awsRequestId });
    const failures: Array<{ itemIdentifier: string }> = [];
    if (!isPlainObject(event) || !Array.isArray(event.Records)) {
      log.error({ type: typeof event }, 'not an SQS batch; acknowledged');
      return { batchItemFailures: [] };
    }
    let malformed = 0;
    let retried = 0;
    const slots = new Bounded(deps.concurrency ?? 16);
    const ready: Array<{ messageId: string; body: unknown; receiveCount: unknown; t: number; i: number }> = [];
    for (const record of event.Records as unknown[]) {
      const message = isPlainObject(record) ? record : {};
      const messageId = typeof message.messageId === 'string' ? message.messageId : undefined;
      if (messageId === undefined || typeof message.body !== 'string') {
        malformed++;
        log.error({ messageId }, 'SQS record without a messageId or body; acknowledged');
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(message.body);
      } catch (e) {
        malformed++;
        log.warn({ messageId, reason: errorLine(e), bytes: message.body.length }, 'message body is not JSON; acknowledged (it would fail on every retry)');
        continue;
      }
      const receiveCount = isPlainObject(message.attributes) ? message.attributes.ApproximateReceiveCount : undefined;
      ready.push({ messageId, body, receiveCount, t: eventTimeOf(body), i: ready.length });
    }
    ready.sort((a, b) => a.t - b.t || a.i - b.i);
    for (const { messageId, body, receiveCount } of ready) {
      await slots.run(async () => {
        try {
          await deps.evaluate(body, context);
        } catch (e) {
          retried++;
          failures.push({ itemIdentifier: messageId });
          log.error({ messageId, receiveCount, err: errorLine(e) }, 'event failed; SQS retries this message only');
        }
      });
    }
    await slots.idle(); // tasks catch their own errors: nothing is rethrown here
    const metrics: Record<string, { value: number; unit: 'Count' | 'Milliseconds' }> = {
      BatchMessages: { value: event.Records.length, unit: 'Count' },
      BatchDuration: { value: now() - started, unit: 'Milliseconds' },
    };
    if (malformed > 0) metrics.MalformedEvents = { value: malformed, unit: 'Count' };
    if (retried > 0) metrics.BatchItemFailures = { value: retried, unit: 'Count' };
    log.info(emf(metrics), 'metrics');
    return { batchItemFailures: failures };
  };
}
