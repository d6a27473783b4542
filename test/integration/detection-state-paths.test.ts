/**
 * "The same alerts in replay, watch and the Lambda" (issue 13): one sequence of events with a
 * threshold rule, a distinct-count rule, a firstSeen rule and a stateless rule, taken
 *   - through the Lambda handler (detection state on dynalite, SNS through aws-sdk-client-mock with
 *     exact parameters), in event-time order, then again with duplicates and a shuffled delivery
 *     order within each burst;
 *   - through `rekwatch watch` (the local dynalite store), the records shuffled within the file;
 *   - through `rekwatch replay --json` (in memory), shuffled the same way and duplicated;
 * and compared by alert id, rule, window start and key: one alert per window everywhere.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { DynamoStateStore } from '../../functions/adapters/detection-state/dynamo-state-store';
import { DynamoIdempotencyStore } from '../../functions/adapters/idempotency-store';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { Evaluator } from '../../functions/core/match/evaluator';
import { snsPublishParams } from '../../functions/core/publish/sns-message';
import type { Alert } from '../../functions/core/common/types';
import { createHandler } from '../../functions/evaluate/handler';
import { runCli } from '../helpers/cli';
import { call, search, statefulPack, T0 } from '../helpers/detection-state-fixtures';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { ruleFile, rule } from '../helpers/pack';
import { until } from '../helpers/wait';
import { startWatch, stopAllWatches } from '../helpers/watch';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:rekwatch-alerts';
const sns = mockClient(SNSClient);
const pack = statefulPack();
let dynamo: LocalDynamo;
const work = mkdtempSync(join(tmpdir(), 'rekwatch-detect-paths-'));
const rulesDir = join(work, 'rules');

beforeAll(async () => {
  dynamo = await startDynamo('detect-paths');
  mkdirSync(rulesDir);
  // The same rules as statefulPack(), as files for the CLI.
  for (const f of statefulPackFiles()) writeFileSync(join(rulesDir, f.relPath), f.text);
});
afterAll(() => dynamo.close());
afterEach(() => stopAllWatches());
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function statefulPackFiles() {
  return pack.rules.map((r) => ruleFile(rule(r.id, r.conditions, r.threshold ? { threshold: { count: r.threshold.count, window: r.threshold.window, by: r.threshold.by, ...(r.threshold.distinct ? { distinct: r.threshold.distinct } : {}) } } : {})));
}

const P1 = 'arn:aws:iam::111122223333:user/ops';
const P2 = 'arn:aws:iam::111122223333:user/scanner';
/** Bursts in event-time order; each burst may arrive in any order (all within the lateness bound). */
const bursts = (): Array<Array<Record<string, unknown>>> => [
  [call(0, { eventName: 'DescribeCollection', readOnly: true, principal: P1, requestParameters: { collectionId: 'a' } })],
  [call(120, { eventName: 'CreateCollection', readOnly: false, principal: P1, sourceIPAddress: '203.0.113.5', requestParameters: { collectionId: 'n' } })],
  [search(600, 'a', { principal: P2 }), search(610, 'b', { principal: P2 }), search(620, 'c', { principal: P2 })],
  [search(2000, 'a', { principal: P2 }), search(2010, 'a', { principal: P2 }), search(2020, 'a', { principal: P2 })],
  [call(2100, { eventName: 'DeleteCollection', readOnly: false, principal: P1, requestParameters: { collectionId: 'n' } })],
];
const EVENTS = bursts();
const ORDERED = EVENTS.flat();
/** Reversed within each burst, each burst's first event delivered twice (a duplicate within the bound). */
const SHUFFLED = EVENTS.flatMap((b) => [...b].reverse().concat([b[0]!]));

const summary = (a: Pick<Alert, 'id' | 'ruleId' | 'threshold'>) => [a.id, a.ruleId, a.threshold?.windowStart ?? null, JSON.stringify(a.threshold?.key ?? null)];
const EXPECTED_RULES = [
  ['bulk-face-search', '2026-11-30T10:10:00.000Z'],
  ['bulk-face-search', '2026-11-30T10:33:20.000Z'],
  ['change-from-new-network', null],
  ['collection-deleted', null],
  ['many-collections-searched', '2026-11-30T10:10:00.000Z'],
];

let run = 0;
async function throughLambda(events: Array<Record<string, unknown>>): Promise<Array<PublishCommandInput>> {
  const id = run++;
  const evaluate = createHandler({
    evaluator: new Evaluator(pack, { copies: 'each' }),
    logger: pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } })),
    channels: () => [{ name: `sns-${id}`, publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC) }],
    store: () => new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName }),
    // The function's clock: a few seconds after the event it is handling (EventBridge delivers within seconds).
    detection: () => new DynamoStateStore(dynamo.client, { tableName: dynamo.tableName, prefix: `paths${id}#`, now: () => clock }),
  });
  let clock = T0;
  for (const e of events) {
    clock = Math.max(clock, Date.parse(String((e.detail as { eventTime: string }).eventTime)) + 5_000);
    await evaluate(e);
  }
  return sns.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput);
}

