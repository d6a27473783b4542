/**
 * Mutes end to end through the CLI: `mute` / `mutes` / `unmute` on the embedded store and on a
 * DynamoDB table (dynalite standing in for the stack's), and `replay` applying live mutes and dedupe
 * windows (`--no-mutes` to ignore them), with suppressed counts in the summary.
 */
import { mkdtempSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../helpers/cli';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Mute } from '../../functions/core/suppress/mute';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { largestMute, seedMutes } from '../helpers/mute-seed';
import { envelope, record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');
const SAMPLES = join(ROOT, 'samples', 'trail');
const RULES = join(ROOT, 'rules');

function freshState(): string {
  return join(mkdtempSync(join(tmpdir(), 'rekwatch-mutes-')), '.rekwatch');
}

const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split('\n').pop() as string) as { alerts: number; suppressed: { mute: number; dedupe: number } };

describe('rekwatch mute / mutes / unmute (embedded store)', () => {
  it('mutes a rule for a principal, lists it with time left, applies it to replay, and unmutes it', async () => {
    const state = freshState();
    const now = Date.now();
    const muted = await runCli(['mute', 'collection-deleted-without-mfa', '--principal', 'arn:aws:iam::111122223333:user/contractor-*', '--for', '4h', '--reason', 'contractor offboarding clean-up', '--json', '--rules', RULES, '--state-dir', state], { now: () => now });
    expect(muted.code).toBe(0);
    const mute = JSON.parse(muted.stdout) as { id: string; expiresAt: string; createdBy: string; scope: unknown };
    expect(mute).toMatchObject({ createdBy: 'tester', scope: { principal: 'arn:aws:iam::111122223333:user/contractor-*' }, expiresAt: new Date(now + 4 * 3_600_000).toISOString() });

    const list = await runCli(['mutes', '--state-dir', state], { now: () => now + 60_000 });
    expect(list.stdout).toContain(`${mute.id}  rule collection-deleted-without-mfa for principal arn:aws:iam::111122223333:user/contractor-*`);
    expect(list.stdout).toContain('3h59m left');
    expect(list.stdout).toContain('by tester at');

    const replayed = await runCli(['replay', '--json', '--state-dir', state, SAMPLES]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.trim().split('\n')).toHaveLength(7);
    expect(replayed.stdout).not.toContain('collection-deleted-without-mfa');
    expect(summaryOf(replayed.stderr)).toMatchObject({ alerts: 8, suppressed: { mute: 1, dedupe: 0 } });
    // Said on stderr, before the summary line, so a backtest quietly changed by leftover mutes is noticed.
    expect(replayed.stderr.trim().split('\n').slice(-2)[0]).toBe(`rekwatch: 1 alert held back by 1 live mute (${mute.id}); --no-mutes to see it`);

    const all = await runCli(['replay', '--json', '--no-mutes', '--state-dir', state, SAMPLES]);
    expect(all.stdout.trim().split('\n')).toHaveLength(8);
    expect(summaryOf(all.stderr).suppressed).toEqual({ mute: 0, dedupe: 0 });

    const readable = await runCli(['replay', '--state-dir', state, SAMPLES]);
    expect(readable.stdout).toContain('of which 1 would not have been delivered: 1 muted, 0 held back by dedupe windows');
    expect(readable.stderr).toBe(`rekwatch: 1 alert held back by 1 live mute (${mute.id}); --no-mutes to see it\n`);
    expect(readable.stdout).not.toContain('more alerts not shown');
    const again = await runCli(['mute', 'collection-deleted-without-mfa', '--principal', 'arn:aws:iam::111122223333:user/contractor-*', '--for', '1h', '--reason', 'again', '--rules', RULES, '--state-dir', state]);
    expect(again.stderr).toContain(`note: ${mute.id} already mutes exactly this`);
    await runCli(['unmute', again.stdout.match(/m-[a-z0-9]+/)![0], '--state-dir', state]);

    const un = await runCli(['unmute', mute.id, '--state-dir', state]);
    expect(un).toMatchObject({ code: 0, stdout: `unmuted ${mute.id}: rule collection-deleted-without-mfa for principal arn:aws:iam::111122223333:user/contractor-* is delivered again\n` });
    expect((await runCli(['mutes', '--state-dir', state])).stdout).toContain('no live mutes');
    const history = await runCli(['mutes', '--all', '--json', '--state-dir', state]);
    const records = history.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(records.find((r) => r.id === mute.id)).toMatchObject({ removedBy: 'tester', live: false, reason: 'contractor offboarding clean-up' });
    expect((await runCli(['unmute', mute.id, '--state-dir', state])).code).toBe(1);
  }, 30_000);

  it('refuses invalid input with every problem and changes nothing', async () => {
    const state = freshState();
    const bad = await runCli(['mute', 'no-such-rule', '--ip', '10.0.0.0/33', '--for', 'forever', '--rules', RULES, '--state-dir', state]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('rekwatch mute: for: "forever" is not a duration (like 30m, 4h, 2d)');
    expect(bad.stderr).toContain('rekwatch mute: rule: unknown rule id "no-such-rule"');
    expect(bad.stderr).toContain('rekwatch mute: ip: "10.0.0.0/33" is neither an IP address nor a CIDR');
    expect(bad.stderr).toContain('rekwatch mute: reason: required');
    expect(bad.stderr).toContain('nothing was muted');
    const past = await runCli(['mute', '*', '--until', '2020-01-01T00:00:00Z', '--reason', 'x', '--rules', RULES, '--state-dir', state]);
    expect(past.stderr).toContain('expiry: is in the past');
    const none = await runCli(['mutes', '--all', '--state-dir', state]);
    expect(none).toMatchObject({ code: 0, stdout: expect.stringContaining('no mutes: no state in') });
    expect((await runCli(['unmute', 'm-abc', '--state-dir', state])).stderr).toContain('no mute with id m-abc (no state in');
    expect(require('node:fs').existsSync(state)).toBe(false); // reading never creates the store
  });

  it('says clearly when serve cannot listen, and when watch has no directory to follow', async () => {
    const { createServer } = await import('node:http');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const res = await runCli(['serve', '--port', String(port), '--rules', RULES, '--state-dir', freshState()]);
    busy.close();
    expect(res).toMatchObject({ code: 2, stderr: `rekwatch serve: cannot listen on 127.0.0.1:${port}: the port is in use (another rekwatch serve?); pick one with --port\n` });
    expect((await runCli(['serve', '--host', '0.0.0.0', '--rules', RULES])).stderr).toContain('serve only listens on loopback');
    const w = await runCli(['watch', join(ROOT, 'no-such-dir'), '--rules', RULES]);
    expect(w).toMatchObject({ code: 2, stderr: expect.stringContaining('no-such-dir: no such directory') });
    const f = await runCli(['watch', join(ROOT, 'README.md'), '--rules', RULES]);
    expect(f.stderr).toContain('is a file; watch follows a directory');
  });

  it('enforces the maximum from the deployment config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-mute-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ mutes: { maxDuration: '8h' } }));
    const res = await runCli(['mute', '*', '--for', '1d', '--reason', 'x', '--rules', RULES, '--config', join(dir, 'config.json'), '--state-dir', freshState()]);
    expect(res.stderr).toContain('expiry: at most 8h from now (the maximum; mutes.maxDuration in the deployment config sets it)');
  });
});

describe('rekwatch mute on the stack\'s table', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynamo('Rekwatch-StateTable');
  });
  afterAll(() => dynamo.close());

  it('writes to and reads from the table given with --table, through the standard AWS environment', async () => {
    const endpoint = await dynamo.client.config.endpoint!();
    const env = { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const res = await runCli(['mute', 'root-user-activity', '--for', '2h', '--reason', 'planned root login', '--rules', RULES, '--table', dynamo.tableName, '--json'], { env });
    expect(res.code).toBe(0);
    const id = (JSON.parse(res.stdout) as { id: string }).id;
    const list = await runCli(['mutes', '--json', '--table', dynamo.tableName], { env });
    expect(JSON.parse(list.stdout.trim())).toMatchObject({ id, ruleId: 'root-user-activity', live: true, suppressed: 0 });
    const replayed = await runCli(['replay', '--json', '--table', dynamo.tableName, SAMPLES], { env });
    expect(summaryOf(replayed.stderr).suppressed.mute).toBe(1);
  });

  it('finds the table from the stack outputs with --stack (CloudFormation DescribeStacks, exact parameters)', async () => {
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand, { StackName: 'Rekwatch' }).resolves({ Stacks: [{ StackName: 'Rekwatch', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'AlertTopicArn', OutputValue: 'arn:x' }, { OutputKey: 'StateTableName', OutputValue: dynamo.tableName }] }] });
    cfn.on(DescribeStacksCommand, { StackName: 'Other' }).resolves({ Stacks: [{ StackName: 'Other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    try {
      const endpoint = await dynamo.client.config.endpoint!();
      const env = { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
      const list = await runCli(['mutes', '--json', '--stack', 'Rekwatch'], { env });
      expect(list.code).toBe(0);
      expect(list.stdout).toContain('"ruleId":"root-user-activity"');
      expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'Rekwatch' });
      const other = await runCli(['mutes', '--stack', 'Other'], { env });
      expect(other).toMatchObject({ code: 1, stderr: 'rekwatch mutes: cannot open the state of stack Other: stack Other has no StateTableName output (is it a rekwatch stack?)\n' });
    } finally {
      cfn.restore();
    }
  });

  it('reports an unusable table in one line, no stack trace', async () => {
    const endpoint = await dynamo.client.config.endpoint!();
    const env = { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const res = await runCli(['mutes', '--table', 'no-such-table'], { env });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^rekwatch mutes: ResourceNotFoundException: /);
    expect(res.stderr.split('\n')).toHaveLength(2);
  });
});

