/**
 * Stateful rules in `rekwatch replay`, end to end through runCli (issue 13): the shipped threshold,
 * distinct-count, policy and first-seen rules (those disabled by default enabled) over generated
 * traffic (routine synthetic calls plus one of each abuse pattern), split into files whose records
 * are shuffled within the lateness bound:
 *   - each abuse pattern alerts once, with the window's final count; routine traffic stays quiet;
 *   - the alerts (as a set) do not depend on file or record order;
 *   - --workers 2 and 3 print exactly what --workers 1 prints (selections travel from the workers);
 *   - a pack using firstSeen is evaluated in one thread, and replay says so;
 *   - a record later than --lateness is counted and named, in the report and the JSON summary.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng, syntheticRecords } from '../../scripts/synthetic-trail';
import { runCli, TEST_STATE_DIR } from '../helpers/cli';
import { replayCommand } from '../../functions/cli/replay';
import { Readable, Writable } from 'node:stream';
import { record } from '../helpers/records';
import type { Alert } from '../../functions/core/common/types';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rekwatch-detect-'));
const T0 = Date.parse('2026-11-20T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
const user = (name: string) => ({ type: 'IAMUser', principalId: `AIDA${name.toUpperCase()}`, arn: `arn:aws:iam::111122223333:user/${name}`, accountId: '111122223333', userName: name });

/** One of each pattern, interleaved with a day of routine traffic. */
function generated(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [...syntheticRecords(3000, 5, 0)];
  // Bulk face search: 250 searches by mallory in 250 s.
  for (let i = 0; i < 250; i++) out.push(record({ eventName: 'SearchFacesByImage', readOnly: true, eventID: `bulk-${i}`, eventTime: at(i), userIdentity: user('mallory'), requestParameters: { collectionId: 'employees', maxFaces: 5 } }));
  // Many collections: eve searches 12 collections in 12 minutes.
  for (let i = 0; i < 12; i++) out.push(record({ eventName: 'SearchFaces', readOnly: true, eventID: `coll-${i}`, eventTime: at(1000 + i * 60), userIdentity: user('eve'), requestParameters: { collectionId: `tenant-${i}`, faceId: 'f' } }));
  // Permission probing: trent is denied on 6 write operations.
  ['CreateCollection', 'DeleteCollection', 'IndexFaces', 'DeleteFaces', 'CreateProject', 'PutProjectPolicy'].forEach((op, i) =>
    out.push(record({ eventName: op, readOnly: false, eventID: `deny-${i}`, eventTime: at(2000 + i * 20), userIdentity: user('trent'), errorCode: 'AccessDeniedException', errorMessage: 'not authorized', requestParameters: null })),
  );
  // A policy granting everyone.
  out.push(record({ eventName: 'PutProjectPolicy', readOnly: false, eventID: 'policy-1', eventTime: at(3000), userIdentity: user('dana'), requestParameters: { projectArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p/1', policyName: 'open', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'rekognition:CopyProjectVersion', Resource: '*' }] }) } }));
  // First seen: oscar reads from his usual address, then deletes faces from a new one.
  out.push(record({ eventName: 'DetectFaces', eventID: 'fs-1', eventTime: at(3500), userIdentity: user('oscar'), sourceIPAddress: '198.51.100.30' }));
  out.push(record({ eventName: 'DeleteFaces', readOnly: false, eventID: 'fs-2', eventTime: at(3700), userIdentity: user('oscar'), sourceIPAddress: '203.0.113.66', requestParameters: { collectionId: 'employees', faceIds: ['x'] }, responseElements: { deletedFaces: ['x'] } }));
  // Mass enrolment: victor indexes 320 faces in 320 s.
  for (let i = 0; i < 320; i++) out.push(record({ eventName: 'IndexFaces', readOnly: false, eventID: `enrol-${i}`, eventTime: at(4000 + i), userIdentity: user('victor'), requestParameters: { collectionId: 'employees', externalImageId: `scraped-${i}` }, responseElements: { faceModelVersion: '7.0' } }));
  // Paid analysis burst: walter makes 1,100 DetectLabels calls in 100 s (11 per second).
  for (let i = 0; i < 1100; i++) out.push(record({ eventName: 'DetectLabels', eventID: `paid-${i}`, eventTime: at(5000 + Math.floor(i / 11)), userIdentity: user('walter'), requestParameters: { maxLabels: 10 } }));
  return out;
}

/** Sorted by time, then each record moved by up to `jitterS` seconds (within the bound), split round robin. */
function writeTrail(name: string, records: Record<string, unknown>[], seed: number, jitterS: number, files = 4): string {
  const rand = prng(seed);
  const trail = join(dir, name);
  rmSync(trail, { recursive: true, force: true });
  mkdirSync(trail, { recursive: true });
  const keyed = records.map((r) => ({ r, key: Date.parse(String(r.eventTime)) + rand() * jitterS * 1000 })).sort((a, b) => a.key - b.key);
  const parts: Record<string, unknown>[][] = Array.from({ length: files }, () => []);
  keyed.forEach((k, i) => parts[i % files]!.push(k.r));
  // Whole files overlap in time: replay reads them one after another, so a file's last records
  // arrive before the next file's first ones; the lateness bound must cover a file's time span.
  parts.forEach((p, i) => writeFileSync(join(trail, `part-${i}.json`), JSON.stringify({ Records: p })));
  return trail;
}

const replay = (trail: string, rules: string, extra: string[] = []) => runCli(['replay', '--rules', rules, '--json', '--no-mutes', '--lateness', '1d', ...extra, trail], { cwd: dir });
/** replayCommand called directly, with local paths only and no source spec (the CLI path is tested beside it). */
async function replayLocal(trail: string, rules: string, workers: number) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } }),
    stderr: new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } }),
    stdin: Readable.from([]), cwd: dir, stderrIsTTY: false, env: { REKWATCH_STATE_DIR: TEST_STATE_DIR },
  };
  const code = await replayCommand([trail], { rules, json: true, mutes: false, top: 5, workers, lateness: 86_400_000 }, io);
  return { code, stdout, stderr };
}
const alertsOf = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split('\n').pop() as string) as Record<string, unknown> & { detect: { late: number; lateSamples: string[]; singleThread: boolean } };

