/**
 * The evaluate Lambda's entry point: wires the handler to AWS. The rule pack is compiled into the
 * bundle at synth time (validated first), so a cold start reads no files. The AWS SDK (about 110 ms
 * of module loading per client package) is loaded, and its clients created, once per container on
 * the first event that produces an alert: events that match nothing never pay for it.
 */
import pino from 'pino';
import type { CachedSecret } from '../adapters/cached-secret';
import type { DynamoIdempotencyStore } from '../adapters/idempotency-store';
import { Evaluator } from '../core/evaluator';
import { SEVERITIES, type Severity } from '../core/types';
import { bundledPack } from './bundled-pack';
import { createHandler, type Channel, type Suppression } from './handler';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

/** `critical,high` -> those severities; unset or empty -> all. */
function severitiesFromEnv(name: string): Severity[] | undefined {
  const list = (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad.length > 0) throw new Error(`environment variable ${name}: unknown severities ${bad.join(', ')}`);
  return list.length > 0 ? (list as Severity[]) : undefined;
}

// Plain JSON to stdout: pino transports (worker threads) do not survive bundling.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
const evaluator = new Evaluator(bundledPack(), {
  eventSources: (process.env.EVENT_SOURCES ?? 'rekognition.amazonaws.com').split(',').filter(Boolean),
});

let channels: Channel[] | undefined;
let store: DynamoIdempotencyStore | undefined;
let suppression: Suppression | undefined;
/** How long live mutes are cached: a new mute takes effect within this (plus a second). */
const MUTE_CACHE_MS = Number(process.env.MUTE_CACHE_SECONDS ?? 30) * 1000;

let linkSecret: CachedSecret | undefined;
const muteUrl = process.env.MUTE_URL;
const linkSecretId = process.env.LINK_KEY_SECRET_ID;

export const handler = createHandler({
  evaluator,
  logger,
  channels: async () => {
    if (!channels) {
      const [{ SNSClient }, { SnsAlertPublisher }] = await Promise.all([import('@aws-sdk/client-sns'), import('../adapters/sns-publisher')]);
      const sns = new SNSClient({});
      const list: Channel[] = [{ name: 'sns', publisher: new SnsAlertPublisher(sns, env('TOPIC_ARN')) }];
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
      channels = list;
    }
    return channels;
  },
  links:
    muteUrl && linkSecretId
      ? async (alert) => {
          try {
            if (!linkSecret) {
              const [{ SecretsManagerClient }, { CachedSecret: Cached }] = await Promise.all([import('@aws-sdk/client-secrets-manager'), import('../adapters/cached-secret')]);
              linkSecret = new Cached(new SecretsManagerClient({}), linkSecretId);
            }
            const { linkKeyFromSecret } = await import('../adapters/link-key');
            const { withMuteLinks } = await import('../core/mute-links/links');
            return withMuteLinks(alert, { baseUrl: muteUrl, key: linkKeyFromSecret(await linkSecret.get(), linkSecretId) }, Date.now());
          } catch (e) {
            logger.error({ alertId: alert.id, err: e instanceof Error ? e.message : String(e) }, 'could not add mute links; delivering without them');
            return alert;
          }
        }
      : undefined,
  suppression: async () => {
    if (!suppression) {
      const [{ DynamoDBClient }, { MuteStore }, { DynamoDedupeState }, { Suppressor, cachedMutes }] = await Promise.all([
        import('@aws-sdk/client-dynamodb'),
        import('../adapters/mute-store'),
        import('../adapters/dedupe-store'),
        import('../core/suppression'),
      ]);
      const client = new DynamoDBClient({});
      const mutes = new MuteStore(client, { tableName: env('TABLE_NAME') });
      const suppressor = new Suppressor({ rules: evaluator.rules, mutes: cachedMutes(() => mutes.live(), MUTE_CACHE_MS), dedupe: new DynamoDedupeState(client, env('TABLE_NAME')) });
      suppression = { decide: (a) => suppressor.decide(a), recordMuted: (id) => mutes.recordSuppressed(id) };
    }
    return suppression;
  },
  store: async () => {
    if (!store) {
      const [{ DynamoDBClient }, { DynamoIdempotencyStore }] = await Promise.all([import('@aws-sdk/client-dynamodb'), import('../adapters/idempotency-store')]);
      store = new DynamoIdempotencyStore(new DynamoDBClient({}), { tableName: env('TABLE_NAME') });
    }
    return store;
  },
});
