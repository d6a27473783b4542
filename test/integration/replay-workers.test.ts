/**
 * `replay --workers N`: files are evaluated in N - 1 worker threads and the main thread (which reads
 * files itself rather than wait for a worker) and settled in input order in the main thread, so the output is the single-thread output byte for byte: the same alerts in the same order
 * on stdout (readable and --json), the same notes and the same summary on stderr, for --workers 1,
 * 2 and 3, on a multi-file trail with duplicates within and across files (and across stdin, which
 * the main thread reads in its place), copies of a cross-account call in two files, malformed and
 * oversize records, a corrupt gzip, rule errors past the 20 named, a live mute and dedupe windows.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { syntheticRecords } from '../../scripts/synthetic-trail';
import { IN_THREAD_CHANNEL, PREFETCH_USED_CHANNEL, WORKER_STARTED_CHANNEL } from '../../functions/adapters/replay-workers/pool';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rekwatch-workers-'));
const state = join(dir, '.rekwatch');
const trail = join(dir, 'trail');

const synthetic = [...syntheticRecords(3000, 11, 0.05)];
const shared = (account: string, id: string) => record({ eventName: 'DeleteCollection', eventID: id, sharedEventID: 'call-1', recipientAccountId: account, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/x', accountId: '444455556666' } });
const errorRecord = (i: number) => record({ eventName: 'DetectText', eventID: `err-${i}`, userAgent: 'aws-cli/2' });
const doc = (records: unknown[]) => JSON.stringify({ Records: records });

beforeAll(async () => {
  cpSync(join(ROOT, 'rules'), join(dir, 'rules'), { recursive: true });
  writeFileSync(join(dir, 'rules', 'boom.json'), JSON.stringify({
    id: 'boom', name: 'Boom', severity: 'low', tests: [],
    conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DetectText' }, { fact: 'sourceIPAddress', operator: 'ipInCidr', value: { fact: 'userAgent' } }] },
  }));
  mkdirSync(join(trail, 'b'), { recursive: true });
  // a: whole-file path; duplicates inside the file and a copy of a cross-account call.
  writeFileSync(join(trail, 'a.json.gz'), gzipSync(doc([...synthetic.slice(0, 1200), synthetic[5], 42, 'junk', shared('111122223333', 'copy-a'), ...Array.from({ length: 12 }, (_, i) => errorRecord(i)), record({ eventSource: 's3.amazonaws.com', eventName: 'DeleteBucket' })])));
  // b/c.json: pretty-printed (streamed), duplicates of a's records, the other copy, more rule errors, oversize and junk.
  writeFileSync(join(trail, 'b', 'c.json'), JSON.stringify({ Records: [...synthetic.slice(1000, 1600), shared('444455556666', 'copy-b'), synthetic[7], ...Array.from({ length: 12 }, (_, i) => errorRecord(i + 100)), { eventName: 'Big', pad: 'x'.repeat(9000) }] }, null, 1));
  // b/d.jsonl: JSON Lines with a bad line.
  writeFileSync(join(trail, 'b', 'd.jsonl'), `${synthetic.slice(1500, 2200).map((r) => JSON.stringify(r)).join('\n')}\n{not json\n${JSON.stringify(synthetic[3])}\n`);
  // e.json.gz: cut short (corrupt gzip after some records).
  const e = gzipSync(doc(synthetic.slice(2200, 2600)));
  writeFileSync(join(trail, 'e.json.gz'), e.subarray(0, Math.floor(e.length * 0.6)));
  writeFileSync(join(trail, 'f.json.gz'), gzipSync(doc(synthetic.slice(2600))));
  const muted = await runCli(['mute', 'root-user-activity', '--for', '4h', '--reason', 'test', '--rules', join(dir, 'rules'), '--state-dir', state]);
  expect(muted.code).toBe(0);
});

const stdin = synthetic.slice(100, 140).map((r) => JSON.stringify(r)).join('\n');

/** One replay through the CLI, and how many worker threads it started (the pool says so on a diagnostics channel). */
async function replay(workers: number, extra: string[] = []) {
  const threads = new Set<number>();
  let prefetched = 0;
  let inMainThread = 0;
  const onStart = (m: unknown) => threads.add((m as { threadId: number }).threadId);
  const onPrefetched = () => prefetched++;
  const onInThread = () => inMainThread++;
  subscribe(WORKER_STARTED_CHANNEL, onStart);
  subscribe(PREFETCH_USED_CHANNEL, onPrefetched);
  subscribe(IN_THREAD_CHANNEL, onInThread);
  try {
    const res = await runCli(['replay', ...extra, '--workers', String(workers), '--max-record-size', '8KiB', '--rules', 'rules', '--state-dir', state, 'trail/b', '-', 'trail/a.json.gz', 'trail'], { cwd: dir, stdin });
    return { ...res, threads: threads.size, prefetched, inMainThread };
  } finally {
    unsubscribe(WORKER_STARTED_CHANNEL, onStart);
    unsubscribe(PREFETCH_USED_CHANNEL, onPrefetched);
    unsubscribe(IN_THREAD_CHANNEL, onInThread);
  }
}

