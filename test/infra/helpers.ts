/** Builds the rekwatch app for infra tests, from context, as `cdk synth` would; runs a bundled handler. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build';
import type { RekwatchStack } from '../../infra/stack';

export const ROOT = join(__dirname, '..', '..');

export interface Built {
  app: App;
  stack: RekwatchStack;
  template: Template;
}

/** `bundle: false` skips esbuild (a placeholder asset) for tests that do not look at the code. */
export function build(context: Record<string, unknown> = {}, options: { bundle?: boolean; nag?: boolean } = {}): Built {
  const app = new App({
    context: {
      rulesDir: 'rules',
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...context,
    },
  });
  const stack = buildApp(app, { cwd: ROOT, nag: options.nag ?? false });
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Invokes the `handler` of a bundled Lambda (`outfile`) on `event` in a fresh Node process, with the
 * AWS SDK pointed at local stand-ins through its endpoint-override variables: DynamoDB at `dynamo`
 * (a dynalite endpoint), SNS at a loopback server on `snsPort`. Returns what the handler resolved
 * and its JSON log lines (stdout).
 */
export async function invokeBundle(outfile: string, event: unknown, local: { dynamo: { client: { config: { endpoint?: () => Promise<{ hostname: string; port?: number }> } }; tableName: string }; snsPort: number; requestId: string; env?: Record<string, string> }): Promise<{ result: unknown; logs: Array<Record<string, unknown>> }> {
  const script = `require(${JSON.stringify(outfile)}).handler(${JSON.stringify(event)}, { awsRequestId: ${JSON.stringify(local.requestId)} })
    .then((r) => process.stderr.write('RESULT ' + JSON.stringify(r) + '\\n'), (e) => { process.stderr.write('ERROR ' + e.message + '\\n'); process.exitCode = 1; });`;
  const endpoint = await (local.dynamo.client.config.endpoint as () => Promise<{ hostname: string; port?: number }>)();
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts',
      TABLE_NAME: local.dynamo.tableName,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`,
      AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${local.snsPort}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...local.env,
    },
  });
  const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`bundle failed: ${stderr}`);
  return { result: JSON.parse(line.slice(7)), logs: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