function trailFile(dir: string, events: Array<Record<string, unknown>>): string {
  const file = join(dir, '111122223333_CloudTrail_us-east-1_20261130T1000Z_paths.json');
  writeFileSync(file, JSON.stringify({ Records: events.map((e) => e.detail) }));
  return file;
}

async function throughReplay(events: Array<Record<string, unknown>>): Promise<Alert[]> {
  const dir = mkdtempSync(join(work, 'replay-'));
  const r = await runCli(['replay', '--json', '--rules', rulesDir, trailFile(dir, events)]);
  expect(r.stderr).not.toMatch(/late:/);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
}

async function throughWatch(events: Array<Record<string, unknown>>): Promise<Alert[]> {
  const dir = mkdtempSync(join(work, 'watch-'));
  const inbox = join(dir, 'in');
  mkdirSync(inbox);
  const out = join(dir, 'alerts.jsonl');
  const w = startWatch(inbox, join(dir, 'state'), { rules: rulesDir, deliverFile: out });
  await w.ready();
  trailFile(inbox, events);
  await until(() => /paths\.json: \d+ records/.test(w.stderr()));
  expect(await w.stop()).toBe(0);
  expect(w.stderr()).not.toMatch(/late:|could not/);
  return readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
}

describe('stateful rules in the Lambda, watch and replay', () => {
  it('give the same alerts, one per window, whatever the order within the bound and however often delivered', async () => {
    const lambdaOrdered = await throughLambda(ORDERED);
    // Exact SNS parameters: the published alerts are the reference run's alerts, one publish each.
    const ids = lambdaOrdered.map((p) => (JSON.parse(JSON.parse(String(p.Message)).default) as Alert).id);
    expect(new Set(ids).size).toBe(ids.length);
    const published = lambdaOrdered.map((p) => JSON.parse(JSON.parse(String(p.Message)).default) as Alert);
    expect(lambdaOrdered).toEqual(published.map((a) => ({ TopicArn: TOPIC, ...snsPublishParams(a) })));
    expect(published.map((a) => [a.ruleId, a.threshold?.windowStart ?? null]).sort()).toEqual(EXPECTED_RULES);

    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const lambdaShuffled = (await throughLambda(SHUFFLED)).map((p) => JSON.parse(JSON.parse(String(p.Message)).default) as Alert);

    const replay = await throughReplay(SHUFFLED);
    const watch = await throughWatch(SHUFFLED);
    const want = published.map(summary).sort();
    expect(lambdaShuffled.map(summary).sort()).toEqual(want);
    expect(replay.map(summary).sort()).toEqual(want);
    expect(watch.map(summary).sort()).toEqual(want);
    // Replay and watch name the same window counts; the Lambda fires when the count is reached (no final count).
    const counts = (alerts: Alert[]) => alerts.filter((a) => a.threshold).map((a) => [a.ruleId, a.threshold!.reached, a.threshold!.final ?? null]).sort();
    expect(counts(replay)).toEqual([['bulk-face-search', 3, 3], ['bulk-face-search', 3, 3], ['many-collections-searched', 3, 3]]);
    expect(counts(lambdaShuffled)).toEqual([['bulk-face-search', 3, null], ['bulk-face-search', 3, null], ['many-collections-searched', 3, null]]);
    expect(counts(watch)).toEqual(counts(lambdaShuffled));
  });

  it('keeps watch\'s windows in the local store across a restart: a burst split over two runs alerts once', async () => {
    const dir = mkdtempSync(join(work, 'restart-'));
    const inbox = join(dir, 'in');
    mkdirSync(inbox);
    const state = join(dir, 'state');
    const out = join(dir, 'alerts.jsonl');
    const P3 = 'arn:aws:iam::111122223333:user/restarted';
    const write = (name: string, events: Array<Record<string, unknown>>) => writeFileSync(join(inbox, `111122223333_CloudTrail_us-east-1_20261130T1000Z_${name}.json`), JSON.stringify({ Records: events.map((e) => e.detail) }));
    const first = startWatch(inbox, state, { rules: rulesDir, deliverFile: out });
    await first.ready();
    write('one', [search(0, 'a', { principal: P3 }), search(10, 'b', { principal: P3 })]);
    await until(() => /one\.json: 2 records/.test(first.stderr()));
    expect(await first.stop()).toBe(0);
    const second = startWatch(inbox, state, { rules: rulesDir, deliverFile: out });
    await second.ready();
    write('two', [search(20, 'c', { principal: P3 })]);
    await until(() => /two\.json: 1 record/.test(second.stderr()));
    expect(await second.stop()).toBe(0);
    const alerts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    expect(alerts.map((a) => [a.ruleId, a.threshold?.windowStart, a.threshold?.reached]).sort()).toEqual([
      ['bulk-face-search', '2026-11-30T10:00:00.000Z', 3],
      ['many-collections-searched', '2026-11-30T10:00:00.000Z', 3],
    ]);
  });
});
