/**
 * The queue path (issue 13): EventBridge -> an encrypted SQS queue -> the evaluate function through
 * an event source mapping that hands it up to `batchSize` events per invocation. Used instead of the
 * plain EventBridge -> Lambda target when the pack needs read-only calls for its stateful rules
 * (detection-path.ts decides), because those are the high-volume calls: one invocation per few
 * hundred events instead of one per event, and the queue absorbs bursts instead of throttling.
 *
 *   - the queue: KMS (the stack's key), TLS only, a visibility timeout of six function timeouts plus
 *     the batching window (AWS's advice for SQS event sources, so a batch in progress is not
 *     redelivered), its own dead-letter queue after `maxReceiveCount` receives (a message that failed
 *     that often), kept 14 days;
 *   - the mapping: `batchSize` (default 500) with a batching window (default 5 s: an alert waits at
 *     most that long for its batch to fill), `ReportBatchItemFailures` so only the failed messages of
 *     a batch are retried (functions/evaluate/batch.ts), and a maximum concurrency when the function
 *     has reserved concurrency (so the poller never invokes beyond it and throttles messages into the
 *     dead-letter queue);
 *   - `target()`: the EventBridge rule target, with the stack's retry policy and target dead-letter
 *     queue, and a queue policy that admits `events.amazonaws.com` only for the rules that target it
 *     (aws:SourceArn of each rule), not any rule of any account.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_BATCH_SIZE } from '../../functions/adapters/deploy-config';
import { BATCH_CONCURRENCY_ENV } from '../../functions/evaluate/batch';
import { DEFAULT_MAX_EVENT_AGE, DEFAULT_RETRY_ATTEMPTS, type TargetRetry } from './detection';

export const DEFAULT_BATCHING_WINDOW_SECONDS = 5;
export const DEFAULT_MAX_RECEIVE_COUNT = 5;
/** Messages of one batch the function evaluates at once (its BATCH_CONCURRENCY). */
export const DEFAULT_BATCH_CONCURRENCY = 16;

export interface EventQueueProps {
  /** The stack's key: encrypts both queues (EventBridge may use it: see the stack's key policy). */
  readonly key: kms.IKey;
  /** The function that consumes the queue (the evaluate function). */
  readonly function: lambda.Function;
  /** The function's timeout, for the visibility timeout. */
  readonly functionTimeout: Duration;
  /** Events per invocation, at most. Default 500 (SQS event sources allow up to 10,000 with a batching window). */
  readonly batchSize?: number;
  /** How long the poller gathers a batch. Default 5 seconds. */
  readonly maxBatchingWindow?: Duration;
  /** Receives before a message moves to the queue's dead-letter queue. Default 5. */
  readonly maxReceiveCount?: number;
  /** The function's reserved concurrency, if any: the mapping's maximum concurrency follows it. */
  readonly reservedConcurrency?: number;
}

export class EventQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    this.batchSize = props.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(DEFAULT_BATCHING_WINDOW_SECONDS);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10_000) throw new RangeError(`EventQueue: batchSize must be from 1 to 10000, not ${this.batchSize}`);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // cdk-nag: a dead-letter queue of a dead-letter queue would only move the problem.
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: "This queue is the event queue's dead-letter queue (after maxReceiveCount receives)." });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * props.functionTimeout.toSeconds() + this.maxBatchingWindow.toSeconds()),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT },
    });
    const maxConcurrency = props.reservedConcurrency === undefined ? undefined : Math.max(2, Math.min(1000, props.reservedConcurrency));
    props.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.batchSize,
        maxBatchingWindow: this.maxBatchingWindow,
        reportBatchItemFailures: true,
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      }),
    );
    props.function.addEnvironment(BATCH_CONCURRENCY_ENV, String(DEFAULT_BATCH_CONCURRENCY));
  }

  /**
   * The target for one EventBridge rule: sends the event, unchanged, as the message body. Failed
   * sends are retried by EventBridge and then land in `deadLetterQueue` (the stack's target DLQ).
   */
  target(deadLetterQueue: sqs.IQueue, retry: TargetRetry = {}): events.IRuleTarget {
    const queue = this.queue;
    return {
      bind(rule: events.IRule): events.RuleTargetConfig {
        queue.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `EventBridgeRule${rule.node.addr.slice(0, 12)}`,
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sqs:SendMessage'],
            resources: [queue.queueArn],
            conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
          }),
        );
        targets.addToDeadLetterQueueResourcePolicy(rule, deadLetterQueue);
        return {
          ...targets.bindBaseTargetConfig({ deadLetterQueue, retryAttempts: retry.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS, maxEventAge: retry.maxEventAge ?? DEFAULT_MAX_EVENT_AGE }),
          arn: queue.queueArn,
          targetResource: queue,
        };
      },
    };
  }
}
