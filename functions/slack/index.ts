/**
 * The Slack forwarder's entry point: wires the handler to AWS (Secrets Manager for the webhook URL,
 * DynamoDB for the idempotency store). Clients are created once per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pino from 'pino';
import { CachedSecret } from '../adapters/cached-secret';
import { requiredEnv } from '../adapters/env';
import { DynamoIdempotencyStore } from '../adapters/idempotency-store';
import { webhookUrlFromSecret } from '../core/deliver/webhook-secret';
import { createSlackForwarder } from './handler';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
const secret = new CachedSecret(new SecretsManagerClient({}), requiredEnv('WEBHOOK_SECRET_ID'));
const store = new DynamoIdempotencyStore(new DynamoDBClient({}), { tableName: requiredEnv('TABLE_NAME') });

export const handler = createSlackForwarder({
  webhookUrl: async () => webhookUrlFromSecret(await secret.get(), secret.secretId),
  onRejected: () => secret.invalidate(),
  store: () => store,
  logger,
});
