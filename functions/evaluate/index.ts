/**
 * The evaluate Lambda's entry point: wires the handler to AWS. The rule pack is compiled into the
 * bundle at synth time (validated first), so a cold start reads no files. The AWS SDK (about 110 ms
 * of module loading per client package) is loaded, and its clients created, once per container on
 * the first event that produces an alert: events that match nothing never pay for it.
 */
import type { Context } from 'aws-lambda';
import pino from 'pino';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requiredEnv, severitiesFromEnv } from '../adapters/env';
import { Evaluator } from '../core/match/evaluator';
import type { Alert } from '../core/common/types';
import { bundledPack } from './bundled-pack';
import { createHandler, type Channel, type Suppression } from './handler';
import { HEARTBEAT_ENV, withHeartbeat } from './heartbeat';
import { heartbeatNames } from '../core/heartbeat/heartbeat';
import { BATCH_CONCURRENCY_ENV, createBatchHandler, isSqsBatch } from './batch';
import { statefulOptionsFromEnv } from '../adapters/detection-state/stateful-step';

// Plain JSON to stdout: pino transports (worker threads) do not survive bundling.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
const evaluator = new Evaluator(bundledPack(), {
  eventSources: (process.env.EVENT_SOURCES ?? 'rekognition.amazonaws.com').split(',').filter(Boolean),
  // Every copy of a cross-account call reaches the handler; the state table makes them one alert.
  copies: 'each',
});
/** How long live mutes are cached: a new mute takes effect within this (plus a second). */
const MUTE_CACHE_MS = Number(process.env.MUTE_CACHE_SECONDS ?? 30) * 1000;

/** Messages of one SQS batch evaluated at once (BATCH_CONCURRENCY, set by infra/constructs/event-queue.ts). */
const BATCH_CONCURRENCY = Math.max(1, Math.min(64, Number(process.env[BATCH_CONCURRENCY_ENV] ?? 16) || 16));

/** Runs `make` once per container, on first use; a failure is not remembered (the next call retries). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((e: unknown) => {
      value = undefined;
      throw e;
    });
    return value;
  };
}

const dynamo = once(async (): Promise<DynamoDBClient> => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({}));

const channels = once(async (): Promise<Channel[]> => {
  const [{ SNSClient }, { SnsAlertPublisher }] = await Promise.all([import('@aws-sdk/client-sns'), import('../adapters/sns-publisher')]);
  const sns = new SNSClient({});
  const list: Channel[] = [{ name: 'sns', publisher: new SnsAlertPublisher(sns, requiredEnv('TOPIC_ARN')) }];
  const bus = process.env.EVENT_BUS_NAME;
  if (bus) {
    const [{ EventBridgeClient }, { EventBridgeAlertPublisher }] = await Promise.all([import('@aws-sdk/client-eventbridge'), import('../adapters/eventbridge-publisher')]);
    list.push({ name: 'eventbridge', publisher: new EventBridgeAlertPublisher(new EventBridgeClient({}), bus) });
  }
  const chatbotTopic = process.env.CHATBOT_TOPIC_ARN;
  if (chatbotTopic) {
    const { ChatbotPublisher } = await import('../adapters/chatbot-publisher');
    list.push({ name: 'chatbot', publisher: new ChatbotPublisher(sns, chatbotTopic), severities: severitiesFromEnv('CHATBOT_SEVERITIES') });
  }
  return list;
});

const suppression = once(async (): Promise<Suppression> => {
  const [client, { MuteStore }, { DynamoDedupeState }, { Suppressor, cachedMutes }] = await Promise.all([
    dynamo(),
    import('../adapters/mute-store'),
    import('../adapters/dedupe-store'),
    import('../core/suppress/suppression'),
  ]);
  // A live-set entry the audit records do not back is not applied; say so on every read (each 30 s).
  const onProblems = (problems: Array<{ id?: string; message: string }>) => {
    for (const p of problems) logger.error({ muteId: p.id, problem: p.message }, 'mute store problem: an entry is not applied (see rekwatch mutes)');
  };
  const mutes = new MuteStore(client, { tableName: requiredEnv('TABLE_NAME'), onProblems });
  const suppressor = new Suppressor({ rules: evaluator.rules, mutes: cachedMutes(() => mutes.live(), MUTE_CACHE_MS), dedupe: new DynamoDedupeState(client, requiredEnv('TABLE_NAME')) });
  return { decide: (a) => suppressor.decide(a), recordMuted: (id) => mutes.recordSuppressed(id) };
});

const store = once(async () => new (await import('../adapters/idempotency-store')).DynamoIdempotencyStore(await dynamo(), { tableName: requiredEnv('TABLE_NAME') }));

/** Threshold windows and firstSeen memory (`detect#` items of the state table): created only when a record needs them. */
const detection = once(async () => new (await import('../adapters/detection-state/dynamo-state-store')).DynamoStateStore(await dynamo(), { tableName: requiredEnv('TABLE_NAME') }));

/** Signs mute links into alerts when the stack has a mute page (MUTE_URL) and a link key. */
const muteUrl = process.env.MUTE_URL;
const linkSecretId = process.env.LINK_KEY_SECRET_ID;
const linkSigner = once(async () => {
  const [{ SecretsManagerClient }, { CachedSecret }, { linkKeyFromSecret }, { withMuteLinks }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../adapters/cached-secret'),
    import('../adapters/link-key'),
    import('../core/suppress/mute-links/links'),
  ]);
  const secret = new CachedSecret(new SecretsManagerClient({}), linkSecretId!);
  return async (alert: Alert) => withMuteLinks(alert, { baseUrl: muteUrl!, key: linkKeyFromSecret(await secret.get(), secret.secretId) }, Date.now());
});

const evaluate = createHandler({
  evaluator,
  logger,
  channels,
  suppression,
  store,
  detection,
  detectOptions: statefulOptionsFromEnv(process.env),
  links:
    muteUrl && linkSecretId
      ? async (alert) => {
          try {
            return await (await linkSigner())(alert);
          } catch (e) {
            logger.error({ alertId: alert.id, err: e instanceof Error ? e.message : String(e) }, 'could not add mute links; delivering without them');
            return alert;
          }
        }
      : undefined,
});

/** With the heartbeat on (HEARTBEAT_NAME_PREFIX), heartbeats are recorded instead of evaluated. */
const heartbeatPrefix = process.env[HEARTBEAT_ENV.namePrefix];
const perEvent = heartbeatPrefix
  ? withHeartbeat(evaluate, {
      names: heartbeatNames(heartbeatPrefix),
      metricAccounts: new Set((process.env[HEARTBEAT_ENV.metricAccounts] ?? '').split(',').filter(Boolean)),
      recorder: once(async () => new (await import('../adapters/heartbeat-store')).DynamoHeartbeatStore(await dynamo(), requiredEnv('TABLE_NAME'))),
      logger,
    })
  : evaluate;

/**
 * One entry for both paths: EventBridge invokes it with one event (the plain path); the SQS event
 * source mapping (the queue path, infra/constructs/event-queue.ts) with a batch, each message's body
 * one EventBridge event taken through `perEvent` (batch.ts says what is acknowledged and retried).
 */
const batch = createBatchHandler({ evaluate: perEvent, logger, concurrency: BATCH_CONCURRENCY });
export async function handler(event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<unknown> {
  return isSqsBatch(event) ? batch(event, context) : perEvent(event, context);
}
