/**
 * The Lambda functions as deployed: esbuild bundles (external AWS SDK, as NodejsFunction builds
 * them) run in fresh processes against loopback stand-ins: dynalite for DynamoDB, a Secrets Manager
 * API answering GetSecretValue, an SNS endpoint and a Slack webhook. Covers the Slack forwarder, the
 * evaluate function's Chatbot publishing and mute links, and the mute page behind its function URL.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { buildSync } from 'esbuild';
import { ensureStateTable } from '../../functions/adapters/state-table';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { snsPublishParams } from '../../functions/core/publish/sns-message';
import { bundle, MATCH_EVENT } from '../../bench/lambda';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { loopback, type Loopback } from '../helpers/loopback';
import { packAlerts } from '../unit/format/fixtures';
import { ROOT } from './helpers';

const run = promisify(execFile);
const WEBHOOK_PATH = '/services/T000/B000/BUNDLESECRET';
const LINK_KEY = 'k'.repeat(20) + 'LINKKEYSECRETVALUE' + 'q'.repeat(26);

let dynamo: LocalDynamo;
let slack: Loopback;
let secrets: Loopback;
let sns: Loopback;
let slackBundle: string;
let evaluateBundle: string;

beforeAll(async () => {
  slackBundle = join(ROOT, 'bench', '.data', 'slack-bundle', 'index.js');
  buildSync({ entryPoints: [join(ROOT, 'functions', 'slack', 'index.ts')], outfile: slackBundle, bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', external: ['@aws-sdk/*'], logLevel: 'silent' });
  evaluateBundle = bundle(loadRulesDir(join(ROOT, 'rules')).pack);
  dynamo = await startDynamo('slack-bundle-test');
  slack = await loopback(() => ({ type: 'text/plain', body: 'ok' }));
  secrets = await loopback((r) => {
    const id = (JSON.parse(r.body) as { SecretId: string }).SecretId;
    const value = id === 'rekwatch/link-key' ? LINK_KEY : JSON.stringify({ webhookUrl: `${slack.url}${WEBHOOK_PATH}` });
    return { type: 'application/x-amz-json-1.1', body: JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${id}-AbCdEf`, Name: id, SecretString: value, VersionId: 'v1' }) };
  });
  sns = await loopback((r) =>
    String(r.headers['content-type']).includes('json')
      ? { type: 'application/x-amz-json-1.0', body: JSON.stringify({ MessageId: 'local-1' }) }
      : { type: 'text/xml', body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>' },
  );
});

afterAll(async () => {
  await dynamo.close();
  for (const s of [slack, secrets, sns]) await s.close();
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
  const message = (JSON.parse(snsPublishParams(alert).Message) as Record<string, string>).default!;
  const event = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', MessageId: 'm-1', Message: message } }] };
  const { results, stdout } = await invoke(slackBundle, event, { WEBHOOK_SECRET_ID: 'rekwatch/slack', AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url });
  expect(results).toEqual(['RESULT {"posted":1,"skipped":0}', 'RESULT {"posted":0,"skipped":1}']);
  expect(secrets.seen.filter((r) => r.body.includes('rekwatch/slack'))).toHaveLength(1);
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

test('the bundled evaluate function signs mute links to the mute page into the alert, with the key from Secrets Manager', async () => {
  const before = sns.seen.length;
  const { results, stdout } = await invoke(evaluateBundle, { ...MATCH_EVENT, detail: { ...(MATCH_EVENT.detail as Record<string, unknown>), eventID: 'links-1' } }, {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts',
    MUTE_URL: 'https://abc123.lambda-url.us-east-1.on.aws/',
    LINK_KEY_SECRET_ID: 'rekwatch/link-key',
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
  });
  expect(results[0]).toBe('RESULT {"alerts":1,"delivered":1,"skipped":0}');
  const body = sns.seen[before]!;
  const params = String(body.headers['content-type']).includes('json') ? (JSON.parse(body.body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(body.body));
  const message = JSON.parse(params.Message!) as Record<string, string>;
  const alert = JSON.parse(message.default!) as { muteLinks: Array<{ label: string; url: string }> };
  expect(alert.muteLinks.map((l) => l.label)).toEqual(['Mute this rule 1 h', 'Mute this rule 24 h', 'Mute for this principal 24 h']);
  const token = new URL(alert.muteLinks[0]!.url).searchParams.get('t')!;
  const { verifyMuteLink } = await import('../../functions/core/suppress/mute-links/token');
  expect(verifyMuteLink(token, Buffer.from(LINK_KEY), Date.now())).toMatchObject({ ok: true, payload: { r: 'collection-deleted-without-mfa', d: 3_600_000 } });
  expect(message.email).toContain('Mute this rule 24 h: https://abc123.lambda-url.us-east-1.on.aws/mute?t=');
  expect(stdout).not.toContain('LINKKEYSECRETVALUE');
});

test('the bundled mute page confirms a signed link: GET asks, POST with its cookie creates the mute in the table', async () => {
  const pageBundle = join(ROOT, 'bench', '.data', 'mute-page-bundle', 'index.js');
  buildSync({ entryPoints: [join(ROOT, 'functions', 'mute-page', 'index.ts')], outfile: pageBundle, bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', external: ['@aws-sdk/*'], define: { __REKWATCH_RULE_NAMES__: JSON.stringify(JSON.stringify([['collection-deleted-without-mfa', 'Face collection deleted without MFA']])) }, logLevel: 'silent' });
  const { signMuteLink } = await import('../../functions/core/suppress/mute-links/token');
  const token = signMuteLink({ v: 1, r: 'collection-deleted-without-mfa', d: 3_600_000, x: Date.now() + 60_000, a: 'collection-deleted-without-mfa:x' }, Buffer.from(LINK_KEY));
  const endpoint = await dynamo.client.config.endpoint!();
  const script = `const { handler } = require(${JSON.stringify(pageBundle)}); (async () => {
    const host = 'abc123.lambda-url.us-east-1.on.aws';
    const ask = await handler({ rawPath: '/mute', rawQueryString: 't=${token}', headers: { host }, requestContext: { http: { method: 'GET' } } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(ask.body)[1];
    const cookie = ask.cookies[0].split(';')[0];
    const body = Buffer.from(new URLSearchParams({ t: '${token}', csrf, reason: 'noisy', by: 'bob' }).toString()).toString('base64');
    const done = await handler({ rawPath: '/mute', headers: { host, origin: 'https://' + host, 'content-type': 'application/x-www-form-urlencoded' }, cookies: [cookie], body, isBase64Encoded: true, requestContext: { http: { method: 'POST' } } });
    const forged = await handler({ rawPath: '/mute', rawQueryString: 't=${token.slice(0, -2)}xx', headers: { host }, requestContext: { http: { method: 'GET' } } });
    process.stderr.write('RESULT ' + JSON.stringify({ ask: ask.statusCode, askText: ask.body.includes('Face collection deleted without MFA'), secure: ask.cookies[0].includes('Secure'), done: done.statusCode, location: done.headers.location, forged: forged.statusCode }) + '\\n');
  })();`;
  const { stderr } = await run(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH, TABLE_NAME: dynamo.tableName, LINK_KEY_SECRET_ID: 'rekwatch/link-key', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const result = JSON.parse(stderr.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as Record<string, unknown>;
  expect(result).toMatchObject({ ask: 200, askText: true, secure: true, done: 303, forged: 400 });
  expect(String(result.location)).toMatch(/^muted\?id=m-/);
  const { MuteStore } = await import('../../functions/adapters/mute-store');
  const live = await new MuteStore(dynamo.client, { tableName: dynamo.tableName }).live();
  expect(live).toEqual([expect.objectContaining({ ruleId: 'collection-deleted-without-mfa', reason: 'noisy', createdBy: 'bob (via a mute link)' })]);
});

test('the bundled evaluate function does not apply a live-set entry without audit record: it delivers, and logs the problem', async () => {
  const table = 'forged-mutes-bundle-test';
  await ensureStateTable(dynamo.client, table);
  const forged = { id: 'm-forged2222', ruleId: '*', scope: {}, reason: 'nothing to see', createdBy: 'x', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
  await dynamo.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'mutes' }, version: { N: '1' }, mutes: { S: JSON.stringify([forged]) } } }));
  const { results, stdout } = await invoke(evaluateBundle, { ...MATCH_EVENT, detail: { ...(MATCH_EVENT.detail as Record<string, unknown>), eventID: 'forged-1' } }, {
    TABLE_NAME: table,
    TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts',
    AWS_ENDPOINT_URL_SNS: sns.url,
  });
  expect(results[0]).toBe('RESULT {"alerts":1,"delivered":1,"skipped":0}');
  const problem = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.muteId === 'm-forged2222');
  expect(problem).toMatchObject({ level: 50, message: 'mute store problem: an entry is not applied (see rekwatch mutes)', problem: expect.stringContaining('no audit record') });
  expect(stdout).not.toContain('alert suppressed by a mute');
});
