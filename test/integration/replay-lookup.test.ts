/**
 * `rekwatch replay --lookup-events` against CloudTrail LookupEvents through aws-sdk-client-mock,
 * asserting the exact requests: one stream per eventName the rules can match (or per eventSource
 * when some rule can match any), paging by NextToken at 50 a page, StartTime/EndTime from
 * --since/--until, regions from --regions or AWS_REGION, at most 2 requests a second per region on a
 * fake clock, backing off on ThrottlingException, and one-line errors.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { CloudTrailClient, LookupEventsCommand, type CloudTrailClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-cloudtrail';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { main } from '../../functions/cli/main';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1' };

const DELETE_RULE = {
  id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
  conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteProject'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
};
const ROOT_RULE = {
  id: 'root-activity', name: 'Root activity', severity: 'critical',
  conditions: { all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }] },
  tests: [{ name: 'hit', event: { userIdentity: { type: 'Root' } }, expect: true }, { name: 'miss', event: {}, expect: false }],
};

function rulesDir(...rules: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-lookup-'));
  mkdirSync(join(dir, 'rules'));
  for (const r of rules) writeFileSync(join(dir, 'rules', `${(r as { id: string }).id}.json`), JSON.stringify(r));
  return dir;
}

const del = (id: string, eventName = 'DeleteCollection') => record({ eventName, readOnly: false, eventID: id });
const events = (...records: Array<Record<string, unknown>>) => records.map((r) => ({ EventId: String(r.eventID), EventName: String(r.eventName), CloudTrailEvent: JSON.stringify(r) }));
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

function summaryOf(stderr: string): Record<string, number> {
  return JSON.parse(stderr.trim().split('\n').pop() as string) as Record<string, number>;
}
const alertIds = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { eventId: string }).eventId);

/** A fake clock that sleeping advances; `sent` is the clock at each request. */
function fakeTime() {
  let t = NOW;
  const sleeps: number[] = [];
  const sent: number[] = [];
  return { now: () => t, sleep: async (ms: number) => { sleeps.push(ms); t += ms; }, sleeps, sent };
}

let ct: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudTrailClientResolvedConfig>;
beforeAll(() => {
  ct = mockClient(CloudTrailClient);
});
afterAll(() => ct.restore());
beforeEach(() => ct.reset());

const inputs = () => ct.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
const regions = () => Promise.all(ct.commandCalls(LookupEventsCommand).map((c) => (c.thisValue as CloudTrailClient).config.region()));

