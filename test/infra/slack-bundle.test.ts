/**
 * The Slack forwarder as deployed: its esbuild bundle (external AWS SDK, as NodejsFunction builds
 * it) in a fresh process, reading the webhook URL from a loopback stand-in for the Secrets Manager
 * API, keeping idempotency keys in dynalite, and posting to a loopback Slack webhook. And the
 * evaluate bundle publishing Chatbot-formatted alerts to a Chatbot topic on a loopback SNS endpoint.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { snsPublishParams } from '../../functions/core/sns-message';
import { bundle, MATCH_EVENT } from '../../bench/lambda';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { packAlerts } from '../unit/format/fixtures';
import { ROOT } from './helpers';

const run = promisify(execFile);
const WEBHOOK_PATH = '/services/T000/B000/BUNDLESECRET';

interface Seen { headers: IncomingHttpHeaders; body: string; path: string }

function loopback(answer: (req: Seen) => { status?: number; type?: string; body: string }): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      const r = { headers: req.headers, body, path: req.url ?? '' };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json' });
      res.end(a.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

let dynamo: LocalDynamo;
let slack: Awaited<ReturnType<typeof loopback>>;
let secrets: Awaited<ReturnType<typeof loopback>>;
let sns: Awaited<ReturnType<typeof loopback>>;
let slackBundle: string;
let evaluateBundle: string;

beforeAll(async () => {
  slackBundle = join(ROOT, 'bench', '.data', 'slack-bundle', 'index.js');
  buildSync({ entryPoints: [join(ROOT, 'functions', 'slack', 'index.ts')], outfile: slackBundle, bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', external: ['@aws-sdk/*'], logLevel: 'silent' });
  evaluateBundle = bundle(loadRulesDir(join(ROOT, 'rules')).pack);
  dynamo = await startDynamo('slack-bundle-test');
  slack = await loopback(() => ({ type: 'text/plain', body: 'ok' }));
  secrets = await loopback(() => ({
    type: 'application/x-amz-json-1.1',
    body: JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rekwatch/slack-AbCdEf', Name: 'rekwatch/slack', SecretString: JSON.stringify({ webhookUrl: `${slack.url}${WEBHOOK_PATH}` }), VersionId: 'v1' }),
  }));
  sns = await loopback((r) =>
    String(r.headers['content-type']).includes('json')
      ? { type: 'application/x-amz-json-1.0', body: JSON.stringify({ MessageId: 'local-1' }) }
      : { type: 'text/xml', body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>' },
  );
});

afterAll(async () => {
  await dynamo.close();
  for (const s of [slack, secrets, sns]) await new Promise<void>((r) => s.server.close(() => r()));
});

async function invoke(file: string, event: unknown, env: Record<string, string>) {
  const script = `const { handler } = require(${JSON.stringify(file)}); (async () => { for (const e of ${JSON.stringify([event, event])}) {
    await handler(e, { awsRequestId: 'bundle-req' }).then((r) => process.stderr.write('RESULT ' + JSON.stringify(r) + '\\n'), (err) => process.stderr.write('ERROR ' + err.message + '\\n')); } })();`;
  const endpoint = await dynamo.client.config.endpoint!();
  const { stdout, stderr } = await run(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      TABLE_NAME: dynamo.tableName,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  return { results: stderr.split('\n').filter((l) => /^(RESULT|ERROR) /.test(l)), stdout };
}

test('the bundled forwarder reads the secret once, posts Block Kit to the webhook once, and never logs the URL', async () => {
  const alert = (await packAlerts()).cases.find((c) => c.ruleId === 'collection-deleted-without-mfa')!.alert;
  const message = (JSON.parse(snsPublishParams(alert).Message) as Record<string, string>).lambda!;
  const event = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', MessageId: 'm-1', Message: message } }] };
  const { results, stdout } = await invoke(slackBundle, event, { WEBHOOK_SECRET_ID: 'rekwatch/slack', AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url });
  expect(results).toEqual(['RESULT {"posted":1,"skipped":0}', 'RESULT {"posted":0,"skipped":1}']);
  expect(secrets.seen).toHaveLength(1);
  expect(secrets.seen[0]!.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
  expect(JSON.parse(secrets.seen[0]!.body)).toEqual({ SecretId: 'rekwatch/slack' });
  expect(slack.seen).toHaveLength(1);
  expect(slack.seen[0]!.path).toBe(WEBHOOK_PATH);
  const payload = JSON.parse(slack.seen[0]!.body) as { text: string; blocks: Array<{ type: string }> };
  expect(payload.blocks[0]!.type).toBe('header');
  expect(payload.text).toContain('Face collection deleted without MFA');
  expect(stdout).toContain('alert posted to Slack');
  expect(stdout).not.toContain('BUNDLESECRET');
});

test('the bundled evaluate function publishes a Chatbot custom notification to the Chatbot topic, within the severity filter', async () => {
  const before = sns.seen.length;
  const { results } = await invoke(evaluateBundle, { ...MATCH_EVENT, detail: { ...(MATCH_EVENT.detail as Record<string, unknown>), eventID: 'chatbot-1' } }, {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts',
    CHATBOT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-chatbot',
    CHATBOT_SEVERITIES: 'critical,high',
    AWS_ENDPOINT_URL_SNS: sns.url,
  });
  expect(results).toEqual(['RESULT {"alerts":1,"delivered":2,"skipped":0}', 'RESULT {"alerts":1,"delivered":0,"skipped":2}']);
  const bodies = sns.seen.slice(before).map((s) => (String(s.headers['content-type']).includes('json') ? (JSON.parse(s.body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(s.body))));
  expect(bodies).toHaveLength(2);
  const chatbot = bodies.find((b) => b.TopicArn === 'arn:aws:sns:us-east-1:111122223333:rekwatch-chatbot')!;
  const notification = JSON.parse(chatbot.Message!) as { version: string; source: string; content: { textType: string; title: string } };
  expect(notification).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
  expect(notification.content.title).toContain('Face collection deleted without MFA');

  const low = await invoke(evaluateBundle, { ...MATCH_EVENT, detail: { ...(MATCH_EVENT.detail as Record<string, unknown>), eventID: 'chatbot-2' } }, {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts',
    CHATBOT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-chatbot',
    CHATBOT_SEVERITIES: 'critical',
    AWS_ENDPOINT_URL_SNS: sns.url,
  });
  expect(low.results[0]).toBe('RESULT {"alerts":1,"delivered":1,"skipped":0}');
});
