/**
 * The evaluate Lambda's logic with real-shaped events: SNS and EventBridge through
 * aws-sdk-client-mock (no local stand-in exists; exact request parameters asserted), idempotency
 * against a real DynamoDB API (dynalite on loopback).
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { DynamoIdempotencyStore } from '../../functions/adapters/idempotency-store';
import { EventBridgeAlertPublisher } from '../../functions/adapters/eventbridge-publisher';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { MuteStore } from '../../functions/adapters/mute-store';
import { DynamoDedupeState } from '../../functions/adapters/dedupe-store';
import { cachedMutes, Suppressor } from '../../functions/core/suppress/suppression';
import { Evaluator } from '../../functions/core/match/evaluator';
import { snsPublishParams } from '../../functions/core/publish/sns-message';
import { alertEventEntry } from '../../functions/core/publish/alert-event';
import type { Alert, CloudTrailRecord, RulePack } from '../../functions/core/common/types';
import { createHandler, DeliveryError, type Channel } from '../../functions/evaluate/handler';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { crossAccountCopies, envelope, record, SEED_DETECT_LABELS, SEED_START_LABEL_DETECTION } from '../helpers/records';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts';
const BUS = 'rekwatch-alerts';
const ROOT = join(__dirname, '..', '..');
const pack = loadRulesDir(join(ROOT, 'rules')).pack;

/** The seed document's StartLabelDetection, turned into a collection deletion without MFA. */
const deleteEvent = envelope({ ...SEED_START_LABEL_DETECTION, eventName: 'DeleteCollection', requestParameters: { collectionId: 'employees' }, responseElements: { statusCode: 200 }, eventID: '3f1c2c1e-9d0b-4e55-8a35-5f3f6a3c1e01' });

const sns = mockClient(SNSClient);
const eb = mockClient(EventBridgeClient);
let dynamo: LocalDynamo;
let logs: string[];

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => dynamo.close());
beforeEach(() => {
  sns.reset();
  eb.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  logs = [];
});

let keyPrefix = 0;
function setup(options: { bus?: boolean; rules?: RulePack; now?: () => number } = {}) {
  const prefix = keyPrefix++; // each test gets fresh idempotency keys in the shared table
  const logger = pino({ base: undefined }, new Writable({ write(c, _e, cb) { logs.push(String(c)); cb(); } }));
  const created = { channels: 0, store: 0 };
  const store = new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName, now: options.now });
  const handler = createHandler({
    evaluator: new Evaluator(options.rules ?? pack, { copies: 'each' }), // as functions/evaluate/index.ts
    logger,
    channels: () => {
      created.channels++;
      const chans: Channel[] = [{ name: `sns-${prefix}`, publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC) }];
      if (options.bus) chans.push({ name: `eventbridge-${prefix}`, publisher: new EventBridgeAlertPublisher(new EventBridgeClient({ region: 'us-east-1' }), BUS) });
      return chans;
    },
    store: () => {
      created.store++;
      return store;
    },
  });
  return { handler, created, prefix };
}

