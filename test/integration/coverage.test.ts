/**
 * `rekwatch coverage` against CloudFormation, EventBridge (one client per region) and DynamoDB through
 * aws-sdk-client-mock, asserting the exact requests; the pure model's verdicts on every reading.
 */
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, DescribeStackSetCommand, ListStackInstancesCommand, type StackInstanceSummary } from '@aws-sdk/client-cloudformation';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import type { CoverageClients } from '../../functions/cli/coverage';
import { parseHubOutputs, spokeRulesOfTemplate } from '../../functions/core/coverage/hub';
import { assessCoverage, expectedCells, planReadings, type CoverageReadings } from '../../functions/core/coverage/model';
import { rulesHash } from '../../functions/core/coverage/pattern-hash';
import { compileEventPatterns } from '../../functions/core/eventbridge/event-pattern';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const HUB = '111122223333';
const MGMT = '999988887777';
const MEMBER_A = '444455556666';
const MEMBER_B = '777788889999';
const BUS = `arn:aws:events:us-east-1:${HUB}:event-bus/Rekwatch-hub`;
const NOW = Date.parse('2026-12-01T12:00:00Z');

const compiled = compileEventPatterns(loadRulesDir(join(ROOT, 'rules')).pack);
const [rule] = compiled.rules;
const HASH = rulesHash(compiled.rules);
const OTHER_PATTERN = { source: ['aws.rekognition'], detail: { eventName: ['DeleteCollection'] } };

const OUTPUTS: Record<string, string> = {
  HubEventBusArn: BUS,
  HubEventBusName: 'Rekwatch-hub',
  CoveredRegions: 'us-east-1,eu-west-1',
  PatternHash: HASH,
  SpokeRuleNamePrefix: 'Rekwatch-spoke-',
  CompiledRuleCount: '1',
  HubRuleNames: 'Rekwatch-DetectionRule0-AbC123',
  SpokeStackSetName: 'Rekwatch-spokes',
  StackSetCallAs: 'DELEGATED_ADMIN',
  OrganizationalUnitIds: 'r-ab12',
  OrganizationId: 'o-abc123defg',
  StateTableName: 'Rekwatch-StateTable-XYZ',
};

/** The spoke template as the StackSet holds it (only what the check reads). */
const templateBody = (pattern: unknown = rule!.pattern, state: string = rule!.state) =>
  JSON.stringify({ Resources: { SpokeForward0Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'Rekwatch-spoke-forward-1', EventPattern: pattern, State: state } }, Q: { Type: 'AWS::SQS::Queue', Properties: {} } } });

type World = Record<string, Record<string, { State: string; EventPattern: string; targets: string[] }>>;
const healthy = (): World => ({
  'us-east-1': { 'Rekwatch-DetectionRule0-AbC123': { State: rule!.state, EventPattern: JSON.stringify(rule!.pattern), targets: ['arn:aws:lambda:us-east-1:111122223333:function:evaluate'] } },
  'eu-west-1': { 'Rekwatch-spoke-forward-1': { State: rule!.state, EventPattern: JSON.stringify(rule!.pattern), targets: [BUS] } },
});

const instance = (account: string, region: string, over: Partial<StackInstanceSummary> = {}): StackInstanceSummary => ({
  StackSetId: 'Rekwatch-spokes:1', Account: account, Region: region, Status: 'CURRENT', StackInstanceStatus: { DetailedStatus: 'SUCCEEDED' }, DriftStatus: 'NOT_CHECKED', ...over,
});

const cfnMock = mockClient(CloudFormationClient);
const ebMock = mockClient(EventBridgeClient);
const ddbMock = mockClient(DynamoDBClient);
/** Every EventBridge request with the region of the client that sent it. */
let ebCalls: Array<{ region: string; command: string; input: unknown }>;

