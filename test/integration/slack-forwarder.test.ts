/**
 * The Slack forwarder Lambda's handler against real stand-ins: a loopback HTTP server playing the
 * Slack incoming webhook, and dynalite for the idempotency store. The SNS event is built from the
 * exact message the evaluate function publishes (snsPublishParams), as SNS delivers it to Lambda.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import type { SNSEvent } from 'aws-lambda';
import pino from 'pino';
import { DynamoIdempotencyStore } from '../../functions/adapters/idempotency-store';
import { snsPublishParams } from '../../functions/core/publish/sns-message';
import { slackLimitProblems } from '../../functions/core/format/slack-limits';
import type { Alert } from '../../functions/core/common/types';
import { webhookUrlFromSecret } from '../../functions/core/deliver/webhook-secret';
import { createSlackForwarder } from '../../functions/slack/handler';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { loopback, type Answer, type Loopback } from '../helpers/loopback';
import { hostileAlert, packAlerts } from '../unit/format/fixtures';

let server: Loopback;
let url = '';
const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown>; path: string }> = [];
let answers: Answer[] = [];
let dynamo: LocalDynamo;
let logged = '';
let alert: Alert;

beforeAll(async () => {
  server = await loopback((req) => {
    const answer = answers.shift() ?? { status: 200, type: 'text/plain', body: 'ok' };
    if (answer.status === 200) received.push({ headers: req.headers, body: JSON.parse(req.body) as Record<string, unknown>, path: req.path });
    return answer;
  });
  url = `${server.url}/services/T000/B000/SECRETTOKEN123`;
  dynamo = await startDynamo('slack-forwarder-test');
  alert = (await packAlerts()).cases.find((c) => c.ruleId === 'collection-deleted-without-mfa')!.alert;
});

afterAll(async () => {
  await server.close();
  await dynamo.close();
});

beforeEach(() => {
  received.length = 0;
  answers = [];
  logged = '';
});

function snsEvent(a: Alert | string, messageId = 'msg-1'): SNSEvent {
  // What SNS hands a Lambda subscriber: the `default` key of the MessageStructure-json message (there is no `lambda` key).
  const message = typeof a === 'string' ? a : (JSON.parse(snsPublishParams(a).Message) as Record<string, string>).default;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:alerts:sub',
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts',
          Subject: 'x',
          Message: message!,
          Timestamp: '2026-11-23T00:00:00.000Z',
          SignatureVersion: '1',
          Signature: 'x',
          SigningCertUrl: 'https://example.com',
          UnsubscribeUrl: 'https://example.com',
          MessageAttributes: {},
        },
      },
    ],
  };
}

function forwarder(extra: Partial<Parameters<typeof createSlackForwarder>[0]> = {}) {
  const store = new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName });
  const logger = pino({ base: undefined }, new Writable({ write(c, _e, cb) { logged += String(c); cb(); } }));
  return createSlackForwarder({ webhookUrl: async () => url, store: () => store, logger, retry: { baseMs: 1, maxMs: 5 }, ...extra });
}

function uniqueAlert(suffix: string, base: Alert = alert): Alert {
  return { ...base, id: `${base.id}-${suffix}` };
}

test('posts the Block Kit message to the webhook, once per alert even when SNS delivers it twice', async () => {
  const handler = forwarder();
  const a = uniqueAlert('once');
  await expect(handler(snsEvent(a))).resolves.toEqual({ posted: 1, skipped: 0 });
  await expect(handler(snsEvent(a, 'msg-2'))).resolves.toEqual({ posted: 0, skipped: 1 });
  expect(received).toHaveLength(1);
  const { body, headers, path } = received[0]!;
  expect(path).toBe('/services/T000/B000/SECRETTOKEN123');
  expect(headers['content-type']).toBe('application/json');
  expect(slackLimitProblems(body)).toEqual([]);
  const blocks = body.blocks as Array<Record<string, any>>;
  expect(blocks[0]!.type).toBe('header');
  expect(JSON.stringify(body)).toContain(a.eventId);
});

test('hostile event values arrive escaped: no mention or link injection reaches Slack', async () => {
  await forwarder()(snsEvent(uniqueAlert('hostile', hostileAlert())));
  const text = JSON.stringify(received[0]!.body);
  expect(text).not.toContain('<!channel>');
  expect(text).not.toContain('<@U123>');
  expect(text).not.toContain('<https://evil.example');
});

test('an alert cut to fit the SNS message still reaches Slack, within the limits, saying what was shortened', async () => {
  const a = uniqueAlert('oversized', { ...alert, userAgent: `aws-cli/2 ${'"x"'.repeat(90_000)}`, principal: `arn:aws:iam::111122223333:user/${'p'.repeat(150_000)}` });
  await expect(forwarder()(snsEvent(a))).resolves.toEqual({ posted: 1, skipped: 0 });
  const { body } = received[0]!;
  expect(slackLimitProblems(body)).toEqual([]);
  expect(JSON.stringify(body)).toContain('Shortened to fit the message size limit: `userAgent` `principal`');
  expect(JSON.stringify(body)).toContain(a.eventId);
});

test('429 with Retry-After and 5xx are retried; the alert is posted once', async () => {
  answers = [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '0' } }, { status: 503, body: 'busy' }];
  await expect(forwarder()(snsEvent(uniqueAlert('retry')))).resolves.toEqual({ posted: 1, skipped: 0 });
  expect(received).toHaveLength(1);
  expect(logged).toContain('"attempts":3');
});

test('a failure that outlasts the retries throws (Lambda retries, then the dead-letter queue), releases the claim, and never logs the URL', async () => {
  const a = uniqueAlert('fail');
  answers = Array.from({ length: 4 }, () => ({ status: 500, body: 'oops' }));
  await expect(forwarder()(snsEvent(a))).rejects.toThrow(/Slack deliveries failed: .*answered 500/);
  expect(received).toHaveLength(0);
  // The claim was released: the Lambda retry posts it.
  await expect(forwarder()(snsEvent(a))).resolves.toEqual({ posted: 1, skipped: 0 });
  expect(logged).not.toContain('SECRETTOKEN123');
  expect(logged).toContain('Slack delivery failed');
});

test('a permanent rejection (404 no_service) is not retried in the invocation, and drops the cached secret', async () => {
  answers = [{ status: 404, body: 'no_service' }];
  let rejected = 0;
  await expect(forwarder({ onRejected: () => rejected++ })(snsEvent(uniqueAlert('gone')))).rejects.toThrow(/404 no_service/);
  expect(rejected).toBe(1);
  expect(answers).toHaveLength(0);
  expect(received).toHaveLength(0);
});

test('a message that is not a rekwatch alert is refused with a reason (kept by the dead-letter queue), not posted', async () => {
  await expect(forwarder()(snsEvent('{"hello":"world"}'))).rejects.toThrow(/field "id" is missing/);
  await expect(forwarder()(snsEvent('not json'))).rejects.toThrow(/not JSON/);
  expect(received).toHaveLength(0);
});

test('an unreadable secret fails the invocation with the secret id only', async () => {
  const handler = forwarder({ webhookUrl: async () => Promise.reject(new Error('could not read secret rekwatch/slack: AccessDeniedException: denied')) });
  await expect(handler(snsEvent(uniqueAlert('secret')))).rejects.toThrow(/could not read secret rekwatch\/slack/);
  expect(received).toHaveLength(0);
});

test('a secret without a usable URL is not retried within the invocation, and drops the cached value', async () => {
  let reads = 0;
  let rejected = 0;
  const handler = forwarder({
    webhookUrl: async () => {
      reads++;
      return webhookUrlFromSecret('http://hooks.slack.com/services/T/B/XXXXSECRET', 'rekwatch/slack');
    },
    onRejected: () => rejected++,
  });
  await expect(handler(snsEvent(uniqueAlert('bad-secret')))).rejects.toThrow(/secret rekwatch\/slack: the webhook URL must use https/);
  expect(reads).toBe(1);
  expect(rejected).toBe(1);
  expect(logged).not.toContain('XXXXSECRET');
});