describe('rekwatch mutes shows what the store holds, safely', () => {
  let db: LocalDynamo;
  let env: NodeJS.ProcessEnv;
  const now = Date.parse('2026-11-24T10:00:00Z');
  beforeAll(async () => {
    db = await startDynamo('Rekwatch-Hostile');
    const endpoint = await db.client.config.endpoint!();
    env = { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  });
  afterAll(() => db.close());
  const cli = (args: string[]) => runCli([...args, '--table', db.tableName], { env, now: () => now });
  const mute = (over: Partial<Mute>): Mute => ({ id: 'm-hostile222', ruleId: 'root-user-activity', scope: {}, reason: 'r', createdBy: 'a', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), ...over });
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('prints reasons and names from the store with visible escapes: no screen clearing, no forged lines, no reordering', async () => {
    await seedMutes(db, [mute({ reason: 'planned\u001b[2J\u001b[HALL CLEAR\rreally', createdBy: 'eve\u202eredla', scope: { principal: 'arn:aws:iam::111122223333:user/\u202eexe.gnp' } })]);
    const list = await cli(['mutes']);
    expect(list.stdout).toContain('by eve\\u202eredla at 2026-11-24T10:00:00.000Z: planned\\x1b[2J\\x1b[HALL CLEAR\\x0dreally');
    expect(list.stdout).toContain('for principal arn:aws:iam::111122223333:user/\\u202eexe.gnp');
    expect(list.stdout).not.toMatch(RAW);
    const json = await cli(['mutes', '--json']);
    expect(json.stdout).not.toMatch(RAW);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 'm-hostile222', createdBy: 'eve\u202eredla', reason: 'planned\u001b[2J\u001b[HALL CLEAR\rreally' }); // the same strings, escaped
    const all = await cli(['mutes', '--all']);
    expect(all.stdout).toContain('planned\\x1b[2J');
    expect(all.stdout).not.toMatch(RAW);
    expect((await cli(['unmute', 'm-hostile222', '--by', 'bob\u202e'])).stdout).not.toMatch(RAW);
  });

  it('shows a live-set entry without audit record as a problem (it is not applied), and unmute takes it out', async () => {
    const got = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: 'mutes' } }, ConsistentRead: true }));
    const forged = mute({ id: 'm-forged2222', ruleId: '*', reason: 'nothing to see' });
    await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: 'mutes' }, version: { N: String(Number(got.Item?.version?.N ?? 0) + 1) }, mutes: { S: JSON.stringify([forged]) } } }));
    const list = await cli(['mutes']);
    expect(list).toMatchObject({ code: 1, stdout: `no live mutes in DynamoDB table ${db.tableName}: every alert is delivered\n` });
    expect(list.stderr).toBe('rekwatch mutes: problem: m-forged2222 is in the live set with no audit record, so it is not applied (it says: every rule); take it out with `rekwatch unmute m-forged2222`\n');
    expect((await cli(['mutes', '--json'])).code).toBe(1);
    const replayed = await runCli(['replay', '--json', '--table', db.tableName, SAMPLES], { env, now: () => now });
    expect(summaryOf(replayed.stderr).suppressed.mute).toBe(0); // not applied anywhere
    const un = await cli(['unmute', 'm-forged2222']);
    expect(un).toMatchObject({ code: 0, stdout: 'rekwatch unmute: m-forged2222 had no audit record, so it never applied; took it out of the live set\n' });
    expect(await cli(['mutes'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a mute that would not fit in the live set, in one clear line', async () => {
    await seedMutes(db, Array.from({ length: 60 }, (_, i) => largestMute(`m-full${String(i).padStart(6, '0')}`, now)));
    const res = await cli(['mute', 'root-user-activity', '--for', '1h', '--reason', 'one more', '--rules', RULES]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^rekwatch mute: the live mute list is full \(\d+ KB with this mute; it may use 300 KB of one 400 KB DynamoDB item\): end some mutes .*\nrekwatch mute: nothing was muted\n$/);
  });
});

