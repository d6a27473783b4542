/** `rekwatch redrive` against SQS and Lambda through aws-sdk-client-mock, asserting exact requests. */
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { regionOfQueueUrl } from '../../functions/cli/main';
import { parseDeadLetter } from '../../functions/core/publish/dlq-message';
import { runCli } from '../helpers/cli';
import { envelope, record } from '../helpers/records';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/rekwatch-dlq';
const ROOT = join(__dirname, '..', '..');
const sqsMock = mockClient(SQSClient);
const lambdaMock = mockClient(LambdaClient);

const event = envelope(record({ eventName: 'DeleteCollection', readOnly: false, eventID: 'dlq-1', requestParameters: { collectionId: 'employees' } }));
const lambdaFailure = {
  version: '1.0',
  timestamp: '2026-11-20T09:20:00.000Z',
  requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:rekwatch-evaluate:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  requestPayload: event,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'DeliveryError', errorMessage: '1 alert delivery failed' },
};

const slackAlert = {
  id: 'collection-deleted-without-mfa:dlq-1', ruleId: 'collection-deleted-without-mfa', ruleName: 'Collection deleted without MFA', severity: 'high',
  title: 't', description: 'd', eventId: 'dlq-1', eventName: 'DeleteCollection', eventSource: 'rekognition.amazonaws.com', eventTime: '2026-11-20T09:20:00Z',
  account: '111122223333', region: 'us-east-1', principal: 'arn:aws:iam::111122223333:user/a', principalType: 'IAMUser', sourceIp: '203.0.113.9', userAgent: 'cli',
  mfaAuthenticated: false, errorCode: null, consoleUrl: 'https://console.aws.amazon.com/cloudtrail', runbook: null, tags: [], record: {}, recordTruncated: false,
};

async function run(args: string[]) {
  return runCli(args, { cwd: ROOT, aws: async () => ({ sqs: new SQSClient({ region: 'us-east-1' }), lambda: new LambdaClient({ region: 'us-east-1' }) }) });
}

beforeEach(() => {
  sqsMock.reset();
  lambdaMock.reset();
});

describe('dead-letter messages', () => {
  it('recognises EventBridge target DLQ messages and Lambda on-failure records', () => {
    expect(parseDeadLetter(JSON.stringify(event), { ERROR_CODE: 'SDKClientException', ERROR_MESSAGE: 'Rate exceeded' })).toEqual({ ok: true, event, source: 'eventbridge', reason: 'SDKClientException: Rate exceeded' });
    expect(parseDeadLetter(JSON.stringify(lambdaFailure))).toEqual({ ok: true, event, source: 'lambda', reason: 'RetriesExhausted: DeliveryError 1 alert delivery failed' });
    expect(parseDeadLetter('nope')).toMatchObject({ ok: false });
    expect(parseDeadLetter('{"a":1}')).toEqual({ ok: false, reason: 'neither an EventBridge event, a Lambda failure record nor an SNS notification' });
  });

  it("recognises the Slack forwarder's dead letters: its failure records, SNS notifications and bare alert messages", () => {
    const alertMessage = JSON.stringify(slackAlert);
    const notification = { Type: 'Notification', MessageId: 'n-1', TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts', Message: alertMessage };
    const snsEvent = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: notification }] };
    const failure = { ...lambdaFailure, requestPayload: snsEvent, responsePayload: { errorType: 'ForwardError', errorMessage: 'Slack answered 500' } };
    expect(parseDeadLetter(JSON.stringify(failure))).toEqual({ ok: true, event: snsEvent, source: 'lambda', reason: 'RetriesExhausted: ForwardError Slack answered 500' });
    expect(parseDeadLetter(JSON.stringify(notification))).toEqual({ ok: true, event: snsEvent, source: 'sns', reason: 'SNS could not deliver to the subscriber' });
    expect(parseDeadLetter(alertMessage, { ERROR_MESSAGE: 'Lambda throttled' })).toEqual({
      ok: true,
      event: { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', Message: alertMessage } }] },
      source: 'sns',
      reason: 'SNS could not deliver to the subscriber: Lambda throttled',
    });
  });
});