describe('evaluate handler', () => {
  it('publishes an alert for DeleteCollection without MFA with exact SNS parameters', async () => {
    const { handler } = setup();
    const result = await handler(deleteEvent, { awsRequestId: 'req-1' });
    expect(result).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    const evaluation = await new Evaluator(pack).evaluate(deleteEvent);
    expect(input).toEqual({ TopicArn: TOPIC, ...snsPublishParams(evaluation.alerts[0]!) });
    expect(input.Subject).toBe('[HIGH] Face collection deleted without MFA in 111122223333/us-east-1 by JorgeSouza');
    expect(input.MessageAttributes).toEqual({ severity: { DataType: 'String', StringValue: 'high' }, ruleId: { DataType: 'String', StringValue: 'collection-deleted-without-mfa' } });
  });

  it('makes no network call at all for events that match no rule (the seed document records)', async () => {
    const { handler, created } = setup();
    for (const detail of [SEED_START_LABEL_DETECTION, SEED_DETECT_LABELS]) {
      expect(await handler(envelope(detail), { awsRequestId: 'req-2' })).toEqual({ alerts: 0, delivered: 0, skipped: 0 });
    }
    expect(created).toEqual({ channels: 0, store: 0 });
    expect(sns.calls()).toHaveLength(0);
  });

  it('sends the same event delivered twice only once', async () => {
    const { handler } = setup();
    await handler(deleteEvent, { awsRequestId: 'a' });
    expect(await handler(deleteEvent, { awsRequestId: 'b' })).toEqual({ alerts: 1, delivered: 0, skipped: 1 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('sends once when duplicates are evaluated concurrently; the loser is retried later', async () => {
    const { handler } = setup();
    const results = await Promise.allSettled([handler(deleteEvent), handler(deleteEvent), handler(deleteEvent)]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const fulfilled = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(fulfilled.reduce((n, r) => n + r.delivered, 0)).toBe(1);
    // Each other invocation either saw the alert sent, or saw it in flight and threw to be retried.
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(r.reason).toBeInstanceOf(DeliveryError);
    // The retries then find the alert sent and skip it.
    expect(await handler(deleteEvent)).toEqual({ alerts: 1, delivered: 0, skipped: 1 });
  });

  it('rethrows when SNS fails so the event is retried, and the retry delivers exactly once', async () => {
    const { handler } = setup();
    sns.on(PublishCommand).rejectsOnce(new Error('Throttling: Rate exceeded')).resolves({ MessageId: 'm-2' });
    await expect(handler(deleteEvent)).rejects.toThrow(/Rate exceeded/);
    expect(await handler(deleteEvent)).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    expect(await handler(deleteEvent)).toEqual({ alerts: 1, delivered: 0, skipped: 1 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('re-delivers after a crash between publish and mark once the lease expires (at least once)', async () => {
    let t = 1_000_000;
    const { handler, prefix } = setup({ now: () => t });
    const store = new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName, now: () => t });
    const key = `${(await new Evaluator(pack).evaluate(deleteEvent)).alerts[0]!.id}#sns-${prefix}`;
    expect(await store.claim(key)).toBe('claimed'); // a "crashed" invocation's claim
    await expect(handler(deleteEvent)).rejects.toThrow(/another invocation/);
    t += 121_000;
    expect(await handler(deleteEvent)).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
  });

  it('puts the alert on the EventBridge bus too, and retries only the channel that failed', async () => {
    const { handler } = setup({ bus: true });
    eb.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] }).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    await expect(handler(deleteEvent)).rejects.toThrow(/PutEvents failed: InternalFailure try again/);
    expect(await handler(deleteEvent)).toEqual({ alerts: 1, delivered: 1, skipped: 1 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(2);
    const alert = (await new Evaluator(pack).evaluate(deleteEvent)).alerts[0]!;
    expect(eb.commandCalls(PutEventsCommand)[1]!.args[0].input).toEqual({ Entries: [alertEventEntry(alert, BUS)] });
    expect(eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries![0]).toMatchObject({ Source: 'rekwatch', DetailType: 'rekwatch Alert', EventBusName: BUS });
  });

  it('logs and drops a malformed event instead of throwing (no endless retries of a poison event)', async () => {
    const { handler, created } = setup();
    for (const poison of [null, 'x', [], {}, { 'detail-type': 'AWS API Call via CloudTrail', detail: 'oops' }]) {
      await expect(handler(poison, { awsRequestId: 'p' })).resolves.toEqual({ alerts: 0, delivered: 0, skipped: 0 });
    }
    expect(created.channels).toBe(0);
    expect(logs.some((l) => JSON.parse(l).msg === 'malformed event dropped')).toBe(true);
  });

  it('isolates a rule that throws: it is reported and the other rules still alert', async () => {
    const broken: RulePack = {
      lists: pack.lists,
      rules: [
        { ...pack.rules.find((r) => r.id === 'collection-deleted-without-mfa')! },
        { ...pack.rules[0]!, id: 'broken', conditions: { all: [{ fact: 'eventName', operator: 'in', value: 'not-an-array-is-fine-for-in' }, { fact: 'sourceIPAddress', operator: 'ipInCidr', value: 'nonsense' }] } },
        { ...pack.rules[0]!, id: 'broken2', conditions: { all: [{ fact: 'sourceIPAddress', operator: 'ipInCidr', value: 'nonsense' }] } },
      ],
    };
    const { handler } = setup({ rules: broken });
    expect(await handler(deleteEvent, { awsRequestId: 'r' })).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    const errors = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'rule evaluation failed');
    expect(errors.map((e) => e.ruleId)).toContain('broken2');
    expect(logs.some((l) => l.includes('"EvaluationErrors":1'))).toBe(true);
  });

  it('logs JSON with the request id and event id, and EMF metrics', async () => {
    const { handler } = setup();
    await handler(deleteEvent, { awsRequestId: 'req-42' });
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const delivered = lines.find((l) => l.msg === 'alert delivered');
    expect(delivered).toMatchObject({ requestId: 'req-42', eventId: '3f1c2c1e-9d0b-4e55-8a35-5f3f6a3c1e01', ruleId: 'collection-deleted-without-mfa', channel: expect.stringMatching(/^sns/) });
    const metric = lines.find((l) => 'AlertsPublished' in l) as Record<string, unknown>;
    expect(metric).toMatchObject({ AlertsPublished: 1, RuleId: 'collection-deleted-without-mfa', Severity: 'high' });
    expect((metric._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics[0]).toEqual({ Namespace: 'rekwatch', Dimensions: [['RuleId', 'Severity']], Metrics: [{ Name: 'AlertsPublished', Unit: 'Count' }] });
    expect(JSON.stringify(lines)).not.toMatch(/AKIAIOSFODNN7EXAMPLE/);
  });

  it('handles a real root-user event: alerts, whatever else the record holds', async () => {
    const { handler } = setup();
    const rootEvent = envelope(record({ userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' }, eventName: 'ListCollections', eventID: 'root-1' }));
    expect((await handler(rootEvent)).delivered).toBe(1);
  });
});

describe('evaluate handler in an organization hub', () => {
  const NAMES = { '111122223333': 'prod-vision', '444455556666': 'ml-central' };
  const named: RulePack = { ...pack, accountNames: NAMES };
  const modelCopied: RulePack = { lists: pack.lists, rules: [pack.rules.find((r) => r.id === 'model-copied')!], accountNames: NAMES };
  const published = (): Alert[] => sns.commandCalls(PublishCommand).map((c) => JSON.parse(JSON.parse(c.args[0].input.Message!).default as string) as Alert);
  /** The event a spoke's rule forwards to the hub bus: EventBridge keeps the origin's account and region in the envelope. */
  const forwarded = (detail: CloudTrailRecord, origin: { account: string; region: string }) => ({ ...envelope(detail), id: '1f3e5d7c-0000-4b2a-9c8d-forwarded001', ...origin });
  let n = 0;
  const fresh = () => `0b7c3f5e-4444-4a1b-8c2d-${String(++n).padStart(12, '0')}`;

  it('alerts on an event forwarded from another account and region with that origin: account, name, region, console link', async () => {
    const { handler } = setup({ rules: named });
    const detail = { ...(deleteEvent.detail as CloudTrailRecord), eventID: 'fwd-1', awsRegion: 'eu-west-1', recipientAccountId: '444455556666',
      userIdentity: { ...(SEED_START_LABEL_DETECTION.userIdentity as Record<string, unknown>), arn: 'arn:aws:sts::444455556666:assumed-role/Admin/JorgeSouza', accountId: '444455556666' } };
    expect(await handler(forwarded(detail, { account: '444455556666', region: 'eu-west-1' }))).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.Subject).toBe('[HIGH] Face collection deleted without MFA in ml-central/eu-west-1 by assumed-role/Admin/JorgeSouza');
    expect(published()[0]).toMatchObject({ account: '444455556666', region: 'eu-west-1', accountNames: { '444455556666': 'ml-central' }, consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/fwd-1' });
    expect(JSON.parse(input.Message!).email).toContain('sign in to account 444455556666 (ml-central)');
  });

  it('takes account and region from the record, not the envelope, when they differ', async () => {
    const { handler } = setup({ rules: named });
    const detail = { ...(deleteEvent.detail as CloudTrailRecord), eventID: 'fwd-2', awsRegion: 'eu-west-1', recipientAccountId: '444455556666' };
    await handler(forwarded(detail, { account: '111122223333', region: 'us-east-1' }));
    expect(published()[0]).toMatchObject({ account: '444455556666', region: 'eu-west-1' });
  });

  it('sends one alert for the two copies of a cross-account call, and records the later copy against it', async () => {
    const { handler } = setup({ rules: named });
    const [owner, caller] = crossAccountCopies({ sharedEventID: fresh() });
    // The owner's copy alerts model-copied and cross-account-caller; the caller's copy only model-copied.
    expect(await handler(forwarded(owner, { account: '111122223333', region: 'us-east-1' }))).toEqual({ alerts: 2, delivered: 2, skipped: 0 });
    expect(await handler(forwarded(caller, { account: '444455556666', region: 'us-east-1' }))).toEqual({ alerts: 1, delivered: 0, skipped: 1 });
    expect(published().map((a) => `${a.id} ${a.account}`).sort()).toEqual([`cross-account-caller:${owner.sharedEventID} 111122223333`, `model-copied:${owner.sharedEventID} 111122223333`]);
    const late = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'alert already delivered; this copy of a cross-account call is recorded against it');
    expect(late).toMatchObject({ alertId: `model-copied:${owner.sharedEventID}`, account: '444455556666', recordedBy: ['444455556666', '111122223333'], eventId: caller.eventID });
    const store = new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName });
    expect(await store.recordCopy(`model-copied:${owner.sharedEventID}`, `444455556666|${String(caller.eventID)}`)).toEqual([`111122223333|${String(owner.eventID)}`, `444455556666|${String(caller.eventID)}`]);
  });

  it('names both accounts when both copies are seen before delivery (the first copy\'s publish failed), and still sends once', async () => {
    const { handler } = setup({ rules: modelCopied });
    const [owner, caller] = crossAccountCopies({ sharedEventID: fresh() });
    sns.on(PublishCommand).rejectsOnce(new Error('Throttling: Rate exceeded')).resolves({ MessageId: 'm-3' });
    await expect(handler(forwarded(caller, { account: '444455556666', region: 'us-east-1' }))).rejects.toThrow(/Rate exceeded/);
    expect(await handler(forwarded(owner, { account: '111122223333', region: 'us-east-1' }))).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    expect(await handler(forwarded(caller, { account: '444455556666', region: 'us-east-1' }))).toEqual({ alerts: 1, delivered: 0, skipped: 1 }); // Lambda's retry
    const delivered = published()[1]!;
    expect(delivered).toMatchObject({
      id: `model-copied:${owner.sharedEventID}`,
      account: '111122223333',
      recordedBy: [{ account: '111122223333', eventId: owner.eventID }, { account: '444455556666', eventId: caller.eventID }],
      accountNames: NAMES,
    });
    const email = JSON.parse(sns.commandCalls(PublishCommand)[1]!.args[0].input.Message!).email as string;
    expect(email).toMatch(/Also recorded by +444455556666 \(ml-central\) as event c5b6a7d8-6666-4e9f-8a0b-000000000022/);
  });

  it('sends once when the two copies are evaluated concurrently; the other is retried and finds it sent', async () => {
    const { handler } = setup({ rules: modelCopied });
    const copies = crossAccountCopies({ sharedEventID: fresh() });
    const results = await Promise.allSettled(copies.map((c) => handler(forwarded(c, { account: String(c.recipientAccountId), region: 'us-east-1' }))));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DeliveryError);
    for (const c of copies) expect((await handler(forwarded(c, { account: String(c.recipientAccountId), region: 'us-east-1' }))).skipped).toBe(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});

describe('evaluate handler with mutes and dedupe windows', () => {
  function withSuppression(options: { now?: () => number; decideError?: boolean; muteCacheMs?: number } = {}) {
    const base = setup({ now: options.now });
    const mutes = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: options.now });
    let reads = 0;
    let created = 0;
    const suppressor = new Suppressor({
      rules: pack.rules,
      mutes: cachedMutes(() => {
        reads++;
        return mutes.live();
      }, options.muteCacheMs ?? 30_000, options.now),
      dedupe: new DynamoDedupeState(dynamo.client, dynamo.tableName),
      now: options.now,
    });
    const logger = pino({ base: undefined }, new Writable({ write(c, _e, cb) { logs.push(String(c)); cb(); } }));
    const handler = createHandler({
      evaluator: new Evaluator(pack),
      logger,
      channels: () => [{ name: `sns-s${base.prefix}`, publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC) }],
      store: () => new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName }),
      suppression: () => (created++, {
        decide: (a) => (options.decideError ? Promise.reject(new Error('DynamoDB unavailable')) : suppressor.decide(a)),
        recordMuted: (id) => mutes.recordSuppressed(id),
      }),
    });
    return { handler, mutes, reads: () => reads, created: () => created };
  }

  it('does not publish an alert a live mute covers; logs and counts it against the mute; a new mute takes effect after the cache', async () => {
    let now = Date.now();
    const { handler, mutes, reads } = withSuppression({ now: () => now });
    const event = (id: string) => envelope({ ...(deleteEvent.detail as Record<string, unknown>), eventID: id });
    expect(await handler(event('mute-0'))).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    const mute = await mutes.create({ ruleId: 'collection-deleted-without-mfa', scope: { principal: 'arn:aws:sts::111122223333:assumed-role/Admin/*' }, reason: 'migration', createdBy: 'alice', createdAt: new Date(now - 1000).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString() });
    expect(await handler(event('mute-1'))).toEqual({ alerts: 1, delivered: 1, skipped: 0 }); // cached list: not yet
    now += 30_001;
    expect(await handler(event('mute-2'))).toEqual({ alerts: 1, delivered: 0, skipped: 0, suppressed: 1 });
    expect(reads()).toBe(2);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(logs.some((l) => l.includes('"msg":"alert suppressed by a mute"') && l.includes(`"muteId":"${mute.id}"`) && l.includes('"alertId":"collection-deleted-without-mfa:mute-2"'))).toBe(true);
    expect(logs.some((l) => l.includes('"AlertsSuppressed":1') && l.includes('"Reason":"mute"'))).toBe(true);
    expect(await mutes.get(mute.id)).toMatchObject({ suppressed: 1 });
    await mutes.remove(mute.id, 'alice');
  });

  it('reads no mutes and creates nothing for events that match no rule', async () => {
    const { handler, reads, created } = withSuppression();
    expect(await handler(envelope(SEED_DETECT_LABELS))).toEqual({ alerts: 0, delivered: 0, skipped: 0 });
    expect({ reads: reads(), created: created() }).toEqual({ reads: 0, created: 0 });
  });

  it('fails open: when mutes cannot be read, the alert is delivered and the error logged', async () => {
    const { handler } = withSuppression({ decideError: true });
    const event = envelope({ ...(deleteEvent.detail as Record<string, unknown>), eventID: 'fail-open' });
    expect(await handler(event)).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    expect(logs.some((l) => l.includes('could not check mutes and dedupe; delivering'))).toBe(true);
  });
});
