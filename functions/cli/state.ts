/**
 * Where a command's state lives: the deployed stack's DynamoDB table (`--table NAME`, the stack's
 * StateTableName output; region and credentials from the usual AWS environment), or the embedded
 * store under the state directory (`--state-dir`, $REKWATCH_STATE_DIR, `.rekwatch`). The same store
 * code runs on both.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalState } from '../adapters/local-state';
import { relative } from 'node:path';
import { stateDirFor } from './channels';
import type { CliIo } from './io';

export interface StateOptions {
  stateDir?: string;
  table?: string;
}

export interface StateHandle {
  client: DynamoDBClient;
  tableName: string;
  /** For messages: `DynamoDB table X` or `.rekwatch`. */
  where: string;
  close(): Promise<void>;
}

export async function openState(io: CliIo, opts: StateOptions): Promise<StateHandle> {
  const env = io.env ?? process.env;
  if (opts.table) {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    // The command's environment (io.env) decides, like every other setting; without keys in it, the
    // SDK's default chain (profiles, SSO, instance roles) applies.
    const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {};
    const client = new DynamoDBClient({ region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION, ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: env.AWS_ENDPOINT_URL_DYNAMODB } : {}), ...keys });
    return { client, tableName: opts.table, where: `DynamoDB table ${opts.table}`, close: async () => client.destroy() };
  }
  const dir = stateDirFor(io, opts.stateDir);
  const local = await LocalState.open(dir);
  return { client: local.client, tableName: local.tableName, where: relative(io.cwd, dir) || dir, close: () => local.close() };
}