describe('rekwatch replay --lookup-events', () => {
  it('reads one stream per eventName the rules can match, page by page, with exact requests, paced at 2 a second', async () => {
    const cwd = rulesDir(DELETE_RULE);
    const time = fakeTime();
    const start = new Date(NOW - 7 * 86_400_000);
    const name = (n: string) => ({ LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: n }], StartTime: start, MaxResults: 50 });
    ct.callsFake(() => {
      time.sent.push(time.now());
      return Promise.reject(new Error('unexpected request'));
    });
    ct.on(LookupEventsCommand, name('DeleteCollection')).callsFake(async () => {
      time.sent.push(time.now());
      return { Events: events(del('c1'), del('c2')), NextToken: 'next-1' };
    });
    ct.on(LookupEventsCommand, { ...name('DeleteCollection'), NextToken: 'next-1' }).callsFake(async () => {
      time.sent.push(time.now());
      return { Events: [...events(del('c3')), { EventId: 'bad', CloudTrailEvent: '{"eventName": ' }] };
    });
    ct.on(LookupEventsCommand, name('DeleteProject')).callsFake(async () => {
      time.sent.push(time.now());
      return { Events: events(del('p1', 'DeleteProject')) };
    });
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--lookup-events', '--since', '7d'], { cwd, env: ENV, ...time });
    expect(res.code).toBe(0);
    expect(inputs()).toEqual([name('DeleteCollection'), { ...name('DeleteCollection'), NextToken: 'next-1' }, name('DeleteProject')]);
    expect(await regions()).toEqual(['us-east-1', 'us-east-1', 'us-east-1']);
    expect(alertIds(res.stdout)).toEqual(['c1', 'c2', 'c3', 'p1']);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 2, records: 5, evaluated: 4, malformed: 1, alerts: 4 });
    expect(res.stderr).toContain('rekwatch: malformed: LookupEvents us-east-1 EventName=DeleteCollection: page 2, event 2 (bad): invalid JSON: ');
    expect(time.sent).toEqual([NOW, NOW + 500, NOW + 1000]);
  });

  it('backs off on ThrottlingException (1 s, 2 s, …) and keeps requests at least 500 ms apart', async () => {
    const cwd = rulesDir(DELETE_RULE);
    const time = fakeTime();
    const first = { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteCollection' }], StartTime: new Date(Date.parse('2026-11-19T00:00Z')), EndTime: new Date(Date.parse('2026-11-20T00:00Z')), MaxResults: 50 };
    let calls = 0;
    ct.on(LookupEventsCommand).callsFake(async (input: { NextToken?: string; LookupAttributes: Array<{ AttributeValue: string }> }) => {
      time.sent.push(time.now());
      calls++;
      if (calls <= 2) throw throttled();
      if (input.LookupAttributes[0]?.AttributeValue === 'DeleteProject') return { Events: [] };
      return input.NextToken ? { Events: events(del('c2')) } : { Events: events(del('c1')), NextToken: 't' };
    });
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--lookup-events', '--since', '2026-11-19T00:00Z', '--until', '2026-11-20T00:00Z'], { cwd, env: ENV, ...time });
    expect(res.code).toBe(0);
    expect(alertIds(res.stdout)).toEqual(['c1', 'c2']);
    expect(inputs()).toEqual([first, first, first, { ...first, NextToken: 't' }, { ...first, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteProject' }] }]);
    expect(time.sleeps).toEqual([1000, 2000, 500, 500]);
    expect(time.sent.map((t) => t - NOW)).toEqual([0, 1000, 3000, 3500, 4000]);
    expect(time.sent.slice(1).every((t, i) => t - (time.sent[i] as number) >= 500)).toBe(true);
  });

  it('gives up after 8 throttled attempts, naming the stream: exit 2', async () => {
    const cwd = rulesDir(DELETE_RULE);
    const time = fakeTime();
    ct.on(LookupEventsCommand).rejects(throttled());
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--lookup-events', '--since', '1d'], { cwd, env: ENV, ...time });
    expect(res.code).toBe(2);
    expect(time.sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(res.stderr).toContain('rekwatch: cannot read LookupEvents us-east-1 EventName=DeleteCollection: still throttled after 8 attempts: ThrottlingException: Rate exceeded\n');
    expect(res.stderr).toContain('rekwatch: cannot read LookupEvents us-east-1 EventName=DeleteProject: still throttled after 8 attempts: ThrottlingException: Rate exceeded\n');
  });

  it('uses EventSource streams when some rule can match any eventName, one region after another from --regions', async () => {
    const cwd = rulesDir(DELETE_RULE, ROOT_RULE);
    const time = fakeTime();
    ct.on(LookupEventsCommand).callsFake(async () => ({ Events: events(record({ eventName: 'DetectFaces', eventID: 'root-1', userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' } })) }));
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--lookup-events', '--regions', 'eu-west-1,us-west-2'], { cwd, env: ENV, ...time });
    expect(res.code).toBe(0);
    const bySource = { LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'rekognition.amazonaws.com' }], MaxResults: 50 };
    expect(inputs()).toEqual([bySource, bySource]);
    expect(await regions()).toEqual(['eu-west-1', 'us-west-2']);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 2, records: 2, duplicates: 1, alerts: 1 }); // the same event from both: counted once
  });

  it('names access denied in one line and does not try the region\'s other streams; no region is a clear error too', async () => {
    const cwd = rulesDir(DELETE_RULE);
    ct.on(LookupEventsCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudtrail:LookupEvents'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const denied = await runCli(['replay', '--rules', 'rules', '--lookup-events'], { cwd, env: ENV, ...fakeTime() });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain("rekwatch: cannot read LookupEvents us-east-1 EventName=DeleteCollection: AccessDeniedException: User is not authorized to perform: cloudtrail:LookupEvents (needs cloudtrail:LookupEvents); the region's 1 other stream not tried\n");
    expect(inputs()).toHaveLength(1);
    const noRegion = await runCli(['replay', '--rules', 'rules', '--lookup-events'], { cwd, env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, ...fakeTime() });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('rekwatch: cannot read LookupEvents: no region: set AWS_REGION or give --regions\n');
  });

  it('shows the stream, the page and a throttling wait on the progress line of a terminal', async () => {
    const cwd = rulesDir(DELETE_RULE);
    const time = fakeTime();
    let calls = 0;
    ct.on(LookupEventsCommand).callsFake(async () => {
      if (++calls === 1) throw throttled();
      return { Events: events(del(`e${calls}`)) };
    });
    let stderr = '';
    const code = await main(['node', 'rekwatch', 'replay', '--rules', 'rules', '--lookup-events', '--no-mutes'], {
      stdout: new Writable({ write(_c, _e, cb) { cb(); } }),
      stderr: new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } }),
      stdin: Readable.from([]), cwd, stderrIsTTY: true, env: ENV, ...time,
    });
    expect(code).toBe(0);
    expect(stderr).toContain('\r\x1b[2KLookupEvents us-east-1 EventName=DeleteCollection: page 1');
    expect(stderr).toContain('LookupEvents us-east-1 EventName=DeleteCollection: throttled, retrying in 1s');
    expect(stderr).toContain('alerts (LookupEvents us-east-1 EventName=DeleteProject: page 1)');
  });
});
