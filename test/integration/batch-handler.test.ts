/**
 * The SQS batch path of the evaluate Lambda: each message's EventBridge event through the same
 * handler as the async path, with partial-batch failure reporting. Detection state and delivery
 * records on dynalite; SNS through aws-sdk-client-mock with exact parameters (no stand-in exists).
 * Proves: a poison message (not JSON, not an event) is acknowledged, a transient failure (publish,
 * detection state) is reported for that message only, a retry sends nothing twice and counts
 * nothing twice, and a batch's threshold and distinct-count windows fire once each, even with the
 * batch's messages evaluated concurrently and delivered twice.
 */
import { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { DynamoStateStore } from '../../functions/adapters/detection-state/dynamo-state-store';
import { DynamoIdempotencyStore } from '../../functions/adapters/idempotency-store';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { DetectStage } from '../../functions/core/detect/stage';
import { MemoryStateStore } from '../../functions/core/detect/state-store';
import { Evaluator } from '../../functions/core/match/evaluator';
import { snsPublishParams } from '../../functions/core/publish/sns-message';
import type { Alert } from '../../functions/core/common/types';
import { createBatchHandler, isSqsBatch } from '../../functions/evaluate/batch';
import { createHandler } from '../../functions/evaluate/handler';
import { call, search, statefulPack, T0 } from '../helpers/detection-state-fixtures';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts';
const sns = mockClient(SNSClient);
const pack = statefulPack();
let dynamo: LocalDynamo;
let logs: Array<Record<string, unknown>>;

beforeAll(async () => {
  dynamo = await startDynamo('batch-test');
});
afterAll(() => dynamo.close());
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = [];
});

let run = 0;
/** A fresh handler pair (fresh idempotency keys and state prefix), as functions/evaluate/index.ts wires it. */
function setup(options: { state?: 'up' | 'down'; id?: number } = {}) {
  const id = options.id ?? run++;
  const logger = pino({ base: undefined, messageKey: 'message' }, new Writable({ write(c, _e, cb) { logs.push(JSON.parse(String(c)) as Record<string, unknown>); cb(); } }));
  const down = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const state = new DynamoStateStore(options.state === 'down' ? down : dynamo.client, { tableName: dynamo.tableName, prefix: `detect${id}#`, now: () => T0 + 600_000 }); // the fixtures' events happened minutes ago
  const evaluate = createHandler({
    evaluator: new Evaluator(pack, { copies: 'each' }),
    logger,
    channels: () => [{ name: `sns-${id}`, publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC) }],
    store: () => new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName }),
    detection: () => state,
  });
  return { batch: createBatchHandler({ evaluate, logger }), evaluate, id };
}

