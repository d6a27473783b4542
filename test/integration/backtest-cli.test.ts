/**
 * `rekwatch replay s3://… --on-aws --stack NAME`, the CLI path end to end: the trail bucket and the
 * results bucket in s3rver, CloudFormation and Step Functions through aws-sdk-client-mock (exact
 * DescribeStacks and StartExecution parameters), the worker handler run on each batch as the
 * Distributed Map would (test/helpers/backtest-aws.ts). Proves: the same JSON Lines, summary and
 * readable report as a local `replay s3://` of the same objects; the plan and cost lines; the
 * refusal without --yes off a terminal; and one-line errors for a stack without backtest outputs, a
 * bucket the stack does not read, an execution that failed, a missing stack.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { packDigest } from '../../functions/adapters/backtest/pack-digest';
import { Readable, Writable } from 'node:stream';
import { main } from '../../functions/cli/main';
import { runCli, TEST_STATE_DIR } from '../helpers/cli';
import { record } from '../helpers/records';
import { S3_ENV, startS3, type S3StandIn } from '../helpers/s3';
import { fakeFanOut, STACK, STATE_MACHINE_ARN } from '../helpers/backtest-aws';

const A = '111122223333';
const TRAIL = 'trail-bucket';
const RESULTS = 'results-bucket';
const NOW = Date.parse('2026-11-20T12:00:00Z');

const RULE = {
  id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
  conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
};

const del = (id: string) => record({ eventName: 'DeleteCollection', readOnly: false, eventID: id, recipientAccountId: A });
const quiet = (id: string) => record({ eventName: 'DetectFaces', readOnly: true, eventID: id, recipientAccountId: A });
const trailFile = (...records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));
const logKey = (day: string, hhmm: string) => `AWSLogs/${A}/CloudTrail/us-east-1/${day}/${A}_CloudTrail_us-east-1_${day.replace(/\//g, '')}T${hhmm}Z_x${hhmm}.json.gz`;

describe('rekwatch replay --on-aws', () => {
  let s3: S3StandIn;
  let cwd: string;
  let fan: ReturnType<typeof fakeFanOut> | undefined;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['replay', '--rules', 'rules', '--endpoint-url', s3.endpoint, ...args], { cwd, env: { ...S3_ENV, ...env }, now: () => NOW, sleep: async () => undefined });

  beforeAll(async () => {
    s3 = await startS3([TRAIL, RESULTS, 'elsewhere']);
    cwd = mkdtempSync(join(tmpdir(), 'rekwatch-backtest-cli-'));
    mkdirSync(join(cwd, 'rules'));
    writeFileSync(join(cwd, 'rules', 'delete-without-mfa.json'), JSON.stringify(RULE));
    await s3.put(TRAIL, logKey('2026/11/18', '1000'), trailFile(del('a'), quiet('q1'), del('b')));
    // The same event delivered again in a later file (a duplicate across batches), and a bad record.
    await s3.put(TRAIL, logKey('2026/11/19', '1000'), trailFile(del('b'), { not: 'a record' }, del('c')));
    await s3.put(TRAIL, logKey('2026/11/19', '1100'), gzipSync(JSON.stringify({ Records: [del('lost')] })).subarray(0, 40));
    await s3.put(TRAIL, logKey('2026/11/20', '0900'), trailFile(quiet('q2'), del('a')));
    await s3.put(TRAIL, `AWSLogs/${A}/CloudTrail-Digest/us-east-1/2026/11/20/${A}_CloudTrail-Digest_us-east-1_t_us-east-1_20261120T0905Z.json.gz`, trailFile({ digest: true }));
  });
  afterAll(() => s3.close());
  afterEach(() => {
    fan?.restore();
    fan = undefined;
  });
  const fanOut = (extra: Partial<Parameters<typeof fakeFanOut>[1]> = {}) => {
    fan = fakeFanOut(s3, { trailBucket: TRAIL, resultsBucket: RESULTS, pack: loadRulesDir(join(cwd, 'rules'), cwd).pack, ...extra });
    return fan;
  };

  it('prints the same alerts, summary and notes as a local replay, with the plan and its cost first', async () => {
    const local = await run(['--json', `s3://${TRAIL}/`]);
    const f = fanOut();
    const aws = await run(['--json', `s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes', '--batch-objects', '1']);
    expect(aws.code).toBe(local.code);
    expect(aws.stdout).toBe(local.stdout);
    expect(aws.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toEqual(['a', 'b', 'c']);
    const notes = (s: string) => s.split('\n').filter((l) => !l.startsWith('rekwatch replay --on-aws:') && !l.startsWith('Estimated cost'));
    expect(notes(aws.stderr)).toEqual(notes(local.stderr));
    expect(aws.stderr).toContain('rekwatch replay --on-aws: 4 objects, ');
    expect(aws.stderr).toContain('in 4 batches');
    expect(aws.stderr).toMatch(/Estimated cost \(an estimate, not a promise; us-east-1 list prices of 2026-12-01, at an assumed 1\.0 MB\/s per worker\): about \$0\.\d{4} \(Lambda 7 GB-s at 1769 MB/);
    expect(aws.stderr).toContain('batches 4/4 done, 0 running, 0 failed');

    expect(f.cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: STACK }]);
    const starts = f.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(1);
    const start = starts[0] as { stateMachineArn: string; name: string; input: string };
    expect(Object.keys(start).sort()).toEqual(['input', 'name', 'stateMachineArn']);
    expect(start.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(start.name).toMatch(/^rekwatch-20261120T120000-[0-9a-f]{8}$/);
    expect(JSON.parse(start.input)).toEqual({ run: start.name, manifestKey: `runs/${start.name}/manifest.json`, eventSources: null, maxRecordBytes: 64 * 1024 * 1024 });
  });

  it('gives the same readable report as a local replay, with the default batches', async () => {
    const local = await run([`s3://${TRAIL}/`, '--since', '2026-11-19T00:00:00Z']);
    fanOut();
    const aws = await run([`s3://${TRAIL}/`, '--since', '2026-11-19T00:00:00Z', '--on-aws', '--stack', STACK, '--yes']);
    expect(aws.stdout).toBe(local.stdout);
    expect(aws.stdout).toContain('Delete without MFA');
    expect(aws.code).toBe(local.code);
    expect(aws.stderr).toContain('3 objects');
    expect(aws.stderr).toContain('in 1 batch\n');
  });

  it('refuses to start without --yes when it cannot ask, after showing the plan', async () => {
    const f = fanOut();
    const r = await run([`s3://${TRAIL}/`, '--on-aws', '--stack', STACK]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Estimated cost');
    expect(r.stderr.trim().split('\n').pop()).toBe('rekwatch replay --on-aws: not started: confirm on a terminal, or add --yes');
    expect(f.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(r.stdout).toBe('');
  });

  it('asks on a terminal, and starts only on yes', async () => {
    const ask = async (answer: string) => {
      let stderr = '';
      const stdin = Object.assign(Readable.from([Buffer.from(answer)]), { isTTY: true });
      const code = await main(['node', 'rekwatch', 'replay', '--rules', 'rules', '--endpoint-url', s3.endpoint, '--json', `s3://${TRAIL}/`, '--on-aws', '--stack', STACK], {
        stdout: new Writable({ write(_c, _e, cb) { cb(); } }),
        stderr: new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } }),
        stdin, cwd, stderrIsTTY: true, env: { ...S3_ENV, REKWATCH_STATE_DIR: TEST_STATE_DIR }, now: () => NOW, sleep: async () => undefined,
      });
      return { code, stderr };
    };
    const no = fanOut();
    const refused = await ask('n\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Start it? [y/N] ');
    expect(refused.stderr).toContain('rekwatch replay --on-aws: not started\n');
    expect(no.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    no.restore();
    const yes = fanOut();
    const started = await ask('y\n');
    expect(started.code).toBe(0);
    expect(yes.sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('says in one line what is wrong with the stack, the bucket or the execution', async () => {
    fanOut({ outputs: { StateTableName: 't' } });
    const noOutputs = await run([`s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes']);
    expect(noOutputs.code).toBe(1);
    expect(noOutputs.stderr.trim()).toBe(`rekwatch replay --on-aws: stack ${STACK} has no BacktestStateMachineArn, BacktestResultsBucket, BacktestTrailBucket, BacktestWorkerMemoryMb outputs: deploy it with -c backtest=true -c backtestTrailBucket=BUCKET (README: Backtests on AWS)`);
    fan?.restore();

    fanOut();
    const other = await run(['s3://elsewhere/', '--on-aws', '--stack', STACK, '--yes']);
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toBe(`rekwatch replay --on-aws: stack ${STACK} reads the trail bucket ${TRAIL} only (backtestTrailBucket), not elsewhere`);
    fan?.restore();

    fanOut({ fail: { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' } });
    const failed = await run([`s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim().split('\n').pop()).toMatch(/^rekwatch replay --on-aws: execution rekwatch-\S+ failed: States\.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded$/);
    fan?.restore();

    const f = fanOut();
    f.cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } }));
    const missing = await run([`s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`rekwatch replay --on-aws: stack ${STACK} not found (check the name, the account and AWS_REGION)`);
  });

  it('warns when the deployed rules differ from --rules, and runs with the deployed ones', async () => {
    const pack = loadRulesDir(join(cwd, 'rules'), cwd).pack;
    const other = { ...pack, rules: pack.rules.map((r) => ({ ...r, name: 'Renamed' })) };
    fanOut({ outputs: { BacktestStateMachineArn: STATE_MACHINE_ARN, BacktestResultsBucket: RESULTS, BacktestTrailBucket: TRAIL, BacktestWorkerMemoryMb: '1769', BacktestPackDigest: packDigest(other) } });
    const r = await run(['--json', `s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`rekwatch replay --on-aws: warning: the rules deployed in stack ${STACK} (pack ${packDigest(other)}) differ from --rules (pack ${packDigest(pack)}): alerts come from the deployed rules; deploy these rules, or pass the --rules and --config the stack was deployed with\n`);
    fan?.restore();
    fanOut();
    const same = await run(['--json', `s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes']);
    expect(same.stderr).not.toContain('warning');
  });

  it('refuses rules that use firstSeen (batches cannot know what came before them), before listing anything', async () => {
    const dir = join(cwd, 'first-seen-rules');
    mkdirSync(dir);
    writeFileSync(join(dir, 'new-network.json'), JSON.stringify({
      id: 'new-network', name: 'New network', severity: 'low',
      conditions: { all: [{ fact: 'firstSeen', path: '$.sourceIPAddress', operator: 'equal', value: true }] },
      tests: [{ name: 'hit', event: {}, expect: true }],
    }));
    s3.lists.length = 0;
    const r = await runCli(['replay', '--rules', dir, '--endpoint-url', s3.endpoint, `s3://${TRAIL}/`, '--on-aws', '--stack', STACK, '--yes'], { cwd, env: S3_ENV, now: () => NOW, sleep: async () => undefined });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toBe('rekwatch replay --on-aws: the rules use the firstSeen fact, which needs the whole trail in event-time order in one place: replay them locally, or disable those rules for the backtest');
    expect(s3.lists).toEqual([]);
  });

  it('needs --stack and exactly one s3:// input', async () => {
    const noStack = await run([`s3://${TRAIL}/`, '--on-aws', '--yes']);
    expect(noStack.code).toBe(2);
    expect(noStack.stderr.trim()).toBe('rekwatch replay --on-aws: --stack NAME is required (the rekwatch stack deployed with -c backtest=true)');
    const local = await run(['some-dir', '--on-aws', '--stack', STACK, '--yes']);
    expect(local.code).toBe(2);
    expect(local.stderr.trim().split('\n').pop()).toBe('rekwatch replay --on-aws: give exactly one s3://BUCKET/PREFIX (local files and --lookup-events are replayed locally)');
  });

  it('lists only the days in range, as a local replay does', async () => {
    fanOut();
    s3.lists.length = 0;
    await run([`s3://${TRAIL}/`, '--since', '2026-11-20T00:00:00Z', '--on-aws', '--stack', STACK, '--yes']);
    expect(s3.lists.map((l) => l.prefix).filter((p) => p.includes('/2026/'))).toEqual([`AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/`]);
  });
});
