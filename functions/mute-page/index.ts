/**
 * The mute page Lambda's entry point (behind a function URL): the link key from Secrets Manager
 * (cached), mutes in the state table. Errors are logged without the request (tokens stay out of logs).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pino from 'pino';
import { CachedSecret } from '../adapters/cached-secret';
import { requiredEnv } from '../adapters/env';
import { linkKeyFromSecret } from '../adapters/link-key';
import { MuteStore } from '../adapters/mute-store';
import { DEFAULT_MUTE_POLICY } from '../core/suppress/mute';
import { handleFunctionUrl, type FunctionUrlEvent, type FunctionUrlResult } from './lambda';

declare const __REKWATCH_RULE_NAMES__: string | undefined;

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
const secret = new CachedSecret(new SecretsManagerClient({}), requiredEnv('LINK_KEY_SECRET_ID'));
const mutes = new MuteStore(new DynamoDBClient({}), { tableName: requiredEnv('TABLE_NAME') });
const ruleNames = new Map<string, string>(typeof __REKWATCH_RULE_NAMES__ === 'string' ? (JSON.parse(__REKWATCH_RULE_NAMES__) as Array<[string, string]>) : []);
const maxMs = Number(process.env.MUTE_MAX_MS) || DEFAULT_MUTE_POLICY.maxMs;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  try {
    const key = linkKeyFromSecret(await secret.get(), secret.secretId);
    const out = await handleFunctionUrl(event, { key, mutes, now: Date.now, ruleNames, secureCookies: true, policy: { ...DEFAULT_MUTE_POLICY, maxMs } });
    logger.info({ method: event.requestContext?.http?.method, route: (event.rawPath ?? '/').split('/').pop(), status: out.statusCode }, 'mute page request');
    return out;
  } catch (e) {
    logger.error({ err: e instanceof Error ? e.message : String(e) }, 'mute page failed');
    return { statusCode: 500, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' }, cookies: [], body: 'rekwatch: the mute page failed; nothing was changed. Try again, or use `rekwatch mute`.' };
  }
}
