/**
 * `rekwatch watch`: a file dropped into the watched directory is delivered within seconds; a restart
 * remembers what was processed (nothing re-delivered) and picks up files that arrived meanwhile; a
 * new state starts from now; one watch per state directory; a failed channel is retried without
 * re-sending to the others; retries of different alerts overlap and name their cause; a progress
 * file that cannot be saved ends the watch with one line, and the next run loses and repeats nothing.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInbox, type Inbox } from '../../scripts/local-inbox';
import { runCli } from '../helpers/cli';
import { until, within } from '../helpers/wait';
import { crossAccountTrail, ROOT, SAMPLE_DIR, SAMPLES, startWatch, stopAllWatches } from '../helpers/watch';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const idsIn = (file: string) => lines(file).map((l) => (JSON.parse(l) as { id: string }).id);
const drop = (dir: string, i: number) => copyFileSync(join(SAMPLE_DIR, SAMPLES[i]!), join(dir, SAMPLES[i]!));

function fresh(name: string) {
  const base = mkdtempSync(join(tmpdir(), `rekwatch-watch-${name}-`));
  const dir = join(base, 'trail');
  mkdirSync(dir);
  return { base, dir, stateDir: join(base, 'state'), out: join(base, 'alerts.jsonl') };
}

let inbox: Inbox;
const slack: string[] = [];
let slackRefuses = false;
beforeAll(async () => {
  inbox = await startInbox({
    smtpPort: 0,
    httpPort: 0,
    onSlack: (s) => slack.push(s.text),
    slackRefusal: () => (slackRefuses ? { status: 500, body: 'internal_error' } : undefined),
  });
});
afterAll(() => inbox.close());
beforeEach(() => {
  slack.length = 0;
  slackRefuses = false;
});
afterEach(() => stopAllWatches());

it('delivers alerts from new files within seconds and remembers them across restarts', async () => {
  const { dir, stateDir, out } = fresh('restart');
  const first = startWatch(dir, stateDir, { deliverFile: out });
  await first.ready();
  drop(dir, 0);
  await until(() => first.stderr().includes(SAMPLES[0]!));
  expect(first.stdout()).toMatch(/^\[(HIGH|MEDIUM|CRITICAL|LOW|INFO)\] /m);
  expect(await first.stop()).toBe(0);
  const afterFirst = lines(out).length;
  expect(afterFirst).toBe(2);

  // While it is down, another file arrives; after a restart only that one is delivered.
  drop(dir, 1);
  const second = startWatch(dir, stateDir, { deliverFile: out });
  await until(() => second.stderr().includes(SAMPLES[1]!));
  expect(await second.stop()).toBe(0);
  const ids = idsIn(out);
  expect(new Set(ids).size).toBe(ids.length); // nothing delivered twice
  expect(ids).toHaveLength(6);
  expect(second.stderr()).toMatch(/rekwatch: stopped; this run: 1 file done, 4 alerts delivered, 0 failed \(retried on the next run\), 0 held back\n$/);
});

it('applies a mute created while it runs (from another command), counting what it suppressed', async () => {
  const { dir, stateDir, out } = fresh('mute');
  let skew = 0;
  const w = startWatch(dir, stateDir, { deliverFile: out, now: () => Date.now() + skew });
  await w.ready(); // watch owns the store now; `mute` joins it
  const muted = await runCli(['mute', 'collection-deleted-without-mfa', '--for', '1h', '--reason', 'test', '--json', '--rules', join(ROOT, 'rules'), '--state-dir', stateDir]);
  expect(muted.code).toBe(0);
  const id = (JSON.parse(muted.stdout) as { id: string }).id;
  skew = 6_000; // past watch's mute cache
  drop(dir, 1); // holds a collection deleted without MFA
  await until(() => w.stderr().includes(SAMPLES[1]!));
  expect(await w.stop()).toBe(0);
  const ruleIds = lines(out).map((l) => (JSON.parse(l) as { ruleId: string }).ruleId);
  expect(ruleIds).toHaveLength(3);
  expect(ruleIds).not.toContain('collection-deleted-without-mfa');
  expect(w.stderr()).toContain('3 alerts delivered');
  expect(w.stderr()).toContain('1 held back');
  const list = await runCli(['mutes', '--json', '--state-dir', stateDir]);
  expect(JSON.parse(list.stdout.trim())).toMatchObject({ id, suppressed: 1 });
});

it('--no-mutes delivers muted alerts too', async () => {
  const { dir, stateDir, out } = fresh('no-mutes');
  const muted = await runCli(['mute', 'collection-deleted-without-mfa', '--for', '1h', '--reason', 'test', '--rules', join(ROOT, 'rules'), '--state-dir', stateDir]);
  expect(muted.code).toBe(0);
  const w = startWatch(dir, stateDir, { deliverFile: out, mutes: false });
  await w.ready();
  drop(dir, 1);
  await until(() => w.stderr().includes(SAMPLES[1]!));
  expect(await w.stop()).toBe(0);
  expect(lines(out).map((l) => (JSON.parse(l) as { ruleId: string }).ruleId)).toContain('collection-deleted-without-mfa');
  expect(w.stderr()).toContain('(mutes ignored)');
});

describe('history', () => {
  it('a new state starts from now: files already there are recorded, not delivered; --from-start delivers them once', async () => {
    const { dir, stateDir, out } = fresh('history');
    drop(dir, 0); // an `aws s3 sync` folder with history in it
    const w = startWatch(dir, stateDir, { deliverFile: out });
    await w.ready();
    expect(w.stderr()).toContain('1 file already there recorded, not delivered (--from-start or --since TIME delivers them)');
    drop(dir, 1);
    await until(() => w.stderr().includes(SAMPLES[1]!));
    expect(await w.stop()).toBe(0);
    expect(w.stderr()).not.toContain(SAMPLES[0]!);
    expect(idsIn(out)).toHaveLength(4); // only the new file's

    const again = startWatch(dir, stateDir, { deliverFile: out, fromStart: true });
    await until(() => again.stderr().includes(SAMPLES[0]!) && again.stderr().includes(SAMPLES[1]!));
    expect(await again.stop()).toBe(0);
    const ids = idsIn(out);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('--since TIME delivers the alerts of events since TIME from files already there', async () => {
    const { dir, stateDir, out } = fresh('since');
    writeFileSync(join(dir, 'early.json'), crossAccountTrail(2, 'early', '2026-11-20T09:00:00Z'));
    writeFileSync(join(dir, 'late.json'), crossAccountTrail(3, 'late', '2026-11-20T11:00:00Z'));
    const w = startWatch(dir, stateDir, { deliverFile: out, since: '2026-11-20T10:00Z' });
    await until(() => w.stderr().includes('late.json'));
    expect(await w.stop()).toBe(0);
    expect(idsIn(out).sort()).toEqual(['late-00000', 'late-00001', 'late-00002'].map((e) => `cross-account-caller:${e}`));
    expect(w.stderr()).toMatch(/early\.json: 2 records, 0 new alerts, 2 before --since/);

    const bad = startWatch(dir, stateDir, { since: 'yesterday' });
    expect(await bad.done).toBe(2);
    expect(bad.stderr()).toBe('rekwatch watch: --since "yesterday": not an ISO 8601 time (2026-11-20T09:00Z) or a duration back from now (6h, 2d)\n');
  });
});

it('refuses a second watch on the same state directory, and the next one starts once the first has stopped', async () => {
  const { dir, stateDir, out } = fresh('two');
  const first = startWatch(dir, stateDir, { deliverFile: out });
  await first.ready();
  const second = startWatch(dir, stateDir, { deliverFile: out });
  const outcome = await within(second.done, 5_000);
  if (outcome === 'still running') await second.stop();
  expect(outcome).toBe(2);
  expect(second.stderr()).toMatch(/^rekwatch watch: .*state is in use by another watch \(process \d+\); stop it, or give this one another --state-dir\n$/);
  drop(dir, 1);
  await until(() => first.stderr().includes(SAMPLES[1]!));
  expect(await first.stop()).toBe(0);
  expect(idsIn(out)).toHaveLength(4);

  const third = startWatch(dir, stateDir, { deliverFile: out });
  await third.ready();
  expect(await third.stop()).toBe(0);
});

it('retries on a later pass only the channel that failed, and counts what is still owed', async () => {
  const { dir, stateDir, out } = fresh('retry');
  slackRefuses = true;
  const env = { REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${inbox.httpPort}/services/local` };
  const w = startWatch(dir, stateDir, { deliverFile: out, env, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
  await w.ready();
  drop(dir, 1);
  await until(() => w.stderr().includes(SAMPLES[1]!));
  expect(w.stderr()).toContain('4 new alerts, 4 not delivered everywhere yet (retried in 1 second)');
  expect(w.stderr()).toContain('to slack failed after 2 attempts: Slack webhook answered 500 internal_error');
  expect(idsIn(out)).toHaveLength(4); // the file channel took them
  slackRefuses = false;
  await until(() => slack.length === 4 && w.stderr().includes('retried 4 alerts still owed to some channel, all delivered now'));
  expect(await w.stop()).toBe(0);
  expect(idsIn(out)).toHaveLength(4); // not sent to the file again
  expect(slack).toHaveLength(4);
  expect(w.stderr()).toContain('this run: 1 file done, 4 alerts delivered, 0 failed');
});

it('an alert no channel took is not marked delivered: Ctrl-C counts it as failed and the next run delivers it', async () => {
  const { dir, stateDir } = fresh('owed');
  slackRefuses = true;
  const env = { REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${inbox.httpPort}/services/local` };
  const w = startWatch(dir, stateDir, { env, retry: { attempts: 1 } });
  await w.ready();
  drop(dir, 1);
  await until(() => w.stderr().includes(SAMPLES[1]!));
  expect(await w.stop()).toBe(0);
  expect(w.stderr()).toMatch(/this run: 0 files done, 0 alerts delivered, 4 failed \(retried on the next run\), 0 held back\n$/);
  slackRefuses = false;
  const next = startWatch(dir, stateDir, { env });
  await until(() => slack.length === 4 && next.stderr().includes(SAMPLES[1]!));
  expect(await next.stop()).toBe(0);
  expect(next.stderr()).toContain('this run: 1 file done, 4 alerts delivered, 0 failed');
});

it('retries of different alerts to a dead channel overlap, and the failure names the cause', async () => {
  const { dir, stateDir } = fresh('dead');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  let sleeping = 0;
  let mostAtOnce = 0;
  const sleep = async () => {
    sleeping++;
    mostAtOnce = Math.max(mostAtOnce, sleeping);
    await new Promise((r) => setTimeout(r, 30));
    sleeping--;
  };
  const w = startWatch(dir, stateDir, { env: { REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/services/T0/B0/secret` }, retry: { attempts: 3, sleep } });
  await w.ready();
  drop(dir, 1); // four alerts
  await until(() => w.stderr().includes(SAMPLES[1]!));
  expect(await w.stop()).toBe(0);
  expect(mostAtOnce).toBe(4); // the four alerts' backoffs overlap (serially it would be 1)
  expect(w.stderr()).toContain(`to slack failed after 3 attempts: Slack webhook unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
  expect(w.stderr()).not.toContain('secret');
});

describe('a progress file that cannot be saved (full disk)', () => {
  it('is retried, then ends watch (exit 1) with one line; the next run delivers nothing twice and loses nothing', async () => {
    const { dir, stateDir, out } = fresh('enospc');
    let saves = 0;
    const fullDisk = (path: string, text: string) => {
      if (saves++ === 0) return writeFileSync(path, text); // the first save (the new state) still fits
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const w = startWatch(dir, stateDir, { deliverFile: out, saveFile: fullDisk });
    await w.ready();
    drop(dir, 1);
    const outcome = await within(w.done, 10_000);
    if (outcome === 'still running') await w.stop();
    expect(outcome).toBe(1);
    const said = w.stderr().trim().split('\n');
    expect(said.pop()).toMatch(/^rekwatch watch: cannot save progress to .*watch-state\.json: ENOSPC: no space left on device, write; stopped after 3 attempts \(a restart reads the unsaved files again; what was delivered is not sent again\)$/);
    expect(w.stderr()).not.toMatch(/^\s+at /m); // no stack trace
    expect(idsIn(out)).toHaveLength(4);

    const next = startWatch(dir, stateDir, { deliverFile: out });
    await until(() => next.stderr().includes(SAMPLES[1]!));
    expect(await next.stop()).toBe(0);
    expect(idsIn(out)).toHaveLength(4); // read again, nothing sent twice
    expect(next.stderr()).toContain('this run: 1 file done, 0 alerts delivered');
  });
});

describe('hostile input in the watched directory', () => {
  it('skips a record over --max-record-size (named, counted as malformed) and delivers the rest of the file', async () => {
    const { dir, stateDir, out } = fresh('max-record');
    const w = startWatch(dir, stateDir, { deliverFile: out, maxRecordSize: 4096 });
    await w.ready();
    const sample = JSON.parse(gunzipSync(readFileSync(join(SAMPLE_DIR, SAMPLES[1]!))).toString()) as { Records: unknown[] };
    const giant = { eventVersion: '1.08', eventSource: 'rekognition.amazonaws.com', eventName: 'DetectFaces', userAgent: 'x'.repeat(10_000) };
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ Records: [giant, ...sample.Records] }));
    await until(() => w.stderr().includes('big.json:'));
    await until(() => lines(out).length === 4);
    expect(await w.stop()).toBe(0);
    expect(w.stderr()).toMatch(/rekwatch: malformed: \S*trail\/big\.json: line 1: record larger than 4096 bytes; skipped\n/);
  });

  it('names a dangling symbolic link once, not on every pass', async () => {
    const { dir, stateDir } = fresh('dangling');
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'dangling.json'));
    const w = startWatch(dir, stateDir, {});
    await w.ready();
    await new Promise((r) => setTimeout(r, 200)); // several passes
    expect(await w.stop()).toBe(0);
    const named = w.stderr().split('\n').filter((l) => l.includes('dangling.json'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(/^rekwatch: skipped .*dangling\.json: /);
  });
});