function serveEventBridge(world: World) {
  const regionOf = async (getClient: () => { config: { region: unknown } }) => (await (getClient().config.region as () => Promise<string>)());
  ebMock.on(DescribeRuleCommand).callsFake(async (input: { Name: string }, getClient) => {
    const region = await regionOf(getClient as never);
    ebCalls.push({ region, command: 'DescribeRule', input });
    const r = world[region]?.[input.Name];
    if (!r) throw new ResourceNotFoundException({ message: `Rule ${input.Name} does not exist on EventBus default.`, $metadata: {} });
    return { Name: input.Name, State: r.State, EventPattern: r.EventPattern };
  });
  ebMock.on(ListTargetsByRuleCommand).callsFake(async (input: { Rule: string; NextToken?: string }, getClient) => {
    const region = await regionOf(getClient as never);
    ebCalls.push({ region, command: 'ListTargetsByRule', input });
    const targets = world[region]?.[input.Rule]?.targets ?? [];
    // Two pages when there are two targets, to show NextToken is followed.
    if (targets.length > 1 && !input.NextToken) return { Targets: [{ Id: 't0', Arn: targets[0] }], NextToken: 'page-2' };
    return { Targets: targets.slice(input.NextToken ? 1 : 0).map((Arn, i) => ({ Id: `t${i}`, Arn })) };
  });
}

function serveStackSet(pages: StackInstanceSummary[][], body = templateBody()) {
  cfnMock.on(DescribeStackSetCommand).resolves({ StackSet: { StackSetName: 'Rekwatch-spokes', Status: 'ACTIVE', TemplateBody: body } });
  pages.forEach((Summaries, i) => {
    const behaviour = cfnMock.on(ListStackInstancesCommand, i === 0 ? { NextToken: undefined } : { NextToken: `page-${i + 1}` });
    behaviour.resolves({ Summaries, ...(i + 1 < pages.length ? { NextToken: `page-${i + 2}` } : {}) });
  });
}

function serveOutputs(outputs: Record<string, string>) {
  cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Rekwatch', CreationTime: new Date(0), StackStatus: 'UPDATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
}

let coverageRegions: Array<string | undefined>;
async function run(args: string[], env: NodeJS.ProcessEnv = { AWS_REGION: 'us-east-1' }) {
  const clients = async (_env: NodeJS.ProcessEnv, region?: string): Promise<CoverageClients> => {
    coverageRegions.push(region);
    return {
      cloudFormation: new CloudFormationClient({ region }),
      eventBridge: (r) => new EventBridgeClient({ region: r }),
      dynamodb: (r) => new DynamoDBClient({ region: r }),
    };
  };
  const { code, stdout, stderr } = await runCli(['coverage', ...args], { cwd: ROOT, env, now: () => NOW, coverageAws: clients });
  return { code, stdout, stderr, rows: stdout.trim() === '' ? [] : stdout.trim().split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : l)) };
}

beforeEach(() => {
  cfnMock.reset();
  ebMock.reset();
  ddbMock.reset();
  ebCalls = [];
  coverageRegions = [];
});

