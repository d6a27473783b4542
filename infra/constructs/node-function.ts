import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { packageRoot } from '../../functions/adapters/package-root';

const ROOT = packageRoot(__dirname);

/**
 * Every Lambda entry, by the name of its prebuilt bundle (`dist/lambda/<name>/index.js`, written by
 * `npm run build`). From the repository the functions are bundled from these sources at synth time;
 * from the installed package, where only `dist/` is shipped, the prebuilt bundle is deployed.
 */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = {
  evaluate: 'functions/evaluate/index.ts',
  slack: 'functions/slack/index.ts',
  'mute-page': 'functions/mute-page/index.ts',
};

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
  readonly function: lambda.Function;
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
  const common = {
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
    ...(options.deadLetterQueue
      ? { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(options.deadLetterQueue) }
      : {}),
  };
  const fn = existsSync(join(ROOT, options.entry))
    ? new NodejsFunction(scope, 'Function', {
        ...common,
        entry: join(ROOT, options.entry),
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: join(ROOT, 'package-lock.json'),
        bundling: {
          minify: true,
          sourceMap: true,
          target: 'node24',
          format: OutputFormat.CJS,
          forceDockerBundling: false,
          define: options.define,
        },
      })
    : new lambda.Function(scope, 'Function', { ...common, handler: 'index.handler', code: lambda.Code.fromAsset(prebuiltBundle(options.entry, options.define ?? {})) });
  return { function: fn, logGroup };
}

/**
 * The directory of an entry's prebuilt bundle, with the `define`s (esbuild replaces those
 * identifiers at synth time in the sources' case) declared on a first line of their own: `var
 * NAME=VALUE;`, the same values, which the bundle reads as globals. The source map gets one empty
 * line in front, so it still points where it did. Written to a temporary directory named by its
 * content (written whole, then renamed into place), so the same pack gives the same asset.
 */
export function prebuiltBundle(entry: string, define: Readonly<Record<string, string>>, root: string = ROOT): string {
  const name = Object.keys(LAMBDA_ENTRIES).find((n) => LAMBDA_ENTRIES[n] === entry);
  const dir = name ? join(root, 'dist', 'lambda', name) : '';
  if (!name || !existsSync(join(dir, 'index.js'))) {
    throw new Error(`rekwatch: neither ${entry} nor its prebuilt bundle dist/lambda/${name ?? '?'}/index.js is in ${root} (run npm run build)`);
  }
  const names = Object.keys(define);
  if (names.length === 0) return dir;
  const code = readFileSync(join(dir, 'index.js'), 'utf8');
  const header = `${code.startsWith('"use strict";') ? '"use strict";' : ''}${names.map((n) => `var ${n}=${define[n]};`).join('')}\n`;
  // Named by content, so synthesizing again reuses the directory instead of adding one.
  const out = join(tmpdir(), `rekwatch-${name}-${createHash('sha256').update(header).update(code).digest('hex').slice(0, 32)}`);
  if (!existsSync(join(out, 'index.js.map'))) {
    const map = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as { mappings: string };
    const staging = mkdtempSync(`${out}-`);
    writeFileSync(join(staging, 'index.js'), header + code);
    writeFileSync(join(staging, 'index.js.map'), JSON.stringify({ ...map, mappings: `;${map.mappings}` }));
    try {
      renameSync(staging, out);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another synth put the same files there first
    }
  }
  return out;
}
