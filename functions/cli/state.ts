/**
 * Where a command's state lives: the deployed stack's DynamoDB table (`--table NAME`, or `--stack NAME`
 * to look up its StateTableName output; region and credentials from the usual AWS environment), or the embedded
 * store under the state directory (`--state-dir`, $REKWATCH_STATE_DIR, `.rekwatch`). The same store
 * code runs on both.
 */
import { relative, resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsErrorLine, isAwsError } from './aws-error';
import { writeLine, type CliIo } from './io';

/** The local state directory: --state-dir, else $REKWATCH_STATE_DIR, else .rekwatch (under the working directory). */
export function stateDirFor(io: CliIo, stateDir?: string): string {
  return resolve(io.cwd, stateDir ?? (io.env ?? process.env).REKWATCH_STATE_DIR ?? '.rekwatch');
}

export interface StateOptions {
  stateDir?: string;
  table?: string;
  /** A deployed stack's name: its StateTableName output is the table. */
  stack?: string;
}

export class StateError extends Error {}

/** Client settings from the command's environment (region, endpoint override, keys); the SDK's default chain otherwise. */
export function awsClientConfig(env: NodeJS.ProcessEnv, endpointVar: string): Record<string, unknown> {
  // The command's environment (io.env) decides, like every other setting; without keys in it, the
  // SDK's default chain (profiles, SSO, instance roles) applies.
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
    : {};
  return { region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION, ...(env[endpointVar] ? { endpoint: env[endpointVar] } : {}), ...keys };
}

/**
 * S3 client settings for reading a trail bucket (`replay s3://`, `--on-aws`): the command's
 * environment, `--endpoint-url` (else AWS_ENDPOINT_URL_S3) with path-style addressing for
 * S3-compatible stores, and S3's region redirect followed (a bucket answers from its own region,
 * so no AWS_REGION is needed).
 */
export function trailBucketClientConfig(env: NodeJS.ProcessEnv, endpointUrl: string | undefined): Record<string, unknown> {
  const config = awsClientConfig(env, 'AWS_ENDPOINT_URL_S3');
  const endpoint = endpointUrl ?? (config.endpoint as string | undefined);
  return { ...config, region: (config.region as string | undefined) ?? 'us-east-1', followRegionRedirects: true, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) };
}

/** The StateTableName output of a deployed stack (CloudFormation DescribeStacks). */
export async function tableOfStack(stack: string, env: NodeJS.ProcessEnv, client?: CloudFormationClient): Promise<string> {
  // Loaded only here: most commands never need CloudFormation.
  const { CloudFormationClient: Client, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = client ?? new Client(awsClientConfig(env, 'AWS_ENDPOINT_URL_CLOUDFORMATION'));
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    const table = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'StateTableName')?.OutputValue;
    if (!table) throw new StateError(`stack ${stack} has no StateTableName output (is it a rekwatch stack?)`);
    return table;
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError(`cannot read the outputs of stack ${stack}: ${(e as Error).name}: ${(e as Error).message}`);
  } finally {
    if (!client) cfn.destroy();
  }
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
  if (opts.table && opts.stack) throw new StateError('give --table or --stack, not both');
  const table = opts.table ?? (opts.stack ? await tableOfStack(opts.stack, env) : undefined);
  // Loaded here, not with this module: the AWS SDK and the local store (dynalite and its levels)
  // are a large share of start-up, and many runs (a replay with no state) never open state.
  if (table) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient(awsClientConfig(env, 'AWS_ENDPOINT_URL_DYNAMODB'));
    return { client, tableName: table, where: `DynamoDB table ${table}`, close: async () => client.destroy() };
  }
  const dir = stateDirFor(io, opts.stateDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalState } = require('../adapters/local-state') as typeof import('../adapters/local-state');
  const local = await LocalState.open(dir);
  return { client: local.client, tableName: local.tableName, where: relative(io.cwd, dir) || dir, close: () => local.close() };
}

/**
 * Runs `fn` with the state open, and closes it. A state that cannot be opened or an AWS error
 * (no credentials, no such table, access denied) is reported in one line naming the command; exit 1.
 */
export async function withState(io: CliIo, opts: StateOptions, command: string, fn: (state: StateHandle) => Promise<number>): Promise<number> {
  let state: StateHandle | undefined;
  try {
    state = await openState(io, opts);
  } catch (e) {
    writeLine(io.stderr, `rekwatch ${command}: cannot open the state ${opts.stack ? `of stack ${opts.stack}` : opts.table ? `table ${opts.table}` : 'directory'}: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await fn(state);
  } catch (e) {
    if (isAwsError(e)) {
      writeLine(io.stderr, awsErrorLine(command, e));
      return 1;
    }
    if (e instanceof StateError || /does not answer/.test((e as Error).message)) {
      writeLine(io.stderr, `rekwatch ${command}: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  } finally {
    await state?.close();
  }
}