const rulesWithoutFirstSeen = join(dir, 'rules-threshold');
const rulesAll = join(dir, 'rules-all');

beforeAll(() => {
  for (const target of [rulesWithoutFirstSeen, rulesAll]) {
    cpSync(join(ROOT, 'rules'), target, { recursive: true });
    for (const id of ['bulk-face-search', 'many-collections-searched', 'first-seen-network-write', 'paid-analysis-burst']) {
      const file = join(target, `${id}.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), enabled: true }));
    }
  }
  rmSync(join(rulesWithoutFirstSeen, 'first-seen-network-write.json'));
});

describe('replay with stateful rules', () => {
  const records = generated();

  it('alerts once per abuse pattern, with final counts, and stays quiet on routine traffic', async () => {
    const r = await replay(writeTrail('a', records, 1, 0), rulesAll, ['--workers', '1']);
    expect(r.code).toBe(0);
    const alerts = alertsOf(r.stdout);
    const stateful = alerts.filter((a) => ['bulk-face-search', 'many-collections-searched', 'denied-call-enumeration', 'project-policy-grants-outside-organization', 'first-seen-network-write', 'mass-face-enrolment', 'paid-analysis-burst', 'liveness-session-burst'].includes(a.ruleId));
    expect(stateful.map((a) => [a.ruleId, a.principal, a.threshold?.reached, a.threshold?.final]).sort()).toEqual([
      ['bulk-face-search', 'arn:aws:iam::111122223333:user/mallory', 200, 250],
      ['denied-call-enumeration', 'arn:aws:iam::111122223333:user/trent', 5, 6],
      ['first-seen-network-write', 'arn:aws:iam::111122223333:user/oscar', undefined, undefined],
      ['many-collections-searched', 'arn:aws:iam::111122223333:user/eve', 10, 12],
      ['mass-face-enrolment', 'arn:aws:iam::111122223333:user/victor', 300, 320],
      ['paid-analysis-burst', 'arn:aws:iam::111122223333:user/walter', 1000, 1100],
      ['project-policy-grants-outside-organization', 'arn:aws:iam::111122223333:user/dana', undefined, undefined],
    ]);
    const bulk = stateful.find((a) => a.ruleId === 'bulk-face-search')!;
    expect(bulk).toMatchObject({ eventId: 'bulk-199', threshold: { count: 200, window: '5m', windowStart: '2026-11-20T10:00:00.000Z', key: { principalArn: 'arn:aws:iam::111122223333:user/mallory' } } });
    const summary = summaryOf(r.stderr);
    expect(summary.detect).toMatchObject({ late: 0, lateSamples: [], singleThread: true });
  });

  it('gives the same alerts whatever the record and file order within the bound', async () => {
    const sorted = alertsOf((await replay(writeTrail('b', records, 2, 0, 1), rulesAll, ['--workers', '1'])).stdout);
    const shuffled = alertsOf((await replay(writeTrail('c', [...records].reverse(), 3, 600, 5), rulesAll, ['--workers', '1'])).stdout);
    const key = (alerts: Alert[]) => alerts.map((a) => JSON.stringify(a)).sort();
    expect(key(shuffled)).toEqual(key(sorted));
    expect(sorted.length).toBeGreaterThan(5);
  });

  it('with --workers N prints exactly what one thread prints (selections travel to the main thread)', async () => {
    const trail = writeTrail('d', records, 4, 300, 4);
    const one = await replayLocal(trail, rulesWithoutFirstSeen, 1);
    const two = await replayLocal(trail, rulesWithoutFirstSeen, 2);
    const three = await replayLocal(trail, rulesWithoutFirstSeen, 3);
    // And through the CLI (main.ts), which starts worker threads for local paths.
    const cli = await replay(trail, rulesWithoutFirstSeen, ['--workers', '2']);
    expect(cli.stdout).toBe(one.stdout);
    expect(one.code).toBe(0);
    expect(alertsOf(one.stdout)).toEqual(alertsOf((await replay(trail, rulesWithoutFirstSeen, ['--workers', '1'])).stdout));
    expect(summaryOf(one.stderr).detect.singleThread).toBe(false);
    expect(alertsOf(one.stdout).filter((a) => a.threshold).length).toBe(5);
    expect(two.stdout).toBe(one.stdout);
    expect(three.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  });

  it('evaluates a firstSeen pack in one thread, and says so', async () => {
    const trail = writeTrail('e', records, 5, 0, 3);
    const one = await replayLocal(trail, rulesAll, 1);
    const two = await replayLocal(trail, rulesAll, 2);
    expect(two.stderr).toContain('rekwatch: rules use firstSeen, which learns from records in event-time order: evaluating in one thread (--workers ignored)');
    expect(two.stdout).toBe(one.stdout);
  });

  it('counts and names input later than the bound, and still evaluates it', async () => {
    const trail = join(dir, 'late');
    mkdirSync(trail, { recursive: true });
    const searches = Array.from({ length: 3 }, (_, i) => record({ eventName: 'SearchFaces', readOnly: true, eventID: `s-${i}`, eventTime: at(3600 + i), userIdentity: user('mallory'), requestParameters: { collectionId: 'c' } }));
    const straggler = record({ eventName: 'SearchFaces', readOnly: true, eventID: 'straggler', eventTime: at(0), userIdentity: user('mallory'), requestParameters: { collectionId: 'c' } });
    const policy = record({ eventName: 'PutProjectPolicy', readOnly: false, eventID: 'late-policy', eventTime: at(1), userIdentity: user('dana'), requestParameters: { policyName: 'p', policyDocument: '{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}' } });
    writeFileSync(join(trail, 'x.json'), JSON.stringify({ Records: [...searches, straggler, policy] }));
    const r = await runCli(['replay', '--rules', rulesAll, '--json', '--no-mutes', '--lateness', '15m', trail], { cwd: dir });
    const summary = summaryOf(r.stderr);
    // The straggler's record, its selections by the two search rules, and the policy record.
    expect(summary.detect.late).toBe(4);
    expect(summary.detect.lateSamples).toEqual([
      'record straggler at 2026-11-20T10:00:00.000Z: later than the 15m bound; evaluated without first-seen memory',
      'bulk-face-search: event straggler at 2026-11-20T10:00:00Z: later than the 15m bound; not counted in its window',
      'many-collections-searched: event straggler at 2026-11-20T10:00:00Z: later than the 15m bound; not counted in its window',
      'record late-policy at 2026-11-20T10:00:01.000Z: later than the 15m bound; evaluated without first-seen memory',
    ]);
    expect(r.stderr).toContain('rekwatch: late: bulk-face-search: event straggler');
    // A late record still alerts on the rules that need no state.
    expect(alertsOf(r.stdout).map((a) => a.ruleId)).toContain('project-policy-grants-outside-organization');
    const readable = await runCli(['replay', '--rules', rulesAll, '--no-mutes', trail], { cwd: dir });
    expect(readable.stdout).toMatch(/Stateful rules: \d+ selected events in windows \(0 duplicates ignored\), reordered within 15m; 4 late/);
  });

  it('prints a threshold alert with its window in the readable report', async () => {
    const r = await runCli(['replay', '--rules', rulesAll, '--no-mutes', '--lateness', '1d', writeTrail('f', records.filter((x) => String(x.eventID).startsWith('coll-')), 6, 0, 1)], { cwd: dir });
    expect(r.stdout).toContain('    threshold 10 distinct requestParameters $.collectionId values in 1h: 12 in the window from 2026-11-20T10:16:40.000Z (principalArn=arn:aws:iam::111122223333:user/eve)');
  });
});
