/**
 * The heartbeat's runtime half: what is (and is not) a heartbeat, the evaluate wrapper that records
 * it instead of evaluating it, the state-table item on dynalite, and `rekwatch coverage` reading that
 * very item back.
 */
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { DynamoHeartbeatStore } from '../../functions/adapters/heartbeat-store';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { main } from '../../functions/cli/main';
import { rulesHash } from '../../functions/core/coverage/pattern-hash';
import { compileEventPatterns } from '../../functions/core/eventbridge/event-pattern';
import { Evaluator } from '../../functions/core/match/evaluator';
import { heartbeatKey, heartbeatNames, heartbeatPatternRule, recogniseHeartbeat, type Heartbeat } from '../../functions/core/heartbeat/heartbeat';
import { withHeartbeat } from '../../functions/evaluate/heartbeat';
import type { CloudTrailRecord } from '../../functions/core/common/types';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

const ROOT = join(__dirname, '..', '..');
const MEMBER = '444455556666';
const names = heartbeatNames('Rekwatch');
const pack = loadRulesDir(join(ROOT, 'rules')).pack;

function heartbeatRecord(over: Partial<Record<string, unknown>> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:0123abcd',
      arn: `arn:aws:sts::${MEMBER}:assumed-role/Rekwatch-hb-eu-west-1/0123abcd`,
      accountId: MEMBER,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${MEMBER}:role/Rekwatch-hb-eu-west-1`, accountId: MEMBER, userName: 'Rekwatch-hb-eu-west-1' } },
    },
    eventTime: '2026-12-01T11:45:00Z',
    eventSource: 'rekognition.amazonaws.com',
    eventName: 'TagResource',
    awsRegion: 'eu-west-1',
    sourceIPAddress: 'scheduler.amazonaws.com',
    userAgent: 'scheduler.amazonaws.com',
    requestParameters: { resourceArn: `arn:aws:rekognition:eu-west-1:${MEMBER}:collection/Rekwatch-heartbeat`, tags: { 'rekwatch-heartbeat': 'on' } },
    responseElements: null,
    eventID: 'hb-1',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: MEMBER,
    ...over,
  } as CloudTrailRecord;
}
const envelope = (detail: unknown) => ({ version: '0', id: 'e-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.rekognition', account: MEMBER, region: 'eu-west-1', time: '2026-12-01T11:45:01Z', resources: [], detail });

describe('recogniseHeartbeat', () => {
  it('knows the canary TagResource by the heartbeat role, as an EventBridge event or a bare record', () => {
    const expected: Heartbeat = { account: MEMBER, region: 'eu-west-1', eventId: 'hb-1', at: Date.parse('2026-12-01T11:45:00Z') };
    expect(recogniseHeartbeat(envelope(heartbeatRecord()), names)).toEqual(expected);
    expect(recogniseHeartbeat(heartbeatRecord(), names)).toEqual(expected);
    expect(recogniseHeartbeat(heartbeatRecord({ requestParameters: { ResourceArn: `arn:aws:rekognition:eu-west-1:${MEMBER}:collection/Rekwatch-heartbeat` } }), names)).toEqual(expected);
    expect(recogniseHeartbeat(heartbeatRecord({ eventTime: 'soon' }), names)).toEqual({ ...expected, at: null });
  });

  it.each([
    ['another operation', { eventName: 'UntagResource' }],
    ['another service', { eventSource: 's3.amazonaws.com' }],
    ['a failed call', { errorCode: 'AccessDeniedException' }],
    ['another collection', { requestParameters: { resourceArn: `arn:aws:rekognition:eu-west-1:${MEMBER}:collection/employees` } }],
    ["another region's canary", { requestParameters: { resourceArn: `arn:aws:rekognition:us-east-1:${MEMBER}:collection/Rekwatch-heartbeat` } }],
    ["another account's canary", { requestParameters: { resourceArn: 'arn:aws:rekognition:eu-west-1:111122223333:collection/Rekwatch-heartbeat' } }],
    ['no request parameters', { requestParameters: null }],
    ['the root user tagging the canary', { userIdentity: { type: 'Root', arn: `arn:aws:iam::${MEMBER}:root`, accountId: MEMBER } }],
    ['another role', { userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${MEMBER}:assumed-role/Admin/mallory`, accountId: MEMBER } }],
    ["another region's heartbeat role", { userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${MEMBER}:assumed-role/Rekwatch-hb-us-east-1/x`, accountId: MEMBER } }],
    ['a bad account id', { recipientAccountId: 'me' }],
  ])('is not fooled by %s', (_what, over) => {
    expect(recogniseHeartbeat(heartbeatRecord(over), names)).toBeNull();
  });

  it('never throws, whatever the value', () => {
    for (const v of [null, 1, 'x', [], {}, { detail: null, 'detail-type': 'x' }, { eventSource: 'rekognition.amazonaws.com', eventName: 'TagResource', userIdentity: 5 }]) expect(recogniseHeartbeat(v, names)).toBeNull();
  });

  it('anyone else tagging the canary is evaluated like any call: the root user still alerts', async () => {
    const root = heartbeatRecord({ userIdentity: { type: 'Root', arn: `arn:aws:iam::${MEMBER}:root`, accountId: MEMBER, principalId: MEMBER } });
    const evaluation = await new Evaluator(pack).evaluate(envelope(root));
    expect(evaluation.alerts.map((a) => a.ruleId)).toContain('root-user-activity');
  });
});

describe('the heartbeat in the compiled patterns', () => {
  it('adds TagResource to a pack that does not match it, and leaves the shipped pack\'s pattern as it is', () => {
    const onlyDelete = { ...pack, rules: pack.rules.filter((r) => r.id === 'collection-deleted-without-mfa') };
    const eventNames = (p: typeof pack) => compileEventPatterns(p).rules.map((r) => (r.pattern.detail as { eventName?: string[] }).eventName);
    expect(eventNames(onlyDelete)).toEqual([['DeleteCollection']]);
    expect(eventNames({ ...onlyDelete, rules: [...onlyDelete.rules, heartbeatPatternRule()] })).toEqual([['DeleteCollection', 'TagResource']]);
    const withHeartbeat = compileEventPatterns({ ...pack, rules: [...pack.rules, heartbeatPatternRule()] });
    expect(rulesHash(withHeartbeat.rules)).toBe(rulesHash(compileEventPatterns(pack).rules));
  });
});

describe('withHeartbeat (the evaluate function)', () => {
  let logs: Array<Record<string, unknown>>;
  const logger = () => pino({ base: undefined }, new Writable({ write(c, _e, cb) { logs.push(JSON.parse(String(c))); cb(); } }));
  beforeEach(() => {
    logs = [];
  });

  it('records a heartbeat (metrics by Region, and Account+Region for known accounts) instead of evaluating it', async () => {
    const inner = jest.fn(async () => ({ alerts: 0, delivered: 0, skipped: 0 }));
    const recorded: Array<[Heartbeat, number]> = [];
    const handler = withHeartbeat(inner, { names, metricAccounts: new Set([MEMBER]), recorder: () => ({ record: async (h, t) => void recorded.push([h, t]) }), logger: logger(), now: () => 1_000 });
    expect(await handler(envelope(heartbeatRecord()))).toEqual({ alerts: 0, delivered: 0, skipped: 0, heartbeat: { account: MEMBER, region: 'eu-west-1' } });
    expect(inner).not.toHaveBeenCalled();
    expect(recorded).toEqual([[{ account: MEMBER, region: 'eu-west-1', eventId: 'hb-1', at: Date.parse('2026-12-01T11:45:00Z') }, 1_000]]);
    const metrics = logs.filter((l) => l.msg === 'metrics');
    expect(metrics.map((m) => [(m._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: unknown }> }).CloudWatchMetrics[0], m.Heartbeats, m.Account, m.Region])).toEqual([
      [{ Namespace: 'rekwatch', Dimensions: [['Region']], Metrics: [{ Name: 'Heartbeats', Unit: 'Count' }] }, 1, undefined, 'eu-west-1'],
      [{ Namespace: 'rekwatch', Dimensions: [['Account', 'Region']], Metrics: [{ Name: 'Heartbeats', Unit: 'Count' }] }, 1, MEMBER, 'eu-west-1'],
    ]);
  });

  it('emits only the Region metric for an account the app does not deploy (a member: no custom metric each)', async () => {
    const handler = withHeartbeat(async () => 'evaluated', { names, metricAccounts: new Set(), recorder: () => ({ record: async () => undefined }), logger: logger() });
    await handler(envelope(heartbeatRecord()));
    expect(logs.filter((l) => l.msg === 'metrics').map((m) => m.Account ?? null)).toEqual([null]);
  });

  it('hands every other event to the handler unchanged', async () => {
    const inner = jest.fn(async (e: unknown) => ({ got: e }));
    const handler = withHeartbeat(inner, { names, metricAccounts: new Set(), recorder: () => ({ record: async () => undefined }), logger: logger() });
    const other = envelope(heartbeatRecord({ eventName: 'DeleteCollection' }));
    expect(await handler(other, { awsRequestId: 'r' })).toEqual({ got: other });
    expect(inner).toHaveBeenCalledWith(other, { awsRequestId: 'r' });
    expect(logs).toEqual([]);
  });

  it('logs a failed write and does not throw: the metric is out, and a retry would buy nothing', async () => {
    const handler = withHeartbeat(async () => 'x', { names, metricAccounts: new Set(), recorder: () => ({ record: async () => Promise.reject(new Error('throttled')) }), logger: logger() });
    await expect(handler(envelope(heartbeatRecord()))).resolves.toMatchObject({ heartbeat: { account: MEMBER } });
    expect(logs.find((l) => l.level === 50)).toMatchObject({ account: MEMBER, region: 'eu-west-1', err: 'throttled' });
  });
});

describe('heartbeat items in the state table', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const lastAt = async (account: string, region: string) =>
    (await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: heartbeatKey(account, region) } } }))).Item;

  it('keeps the newest heartbeat: a late or retried one never moves it back', async () => {
    const store = new DynamoHeartbeatStore(dynamo.client, dynamo.tableName);
    const hb = (at: number | null): Heartbeat => ({ account: MEMBER, region: 'eu-west-1', eventId: `hb-${at}`, at });
    await store.record(hb(2_000_000), 2_000_500);
    await store.record(hb(1_000_000), 2_600_000);
    expect(await lastAt(MEMBER, 'eu-west-1')).toEqual({
      pk: { S: `heartbeat#${MEMBER}#eu-west-1` }, account: { S: MEMBER }, region: { S: 'eu-west-1' }, lastAt: { N: '2000000' }, receivedAt: { N: '2000500' }, eventId: { S: 'hb-2000000' },
      expiresAt: { N: String(Math.floor((2_000_500 + 30 * 24 * 3_600_000) / 1000)) },
    });
    await store.record(hb(null), 3_000_000); // no eventTime: when it arrived
    expect((await lastAt(MEMBER, 'eu-west-1'))?.lastAt).toEqual({ N: '3000000' });
  });

  it('is what rekwatch coverage reads: a heartbeat written by the function proves its cell', async () => {
    const store = new DynamoHeartbeatStore(dynamo.client, dynamo.tableName);
    const now = Date.parse('2026-12-01T12:00:00Z');
    await store.record({ account: '111122223333', region: 'us-east-1', eventId: 'h', at: now - 10 * 60_000 }, now - 10 * 60_000);
    const rule = compileEventPatterns(pack).rules[0]!;
    const cfn = mockClient(CloudFormationClient);
    const eb = mockClient(EventBridgeClient);
    try {
      const outputs = {
        HubEventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/Rekwatch-hub', CoveredRegions: 'us-east-1', PatternHash: rulesHash([rule]), SpokeRuleNamePrefix: 'Rekwatch-spoke-',
        CompiledRuleCount: '1', HubRuleNames: 'hub-rule', StateTableName: dynamo.tableName, HeartbeatMaxSilenceSeconds: '7200',
      };
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Rekwatch', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
      eb.on(DescribeRuleCommand).resolves({ Name: 'hub-rule', State: rule.state, EventPattern: JSON.stringify(rule.pattern) });
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
      let stdout = '';
      const io = { stdout: new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } }), stderr: new Writable({ write(_c, _e, cb) { cb(); } }), stdin: Readable.from([]), cwd: ROOT, stderrIsTTY: false, env: {}, now: () => now };
      const code = await main(['node', 'rekwatch', 'coverage', '--stack', 'Rekwatch', '--json'], io, undefined, async () => ({
        cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
        eventBridge: (r) => new EventBridgeClient({ region: r }),
        dynamodb: () => dynamo.client,
      }));
      expect(code).toBe(0);
      expect(JSON.parse(stdout.trim())).toMatchObject({ account: '111122223333', region: 'us-east-1', verdict: 'ok', lastHeartbeat: new Date(now - 10 * 60_000).toISOString() });
    } finally {
      cfn.restore();
      eb.restore();
    }
  });
});