describe('replay --workers', () => {
  it('gives the single-thread output byte for byte with --json (alerts, notes, summary)', async () => {
    const one = await replay(1, ['--json']);
    expect(one.code).toBe(0);
    expect(one.threads).toBe(0);
    const summary = JSON.parse(one.stderr.trim().split('\n').pop() as string);
    // The trail exercises what the main thread must settle in order.
    expect(summary).toMatchObject({ files: 7, malformed: expect.any(Number), ruleErrors: 24, suppressed: { mute: expect.any(Number), dedupe: expect.any(Number) } });
    expect(summary.duplicates).toBe(1557);
    expect(summary.malformed).toBe(7);
    expect(summary.suppressed.mute).toBeGreaterThan(0);
    expect(summary.suppressed.dedupe).toBeGreaterThan(0);
    expect(summary.records).toBe(summary.evaluated + summary.outOfScope + summary.duplicates + summary.malformed);
    expect(one.stdout.split('\n').filter((l) => l.includes('"ruleId":"collection-deleted-without-mfa"') && l.includes('call-1'))).toHaveLength(1);
    expect(one.stderr).toContain('rekwatch: malformed: trail/e.json.gz: file: corrupt or truncated gzip');
    for (const workers of [2, 3]) {
      const many = await replay(workers, ['--json']);
      expect(many.code).toBe(0);
      // The CLI really evaluated in that many threads (the same output could come from one thread):
      // the main thread is one of them (it reads files itself rather than wait, pool.ts inThread),
      // so N - 1 worker threads; and the first files (two a worker thread, of the trail's five,
      // read while the rules loaded) were read once, not again.
      expect(many.threads).toBe(workers - 1);
      expect(many.prefetched).toBe(Math.min(2 * (workers - 1), 5));
      // With an 8 KiB record limit no file is read whole, so the main thread reads none itself
      // (it reads only files it can read whole: the next test).
      expect(many.inMainThread).toBe(0);
      expect(many.stdout).toBe(one.stdout);
      expect(many.stderr).toBe(one.stderr);
    }
  });

  it('has the main thread read files of its own when it can read them whole, with the same output', async () => {
    const run = async (workers: number) => {
      let inMainThread = 0;
      const onInThread = () => inMainThread++;
      subscribe(IN_THREAD_CHANNEL, onInThread);
      try {
        const res = await runCli(['replay', '--json', '--workers', String(workers), '--rules', 'rules', '--state-dir', state, 'trail', 'trail/a.json.gz', 'trail/f.json.gz'], { cwd: dir });
        return { ...res, inMainThread };
      } finally {
        unsubscribe(IN_THREAD_CHANNEL, onInThread);
      }
    };
    const one = await run(1);
    expect(one.code).toBe(0);
    for (const workers of [2, 3]) {
      const many = await run(workers);
      expect(many.inMainThread).toBeGreaterThan(0);
      expect(many.stdout).toBe(one.stdout);
      expect(many.stderr).toBe(one.stderr);
    }
  });

  it('gives the same readable report', async () => {
    const one = await replay(1);
    expect(one.stdout).toContain('Rule errors (24)');
    for (const workers of [2, 3]) {
      const many = await replay(workers);
      expect(many.stdout).toBe(one.stdout);
      expect(many.stderr).toBe(one.stderr);
    }
  });

  it('ends the threads it starts early when the run does not use them, so the process exits', () => {
    // A directory makes the CLI start its worker threads while it loads the rules (pool.ts
    // EarlyWorkers); one file in it, or a pack that must run in one thread, leaves them unused. A
    // thread left running would keep the process alive: execFileSync would time out.
    const oneFile = join(dir, 'one-file');
    mkdirSync(oneFile, { recursive: true });
    writeFileSync(join(oneFile, 'a.json'), JSON.stringify({ Records: synthetic.slice(0, 50) }));
    const firstSeenRules = join(dir, 'rules-first-seen');
    cpSync(join(ROOT, 'rules'), firstSeenRules, { recursive: true });
    const fs = JSON.parse(readFileSync(join(firstSeenRules, 'first-seen-network-write.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(firstSeenRules, 'first-seen-network-write.json'), JSON.stringify({ ...fs, enabled: true }));
    const cli = (args: string[]) =>
      execFileSync(process.execPath, [join(ROOT, 'bin', 'rekwatch'), 'replay', '--json', '--no-mutes', '--state-dir', state, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, REKWATCH_FROM_SOURCE: '1' } });
    expect(cli(['--workers', '2', '--rules', 'rules', 'one-file'])).toBe(cli(['--workers', '1', '--rules', 'rules', 'one-file']));
    expect(cli(['--workers', '2', '--rules', 'rules-first-seen', 'trail/b'])).toBe(cli(['--workers', '1', '--rules', 'rules-first-seen', 'trail/b']));
  });
});
