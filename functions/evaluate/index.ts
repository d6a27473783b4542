/**
 * The evaluate Lambda's entry point: wires the handler to AWS. The rule pack is compiled into the
 * bundle at synth time (validated first), so a cold start reads no files. AWS SDK clients are
 * created once per container, on the first event that produces an alert.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import pino from 'pino';
import { DynamoIdempotencyStore } from '../adapters/idempotency-store';
import { EventBridgeAlertPublisher } from '../adapters/eventbridge-publisher';
import { SnsAlertPublisher } from '../adapters/sns-publisher';
import { Evaluator } from '../core/evaluator';
import { bundledPack } from './bundled-pack';
import { createHandler, type Channel } from './handler';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

// Plain JSON to stdout: pino transports (worker threads) do not survive bundling.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
const evaluator = new Evaluator(bundledPack(), {
  eventSources: (process.env.EVENT_SOURCES ?? 'rekognition.amazonaws.com').split(',').filter(Boolean),
});

let channels: Channel[] | undefined;
let store: DynamoIdempotencyStore | undefined;

export const handler = createHandler({
  evaluator,
  logger,
  channels: () => {
    channels ??= [
      { name: 'sns', publisher: new SnsAlertPublisher(new SNSClient({}), env('TOPIC_ARN')) },
      ...(process.env.EVENT_BUS_NAME
        ? [{ name: 'eventbridge', publisher: new EventBridgeAlertPublisher(new EventBridgeClient({}), process.env.EVENT_BUS_NAME) }]
        : []),
    ];
    return channels;
  },
  store: () => {
    store ??= new DynamoIdempotencyStore(new DynamoDBClient({}), { tableName: env('TABLE_NAME') });
    return store;
  },
});