describe('replay with dedupe windows', () => {
  it('delivers one alert per key per window and counts the rest', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'rekwatch-dedupe-rules-'));
    mkdirSync(join(rules, 'lists'));
    writeFileSync(join(rules, 'deletes.json'), JSON.stringify({
      id: 'deletes', severity: 'low', dedupe: { window: '15m', by: ['principalArn'] },
      conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteFaces' }] }, tests: [],
    }));
    const lines = [0, 1, 2, 3, 20].map((m, i) => JSON.stringify(envelope(record({ eventName: 'DeleteFaces', readOnly: false, eventID: `d-${i}`, eventTime: new Date(Date.parse('2026-11-24T10:00:00Z') + m * 60_000).toISOString().replace('.000', '') }))));
    const file = join(rules, '..', `dedupe-${Date.now()}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const res = await runCli(['replay', '--json', '--rules', rules, file]);
    const delivered = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; suppressedBefore?: { count: number } });
    expect(delivered.map((a) => a.id)).toEqual(['deletes:d-0', 'deletes:d-4']);
    expect(delivered[1]!.suppressedBefore).toEqual({ count: 3, since: '2026-11-24T10:00:00.000Z' });
    expect(summaryOf(res.stderr)).toMatchObject({ alerts: 5, suppressed: { mute: 0, dedupe: 3 } });
    expect(res.stderr).toContain('rekwatch: 3 alerts held back by dedupe windows; --no-dedupe to see them\n');
    const off = await runCli(['replay', '--json', '--no-dedupe', '--rules', rules, file]);
    expect(off.stdout.trim().split('\n')).toHaveLength(5);
    expect(off.stderr).not.toContain('held back');
  });

  it('says on stderr, in both modes, how many alerts live mutes and dedupe windows held back, and how to see them', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'rekwatch-held-rules-'));
    mkdirSync(join(rules, 'lists'));
    writeFileSync(join(rules, 'deletes.json'), JSON.stringify({
      id: 'deletes', severity: 'low', dedupe: { window: '15m', by: ['principalArn'] },
      conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteFaces' }] }, tests: [],
    }));
    const state = freshState();
    const by = (user: string) => ({ userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${user}`, accountId: '111122223333' } });
    const muteFor = async (user: string) => {
      const m = await runCli(['mute', 'deletes', '--principal', `arn:aws:iam::111122223333:user/${user}`, '--for', '1h', '--reason', 'test', '--json', '--rules', rules, '--state-dir', state]);
      return (JSON.parse(m.stdout) as { id: string }).id;
    };
    const [m1, m2] = [await muteFor('ci'), await muteFor('bot')];
    const users = ['ci', 'ci', 'bot', 'alice', 'alice', 'alice', 'alice'];
    const lines = users.map((u, i) => JSON.stringify(record({ eventName: 'DeleteFaces', readOnly: false, eventID: `h-${i}`, eventTime: `2026-11-24T10:0${i}:00Z`, ...by(u) })));
    const file = join(rules, '..', `held-${Date.now()}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const note = `rekwatch: 3 alerts held back by 2 live mutes (${m1}: 2, ${m2}: 1) and 3 by dedupe windows; --no-mutes / --no-dedupe to see them`;
    const json = await runCli(['replay', '--json', '--rules', rules, '--state-dir', state, file]);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const stderr = json.stderr.trim().split('\n');
    expect(stderr.slice(-2)[0]).toBe(note);
    expect(JSON.parse(stderr.slice(-1)[0] as string)).toMatchObject({ alerts: 7, suppressed: { mute: 3, dedupe: 3 } });
    const readable = await runCli(['replay', '--rules', rules, '--state-dir', state, file]);
    expect(readable.stderr.trim().split('\n').pop()).toBe(note);
    const noMutes = await runCli(['replay', '--json', '--no-mutes', '--rules', rules, '--state-dir', state, file]);
    expect(noMutes.stderr).toContain('rekwatch: 4 alerts held back by dedupe windows; --no-dedupe to see them\n');
    const neither = await runCli(['replay', '--json', '--no-mutes', '--no-dedupe', '--rules', rules, '--state-dir', state, file]);
    expect(neither.stderr).not.toContain('held back');
  }, 30_000);
});