describe('rekwatch coverage', () => {
  it('reads the outputs, every covered region of the hub account, and every page of the StackSet instances, with exact requests', async () => {
    serveOutputs(OUTPUTS);
    serveEventBridge(healthy());
    serveStackSet([
      [instance(MEMBER_A, 'us-east-1'), instance(MEMBER_A, 'eu-west-1', { DriftStatus: 'IN_SYNC', LastDriftCheckTimestamp: new Date('2026-11-30T08:00:00Z') })],
      [instance(MEMBER_B, 'us-east-1'), instance(MEMBER_B, 'eu-west-1')],
    ]);
    const res = await run(['--stack', 'Rekwatch', '--json', '--region', 'us-east-1']);

    expect(coverageRegions).toEqual(['us-east-1']);
    expect(cfnMock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: 'Rekwatch' }]);
    expect(cfnMock.commandCalls(DescribeStackSetCommand).map((c) => c.args[0].input)).toEqual([{ StackSetName: 'Rekwatch-spokes', CallAs: 'DELEGATED_ADMIN' }]);
    expect(cfnMock.commandCalls(ListStackInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { StackSetName: 'Rekwatch-spokes', CallAs: 'DELEGATED_ADMIN' },
      { StackSetName: 'Rekwatch-spokes', CallAs: 'DELEGATED_ADMIN', NextToken: 'page-2' },
    ]);
    expect(ebCalls.sort((a, b) => a.region.localeCompare(b.region) || a.command.localeCompare(b.command))).toEqual([
      { region: 'eu-west-1', command: 'DescribeRule', input: { Name: 'Rekwatch-spoke-forward-1' } },
      { region: 'eu-west-1', command: 'ListTargetsByRule', input: { Rule: 'Rekwatch-spoke-forward-1' } },
      { region: 'us-east-1', command: 'DescribeRule', input: { Name: 'Rekwatch-DetectionRule0-AbC123' } },
      { region: 'us-east-1', command: 'ListTargetsByRule', input: { Rule: 'Rekwatch-DetectionRule0-AbC123' } },
    ]);
    expect(ddbMock.calls()).toHaveLength(0); // the heartbeat is off

    expect(res.code).toBe(0);
    expect(res.rows.map((r) => [r.account, r.region, r.via, r.spoke, r.pattern, r.verdict])).toEqual([
      [HUB, 'us-east-1', 'hub', 'present', 'equal', 'ok'],
      [HUB, 'eu-west-1', 'spoke stack', 'present', 'equal', 'ok'],
      [MEMBER_A, 'us-east-1', 'StackSet', 'present', 'unverified', 'inferred'],
      [MEMBER_A, 'eu-west-1', 'StackSet', 'present', 'unverified', 'inferred'],
      [MEMBER_B, 'us-east-1', 'StackSet', 'present', 'unverified', 'inferred'],
      [MEMBER_B, 'eu-west-1', 'StackSet', 'present', 'unverified', 'inferred'],
    ]);
    expect(res.rows[1]).toMatchObject({ state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', verified: [`rule read: pattern and state equal the hub's (${HASH.slice(7, 19)}), forwarding to the hub bus`], gaps: [] });
    expect(res.rows[3]).toMatchObject({
      instance: 'CURRENT/SUCCEEDED, drift IN_SYNC',
      verified: ['stack instance CURRENT (the last StackSet operation succeeded here)', 'drift detection IN_SYNC at 2026-11-30T08:00:00.000Z'],
      inferred: [`pattern: the StackSet's template equals the hub's (${HASH.slice(7, 19)}); the rule itself is not readable from the hub account`],
    });
    expect(res.stderr.trim().split('\n').pop()).toBe(JSON.stringify({ rows: 6, ok: 2, inferred: 4, gap: 0, skipped: 0 }));
    expect(res.stderr).toContain('note: member accounts are those Rekwatch-spokes has instances for');
  });

  it('--strict fails when a cell could only be inferred; the table says what was verified and inferred', async () => {
    serveOutputs(OUTPUTS);
    serveEventBridge(healthy());
    serveStackSet([[instance(MEMBER_A, 'us-east-1'), instance(MEMBER_A, 'eu-west-1')]]);
    const strict = await run(['--stack', 'Rekwatch', '--strict']);
    expect(strict.code).toBe(1);
    const table = await run(['--stack', 'Rekwatch']);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe(`coverage of Rekwatch: hub ${HUB} us-east-1, regions us-east-1, eu-west-1, pattern ${HASH.slice(0, 19)}…, heartbeat off`);
    expect(lines[2]).toMatch(/^ACCOUNT +REGION +VIA +SPOKE +STATE +PATTERN +LAST HEARTBEAT +VERDICT$/);
    expect(lines[3]).toMatch(new RegExp(`^${HUB} +us-east-1 +hub +present +ENABLED_ALL_MGMT +equal +- +OK$`));
    expect(table.stdout).toMatch(new RegExp(`${MEMBER_A} +eu-west-1 +StackSet +present \\(CURRENT/SUCCEEDED, drift NOT_CHECKED\\) +- +unverified +- +INFERRED\\n    verified: stack instance CURRENT`));
    expect(table.stdout).toContain('    inferred: never drift-checked (aws cloudformation detect-stack-set-drift): a hand edit there would not show');
    expect(lines.at(-2)).toBe('4 account × region cells: 2 ok (read and equal), 2 inferred (not readable from here), 0 with a gap');
  });

  it('reports every gap and exits 1: a missing spoke rule, a disabled or mis-targeted one, an old pattern, missing or failed instances, a drifted stack', async () => {
    serveOutputs({ ...OUTPUTS, CoveredRegions: 'us-east-1,eu-west-1,ap-southeast-2,eu-central-1' });
    serveEventBridge({
      ...healthy(),
      'ap-southeast-2': { 'Rekwatch-spoke-forward-1': { State: 'DISABLED', EventPattern: JSON.stringify(rule!.pattern), targets: ['arn:aws:events:us-east-1:111122223333:event-bus/elsewhere', BUS] } },
      'eu-central-1': { 'Rekwatch-spoke-forward-1': { State: rule!.state, EventPattern: JSON.stringify(OTHER_PATTERN), targets: ['arn:aws:events:us-east-1:111122223333:event-bus/elsewhere'] } },
      'eu-west-1': {},
    });
    serveStackSet([
      [
        instance(MEMBER_A, 'us-east-1', { DriftStatus: 'DRIFTED', LastDriftCheckTimestamp: new Date('2026-11-30T08:00:00Z') }),
        instance(MEMBER_A, 'eu-west-1', { Status: 'OUTDATED', StackInstanceStatus: { DetailedStatus: 'FAILED' }, StatusReason: 'ResourceLogicalId:SpokeForwardRole, Role already exists' }),
        instance(MEMBER_A, 'ap-southeast-2', { Status: 'OUTDATED', StackInstanceStatus: { DetailedStatus: 'RUNNING' } }),
        instance(MEMBER_B, 'us-east-1', { Status: 'INOPERABLE', StackInstanceStatus: { DetailedStatus: 'INOPERABLE' } }),
        instance(MEMBER_B, 'eu-west-1', { StackInstanceStatus: { DetailedStatus: 'SKIPPED_SUSPENDED_ACCOUNT' } }),
      ],
    ]);
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(res.code).toBe(1);
    const byCell = Object.fromEntries(res.rows.map((r) => [`${r.account} ${r.region}`, r]));
    expect(byCell[`${HUB} eu-west-1`]).toMatchObject({ spoke: 'missing', verdict: 'gap', gaps: ['spoke rule Rekwatch-spoke-forward-1 does not exist'] });
    // Both targets were read (two pages): the hub bus is among them.
    expect(byCell[`${HUB} ap-southeast-2`]).toMatchObject({ state: 'DISABLED', verdict: 'gap', gaps: ['spoke rule Rekwatch-spoke-forward-1 is DISABLED', expect.stringMatching(/^pattern or state differs/)] });
    expect(byCell[`${HUB} eu-central-1`]).toMatchObject({
      pattern: 'differs',
      gaps: [`spoke rule Rekwatch-spoke-forward-1 does not target the hub bus ${BUS}`, expect.stringMatching(/^pattern or state differs from the hub's: [0-9a-f]{12}, hub [0-9a-f]{12} \(an old or hand-edited spoke: cdk deploy --all\)$/)],
    });
    expect(byCell[`${MEMBER_A} us-east-1`]!.gaps).toEqual(['the stack was changed outside the StackSet (drift DRIFTED at 2026-11-30T08:00:00.000Z)']);
    expect(byCell[`${MEMBER_A} eu-west-1`]!.gaps).toEqual(['stack instance OUTDATED/FAILED, drift NOT_CHECKED: ResourceLogicalId:SpokeForwardRole, Role already exists']);
    expect(byCell[`${MEMBER_A} ap-southeast-2`]).toMatchObject({ spoke: 'unknown', gaps: ['stack instance OUTDATED/RUNNING, drift NOT_CHECKED: a StackSet operation is still under way'] });
    expect(byCell[`${MEMBER_A} eu-central-1`]).toMatchObject({ spoke: 'missing', gaps: ['no stack instance of Rekwatch-spokes in this region'] });
    expect(byCell[`${MEMBER_B} us-east-1`]).toMatchObject({ spoke: 'unknown', verdict: 'gap' });
    expect(byCell[`${MEMBER_B} eu-west-1`]).toMatchObject({ verdict: 'skipped', gaps: [] });
    expect(byCell[`${HUB} us-east-1`]).toMatchObject({ verdict: 'ok' });
  });

  it('an old StackSet template is a gap in every member cell', async () => {
    serveOutputs({ ...OUTPUTS, CoveredRegions: 'us-east-1' });
    serveEventBridge(healthy());
    serveStackSet([[instance(MEMBER_A, 'us-east-1')]], templateBody(OTHER_PATTERN));
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(res.code).toBe(1);
    expect(res.rows[1]).toMatchObject({ account: MEMBER_A, verdict: 'gap', gaps: [expect.stringMatching(/^the StackSet's template pattern differs from the hub's: .* \(cdk deploy the hub to update it\)$/)] });
  });

  it('cannot list the StackSet (wrong CallAs, no trusted access): one gap row, not a silent pass', async () => {
    serveOutputs({ ...OUTPUTS, StackSetCallAs: 'SELF' });
    serveEventBridge(healthy());
    cfnMock.on(DescribeStackSetCommand).rejects(Object.assign(new Error('StackSet Rekwatch-spokes not found'), { name: 'StackSetNotFoundException', $metadata: {} }));
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(cfnMock.commandCalls(DescribeStackSetCommand)[0]!.args[0].input).toEqual({ StackSetName: 'Rekwatch-spokes', CallAs: 'SELF' });
    expect(res.code).toBe(1);
    expect(res.rows[0]).toMatchObject({ account: '*', region: '*', via: 'StackSet', verdict: 'gap', gaps: ['cannot list the instances of Rekwatch-spokes (CallAs SELF): StackSetNotFoundException: StackSet Rekwatch-spokes not found'] });
  });

  it('a region whose rules cannot be read is a gap naming the error', async () => {
    serveOutputs({ ...OUTPUTS, SpokeStackSetName: '', CoveredRegions: 'us-east-1,eu-west-1' });
    serveEventBridge(healthy());
    ebMock.on(DescribeRuleCommand, { Name: 'Rekwatch-spoke-forward-1' }).rejects(Object.assign(new Error('User is not authorized to perform: events:DescribeRule'), { name: 'AccessDeniedException', $metadata: {} }));
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(res.code).toBe(1);
    expect(res.rows[1]).toMatchObject({ region: 'eu-west-1', verdict: 'gap', gaps: ['cannot read the rules: AccessDeniedException: User is not authorized to perform: events:DescribeRule'] });
  });

  it('with the heartbeat on: reads every cell\'s last heartbeat in one BatchGetItem; a silent or never-heard cell is a gap, a fresh one is verified', async () => {
    serveOutputs({ ...OUTPUTS, HeartbeatMaxSilenceSeconds: '7200', SpokeAccounts: MGMT, CoveredRegions: 'us-east-1' });
    serveEventBridge(healthy());
    serveStackSet([[instance(MEMBER_A, 'us-east-1')]]);
    ddbMock.on(BatchGetItemCommand).resolvesOnce({
      Responses: { 'Rekwatch-StateTable-XYZ': [{ pk: { S: `heartbeat#${HUB}#us-east-1` }, lastAt: { N: String(NOW - 7 * 60_000) } }] },
      UnprocessedKeys: { 'Rekwatch-StateTable-XYZ': { Keys: [{ pk: { S: `heartbeat#${MEMBER_A}#us-east-1` } }], ProjectionExpression: 'pk, lastAt' } },
    }).resolvesOnce({ Responses: { 'Rekwatch-StateTable-XYZ': [{ pk: { S: `heartbeat#${MEMBER_A}#us-east-1` }, lastAt: { N: String(NOW - 3 * 3_600_000) } }] }, UnprocessedKeys: {} });
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(ddbMock.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input)).toEqual([
      {
        RequestItems: {
          'Rekwatch-StateTable-XYZ': {
            Keys: [{ pk: { S: `heartbeat#${HUB}#us-east-1` } }, { pk: { S: `heartbeat#${MGMT}#us-east-1` } }, { pk: { S: `heartbeat#${MEMBER_A}#us-east-1` } }],
            ProjectionExpression: 'pk, lastAt',
          },
        },
      },
      { RequestItems: { 'Rekwatch-StateTable-XYZ': { Keys: [{ pk: { S: `heartbeat#${MEMBER_A}#us-east-1` } }], ProjectionExpression: 'pk, lastAt' } } },
    ]);
    expect(res.code).toBe(1);
    expect(res.rows.map((r) => [r.account, r.verdict, r.lastHeartbeat])).toEqual([
      [HUB, 'ok', new Date(NOW - 7 * 60_000).toISOString()],
      [MGMT, 'gap', null],
      [MEMBER_A, 'gap', new Date(NOW - 3 * 3_600_000).toISOString()],
    ]);
    expect(res.rows[0].verified).toContain('heartbeat 7m ago: a real CloudTrail event from here reached the evaluate function');
    expect(res.rows[1].gaps).toEqual(['no heartbeat ever recorded (one is sent every 15 minutes once deployed; heartbeatMaxSilence 2h)']);
    expect(res.rows[1].inferred).toEqual([`spoke stack Rekwatch-Spoke-${MGMT}-us-east-1 is in another account: not readable from the hub account`]);
    expect(res.rows[2].gaps).toEqual(['silent: last heartbeat 3h ago, over heartbeatMaxSilence 2h']);
  });

  it('a spoke account heard from recently is still only inferred: its rules were not read', async () => {
    serveOutputs({ ...OUTPUTS, SpokeStackSetName: '', HeartbeatMaxSilenceSeconds: '7200', SpokeAccounts: MGMT, CoveredRegions: 'us-east-1' });
    serveEventBridge(healthy());
    ddbMock.on(BatchGetItemCommand).resolves({
      Responses: { 'Rekwatch-StateTable-XYZ': [HUB, MGMT].map((a) => ({ pk: { S: `heartbeat#${a}#us-east-1` }, lastAt: { N: String(NOW - 60_000) } })) },
    });
    const res = await run(['--stack', 'Rekwatch', '--json']);
    expect(res.code).toBe(0);
    expect(res.rows.map((r) => [r.account, r.verdict])).toEqual([[HUB, 'ok'], [MGMT, 'inferred']]);
  });

  it('exits 2 when the stack cannot be read or is not a hub', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError', $metadata: {} }));
    expect(await run(['--stack', 'Nope'])).toMatchObject({ code: 2, stdout: '', stderr: 'rekwatch coverage: ValidationError: Stack with id Nope does not exist\n' });
    serveOutputs({ StateTableName: 't', AlertTopicArn: 'arn' });
    const single = await run(['--stack', 'Rekwatch']);
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/^rekwatch coverage: stack Rekwatch has no HubEventBusArn output: it is not a rekwatch hub/);
    expect(ebMock.calls()).toHaveLength(0);
  });
});