describe('rekwatch redrive', () => {
  it('takes the region from the queue URL, so no AWS_REGION is needed', () => {
    expect(regionOfQueueUrl(QUEUE)).toBe('us-east-1');
    expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/1/q')).toBe('cn-north-1');
    expect(regionOfQueueUrl('http://localhost:9324/q')).toBeUndefined();
  });

  it('re-invokes the function with each original event and deletes only what was handed over', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'm1', ReceiptHandle: 'h1', Body: JSON.stringify(lambdaFailure) },
          { MessageId: 'm2', ReceiptHandle: 'h2', Body: JSON.stringify(event), MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'SDKClientException' } } },
          { MessageId: 'm3', ReceiptHandle: 'h3', Body: 'garbage' },
        ],
      })
      .resolves({ Messages: [] });
    lambdaMock.on(InvokeCommand).resolvesOnce({ StatusCode: 202 }).rejectsOnce(new Error('TooManyRequestsException'));
    sqsMock.on(DeleteMessageCommand).resolves({});

    const res = await run(['redrive', '--queue-url', QUEUE, '--function', 'rekwatch-evaluate']);
    expect(res.code).toBe(1);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: QUEUE, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60, MessageAttributeNames: ['All'] });
    const invokes = lambdaMock.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes).toHaveLength(2);
    expect(invokes[0]).toMatchObject({ FunctionName: 'rekwatch-evaluate', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invokes[0]!.Payload as Uint8Array).toString())).toEqual(event);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: QUEUE, ReceiptHandle: 'h1' }]);
    expect(res.stdout).toContain('redriven event dlq-1 (failed before: RetriesExhausted: DeliveryError 1 alert delivery failed)');
    expect(res.stderr).toContain('message m2: redrive failed: TooManyRequestsException (left in the queue)');
    expect(res.stderr).toContain('message m3: cannot redrive: body is not JSON');
    expect(JSON.parse(res.stderr.trim().split('\n').pop() as string)).toEqual({ received: 3, redriven: 1, unreadable: 1, alerts: 0, failed: 1 });
  });

  it('--dry-run evaluates locally with the rules and deletes nothing', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1', Body: JSON.stringify(lambdaFailure) }] }).resolves({});
    const res = await run(['redrive', '--queue-url', QUEUE, '--dry-run']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toEqual({ messageId: 'm1', eventId: 'dlq-1', failedBecause: 'RetriesExhausted: DeliveryError 1 alert delivery failed', status: 'evaluated', alerts: ['collection-deleted-without-mfa:dlq-1'] });
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('requires --function unless --dry-run', async () => {
    const res = await run(['redrive', '--queue-url', QUEUE]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--function NAME is required');
  });
});

describe('rekwatch redrive of the Slack dead-letter queue', () => {
  it('re-invokes the Slack forwarder with the SNS event and names the alert', async () => {
    const notification = { Type: 'Notification', MessageId: 'n-1', Message: JSON.stringify(slackAlert) };
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1', Body: JSON.stringify(notification) }] }).resolves({ Messages: [] });
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    sqsMock.on(DeleteMessageCommand).resolves({});
    const res = await run(['redrive', '--queue-url', QUEUE, '--function', 'rekwatch-slack']);
    expect(res.code).toBe(0);
    const invoke = lambdaMock.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke).toMatchObject({ FunctionName: 'rekwatch-slack', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual({ Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: notification }] });
    expect(sqsMock.commandCalls(DeleteMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: QUEUE, ReceiptHandle: 'h1' });
    expect(res.stdout).toContain('redriven alert collection-deleted-without-mfa:dlq-1 (failed before: SNS could not deliver to the subscriber)');
  });
});

describe('AWS set-up errors', () => {
  it('reports missing credentials in one line (dry run too), deletes nothing and exits 1', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    for (const args of [['--dry-run'], ['--function', 'rekwatch-evaluate']]) {
      sqsMock.reset();
      sqsMock.on(ReceiveMessageCommand).rejects(noCredentials);
      const out = await run(['redrive', '--queue-url', QUEUE, ...args]);
      expect(out.code).toBe(1);
      expect(out.stderr).toBe('rekwatch redrive: CredentialsProviderError: Could not load credentials from any providers (set AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or aws sso login)\n');
      expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    }
  });

  it('reports an AWS service error (no such queue) in one line', async () => {
    sqsMock.on(ReceiveMessageCommand).rejects(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } }));
    const out = await run(['redrive', '--queue-url', QUEUE, '--dry-run']);
    expect(out).toEqual({ code: 1, stdout: '', stderr: 'rekwatch redrive: QueueDoesNotExist: The specified queue does not exist.\n' });
  });
});