const message = (messageId: string, event: unknown) => ({ messageId, receiptHandle: `rh-${messageId}`, body: typeof event === 'string' ? event : JSON.stringify(event), attributes: { ApproximateReceiveCount: '1' }, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:q' });
const batchOf = (...messages: ReturnType<typeof message>[]) => ({ Records: messages });
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput);
const publishedRules = () => published().map((p) => p.MessageAttributes?.ruleId?.StringValue).sort();

/** What replay's detect stage (in memory, events in order) makes of the same events: the reference. */
async function reference(events: unknown[]): Promise<Alert[]> {
  const evaluator = new Evaluator(pack, { copies: 'each' });
  const stage = new DetectStage(new MemoryStateStore(() => 0), pack.rules);
  const out: Alert[] = [];
  for (const e of events) {
    const ev = await evaluator.evaluate(e);
    out.push(...ev.alerts.filter((a) => a.ruleId !== 'change-from-new-network'));
    out.push(...(await stage.push(ev.selections ?? [])).alerts);
  }
  out.push(...(await stage.flush()).alerts);
  return out;
}

describe('the SQS batch handler', () => {
  it('tells SQS batches from single EventBridge events', () => {
    expect(isSqsBatch(batchOf(message('a', search(0))))).toBe(true);
    expect(isSqsBatch(search(0))).toBe(false);
    expect(isSqsBatch({ Records: [] })).toBe(false);
    expect(isSqsBatch({ Records: [{ eventSource: 'aws:sns' }] })).toBe(false);
  });

  it('acknowledges poison messages, retries only the message whose publish failed, and sends nothing twice on the retry', async () => {
    const { batch, id } = setup();
    const deleted = call(10, { eventName: 'DeleteCollection', readOnly: false, requestParameters: { collectionId: `c${id}` } });
    const failing = call(20, { eventName: 'DeleteCollection', readOnly: false, requestParameters: { collectionId: 'fails' }, principal: 'arn:aws:iam::111122223333:user/mallory' });
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      if (String(input.Message).includes('mallory')) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      return { MessageId: 'm-1' };
    });
    const b = batchOf(message('m1', deleted), message('m2', '{not json'), message('m3', { hello: 'world' }), message('m4', failing), message('m5', search(30)));
    expect(await batch(b, { awsRequestId: 'r1' })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm4' }] });
    const expected = (await new Evaluator(pack, { copies: 'each' }).evaluate(deleted)).alerts.find((a) => a.ruleId === 'collection-deleted')!;
    expect(published().filter((p) => !String(p.Message).includes('mallory'))).toEqual([{ TopicArn: TOPIC, ...snsPublishParams(expected) }]);
    expect(logs.find((l) => l.message === 'message body is not JSON; acknowledged (it would fail on every retry)')).toMatchObject({ messageId: 'm2', requestId: 'r1' });
    expect(logs.find((l) => l.message === 'malformed event dropped')).toBeDefined();
    expect(logs.find((l) => l.message === 'event failed; SQS retries this message only')).toMatchObject({ messageId: 'm4', receiveCount: '1', err: expect.stringContaining('Rate exceeded') });
    expect(logs.find((l) => l.BatchMessages === 5)).toMatchObject({ MalformedEvents: 1, BatchItemFailures: 1 });

    // SQS redelivers m4 only; and a duplicate of m1 arrives with it. m1 is not sent again.
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    expect(await batch(batchOf(message('m4', failing), message('m1', deleted)), { awsRequestId: 'r2' })).toEqual({ batchItemFailures: [] });
    expect(published()).toHaveLength(1);
    expect(published()[0]!.Message).toContain('mallory');
  });

  it('fires a threshold and a distinct-count window once each for a batch evaluated concurrently and delivered twice', async () => {
    const { batch, id } = setup();
    const principal = `arn:aws:iam::111122223333:user/scanner-${id}`;
    const events = Array.from({ length: 20 }, (_, i) => search(i * 5, `coll-${i % 4}`, { principal }));
    const messages = events.map((e, i) => message(`s${i}`, e));
    const first = await batch(batchOf(...messages), { awsRequestId: 'r1' });
    expect(first).toEqual({ batchItemFailures: [] });
    expect(publishedRules()).toEqual(['bulk-face-search', 'many-collections-searched']);
    // The whole batch again (a redrive, or SQS at-least-once): no new alert, nothing counted twice.
    expect(await batch(batchOf(...messages.reverse()), { awsRequestId: 'r2' })).toEqual({ batchItemFailures: [] });
    expect(publishedRules()).toEqual(['bulk-face-search', 'many-collections-searched']);
  });

  it('delivers exactly what the in-memory detect stage gives for the same events in order, with exact SNS parameters', async () => {
    const { batch, id } = setup();
    const principal = `arn:aws:iam::111122223333:user/ordered-${id}`;
    const events = [search(0, 'a', { principal }), search(60, 'b', { principal }), search(90, 'b', { principal }), search(400, 'c', { principal }), search(410, 'a', { principal }), search(420, 'a', { principal })];
    for (const [i, e] of events.entries()) expect(await batch(batchOf(message(`o${i}`, e)))).toEqual({ batchItemFailures: [] });
    const want = await reference(events);
    expect(want.map((a) => [a.ruleId, a.threshold?.windowStart])).toEqual([
      ['bulk-face-search', '2026-11-30T10:00:00.000Z'],
      ['many-collections-searched', '2026-11-30T10:00:00.000Z'],
      ['bulk-face-search', '2026-11-30T10:06:40.000Z'],
    ]);
    expect(published()).toEqual(want.map((a) => ({ TopicArn: TOPIC, ...snsPublishParams(a) })));
  });

  it('takes a batch in event-time order, so its windows are the ones replay finds whatever order SQS delivered', async () => {
    const { batch, id } = setup();
    const principal = `arn:aws:iam::111122223333:user/unordered-${id}`;
    // Five searches within one window: in arrival order (reversed) the window would open at the last one.
    const events = [0, 10, 20, 30, 40].map((t) => search(t, 'a', { principal }));
    const reversed = [...events].reverse().map((e, i) => message(`u${i}`, e));
    expect(await batch(batchOf(...reversed))).toEqual({ batchItemFailures: [] });
    const want = (await reference(events)).filter((a) => a.ruleId === 'bulk-face-search');
    expect(want.map((a) => a.threshold?.windowStart)).toEqual(['2026-11-30T10:00:00.000Z']);
    expect(published()).toEqual(want.map((a) => ({ TopicArn: TOPIC, ...snsPublishParams(a) })));
  });

  it('fails open when detection state is down: delivers the stateless alert, logs and counts the failure, retries the message; the retry applies the state once', async () => {
    const broken = setup({ state: 'down' });
    const principal = `arn:aws:iam::111122223333:user/fail-open-${broken.id}`;
    const seen = call(0, { eventName: 'DescribeCollection', readOnly: true, principal, requestParameters: { collectionId: 'x' } });
    const deleted = call(60, { eventName: 'DeleteCollection', readOnly: false, principal, sourceIPAddress: '203.0.113.99', requestParameters: { collectionId: 'x' } });
    expect(await broken.batch(batchOf(message('d1', deleted)), { awsRequestId: 'r1' })).toEqual({ batchItemFailures: [{ itemIdentifier: 'd1' }] });
    expect(publishedRules()).toEqual(['collection-deleted']);
    const eventId = (deleted.detail as { eventID: string }).eventID;
    expect(logs.find((l) => l.step === 'firstSeen')).toMatchObject({ level: 50, stateEventId: eventId, message: 'could not read first-seen state; firstSeen is unknown for this event (its conditions are false); retrying the event' });
    expect(logs.some((l) => l.DetectionStateErrors === 1 && l.Step === 'firstSeen')).toBe(true);
    expect(logs.find((l) => l.messageId === 'd1')).toMatchObject({ err: expect.stringMatching(/^StateUnavailableError: detection state unavailable for firstSeen/) });

    // State back (the same store a retry reaches): the principal was seen before from another network.
    const { batch } = setup({ id: broken.id });
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    expect(await batch(batchOf(message('p', seen)))).toEqual({ batchItemFailures: [] });
    expect(await batch(batchOf(message('d1', deleted)))).toEqual({ batchItemFailures: [] });
    // Retried: the stateless alert is not sent again (its claim), the firstSeen rule now fires once.
    expect(publishedRules()).toEqual(['change-from-new-network']);
    // Once more (SQS at-least-once): the event that introduced the network still gets firstSeen true, and its alert is already sent.
    expect(await batch(batchOf(message('d1', deleted)))).toEqual({ batchItemFailures: [] });
    expect(publishedRules()).toEqual(['change-from-new-network']);
  });

  it('reports a threshold selection it could not apply with its rule and event ids, and retries the message', async () => {
    const { batch } = setup({ state: 'down' });
    const ev = search(0, 'a');
    expect(await batch(batchOf(message('t1', ev)))).toEqual({ batchItemFailures: [{ itemIdentifier: 't1' }] });
    const eventId = (ev.detail as { eventID: string }).eventID;
    const failures = logs.filter((l) => l.step === 'threshold').map((l) => [l.ruleId, l.stateEventId]);
    expect(failures.sort()).toEqual([['bulk-face-search', eventId], ['many-collections-searched', eventId]]);
    expect(published()).toEqual([]);
  });

  it('acknowledges what is not an SQS batch at all, or a record without an id, instead of throwing', async () => {
    const { batch } = setup();
    expect(await batch({ Records: 'no' })).toEqual({ batchItemFailures: [] });
    expect(await batch({ Records: [{ body: '{}' }, message('ok', search(0, 'z'))] })).toEqual({ batchItemFailures: [] });
    expect(logs.find((l) => l.message === 'SQS record without a messageId or body; acknowledged')).toBeDefined();
  });
});