describe('coverage model', () => {
  const hub = (over: Record<string, string> = {}) => {
    const parsed = parseHubOutputs('Rekwatch', { ...OUTPUTS, ...over });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.hub;
  };

  it('reads the hub from its outputs, and says what is wrong with outputs that do not describe one', () => {
    expect(hub({ SpokeAccounts: `${MGMT},${HUB}`, HeartbeatMaxSilenceSeconds: '3600' })).toEqual({
      stackName: 'Rekwatch',
      homeAccount: HUB,
      homeRegion: 'us-east-1',
      busArn: BUS,
      regions: ['us-east-1', 'eu-west-1'],
      patternHash: HASH,
      spokeRuleNames: ['Rekwatch-spoke-forward-1'],
      hubRuleNames: ['Rekwatch-DetectionRule0-AbC123'],
      spokeAccounts: [MGMT],
      stackSet: { name: 'Rekwatch-spokes', callAs: 'DELEGATED_ADMIN', organizationalUnitIds: ['r-ab12'] },
      heartbeat: { maxSilenceMs: 3_600_000, tableName: 'Rekwatch-StateTable-XYZ' },
    });
    expect(parseHubOutputs('R', { ...OUTPUTS, PatternHash: 'md5:1' })).toEqual({ ok: false, reason: 'stack R: PatternHash output missing or not a sha256: hash' });
    expect(parseHubOutputs('R', { ...OUTPUTS, StackSetCallAs: 'ADMIN' })).toEqual({ ok: false, reason: 'stack R: StackSetCallAs output "ADMIN" is neither SELF nor DELEGATED_ADMIN' });
    expect(parseHubOutputs('R', { ...OUTPUTS, HubEventBusArn: 'bus' })).toEqual({ ok: false, reason: 'stack R: HubEventBusArn "bus" is not an event bus ARN' });
    expect(parseHubOutputs('R', { ...OUTPUTS, HeartbeatMaxSilenceSeconds: '2h' })).toMatchObject({ ok: false, reason: expect.stringContaining('is not a number of seconds') });
  });

  it('plans DescribeRule of the hub rules in the home region and of the spoke rules elsewhere', () => {
    expect(planReadings(hub({ CompiledRuleCount: '2' }))).toEqual([
      { region: 'us-east-1', ruleNames: ['Rekwatch-DetectionRule0-AbC123'] },
      { region: 'eu-west-1', ruleNames: ['Rekwatch-spoke-forward-1', 'Rekwatch-spoke-forward-2'] },
    ]);
  });

  it('expects every covered region of every member the StackSet lists, the hub and spoke accounts once', () => {
    const h = hub({ SpokeAccounts: MGMT });
    const instances = [MEMBER_B, HUB, MEMBER_A, MGMT].map((account) => ({ account, region: 'us-east-1', status: 'CURRENT', detailedStatus: null, statusReason: null, driftStatus: null, lastDriftCheck: null }));
    expect(expectedCells(h, { ok: true, value: { templateRules: [], instances } }).map((c) => `${c.account} ${c.region} ${c.via}`)).toEqual([
      `${HUB} us-east-1 hub`, `${HUB} eu-west-1 spoke stack`, `${MGMT} us-east-1 spoke stack`, `${MGMT} eu-west-1 spoke stack`,
      `${MEMBER_A} us-east-1 StackSet`, `${MEMBER_A} eu-west-1 StackSet`, `${MEMBER_B} us-east-1 StackSet`, `${MEMBER_B} eu-west-1 StackSet`,
    ]);
  });

  it('flags a hub whose own rules no longer hash to PatternHash, and says when the hub rule names are not in the outputs', () => {
    const readings = (rules: CoverageReadings['hubAccount']): CoverageReadings => ({ hubAccount: rules, stackSet: null, heartbeats: null, now: NOW });
    const changed = assessCoverage(hub({ SpokeStackSetName: '', CoveredRegions: 'us-east-1' }), readings({ 'us-east-1': { ok: true, value: [{ name: 'r', rule: { state: 'ENABLED', pattern: OTHER_PATTERN, targetArns: [] } }] } }));
    expect(changed.rows[0]).toMatchObject({ verdict: 'gap', gaps: [expect.stringMatching(/\(changed outside CloudFormation\?\)$/)] });
    const old = assessCoverage(hub({ SpokeStackSetName: '', CoveredRegions: 'us-east-1', HubRuleNames: '' }), readings({ 'us-east-1': { ok: true, value: [] } }));
    expect(old.rows[0]).toMatchObject({ verdict: 'inferred', inferred: ['hub rules not checked: the stack has no HubRuleNames output (deploy it again to add it)'] });
  });

  it('finds the forwarding rules in the StackSet template, in order, or says there are none', () => {
    expect(spokeRulesOfTemplate(templateBody(), ['Rekwatch-spoke-forward-1'])).toEqual([{ pattern: rule!.pattern, state: rule!.state }]);
    expect(spokeRulesOfTemplate(templateBody(), ['Rekwatch-spoke-forward-1', 'Rekwatch-spoke-forward-2'])).toBeNull();
    expect(spokeRulesOfTemplate('not json', ['x'])).toBeNull();
  });
});
