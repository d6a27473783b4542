import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const ROOT = join(__dirname, '..', '..');

export interface RekwatchFunctionOptions {
  /** Entry file, relative to the repository root (e.g. `functions/slack/index.ts`). */
  readonly entry: string;
  /** The function's description (shown in the console). */
  readonly description: string;
  /** The role's description. */
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
  /** Where async invocations go after Lambda's two retries (on-failure destination); none for synchronous-only functions. */
  readonly deadLetterQueue?: sqs.IQueue;
  readonly environment: Record<string, string>;
  /** esbuild `define`s (e.g. the inlined rule pack). */
  readonly define?: Record<string, string>;
  /**
   * Reserved concurrency: both a floor (no other function can take it) and a cap (invocations beyond
   * it are throttled). Taken from the account's per-region pool, of which AWS keeps 100 unreserved.
   */
  readonly reservedConcurrency?: number;
}

export interface RekwatchFunctionParts {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
}

/**
 * The way every rekwatch Lambda is built: Node.js 24 on arm64, bundled locally with esbuild (no
 * Docker), the AWS SDK left to the runtime, its own log group with a retention, and a role that can
 * only write that log group (callers grant the rest). Async invocations are retried twice, then sent
 * to the dead-letter queue. Creates `Logs`, `Role` and `Function` in `scope`.
 */
export function rekwatchFunction(scope: Construct, options: RekwatchFunctionOptions): RekwatchFunctionParts {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: options.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, 'Function', {
    entry: join(ROOT, options.entry),
    handler: 'handler',
    projectRoot: ROOT,
    depsLockFilePath: join(ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    role,
    logGroup,
    description: options.description,
    ...(options.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: options.reservedConcurrency } : {}),
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.environment,
    },
    bundling: {
      minify: true,
      sourceMap: true,
      target: 'node24',
      format: OutputFormat.CJS,
      forceDockerBundling: false,
      define: options.define,
    },
    ...(options.deadLetterQueue
      ? { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(options.deadLetterQueue) }
      : {}),
  });
  return { function: fn, logGroup };
}
