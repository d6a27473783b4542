/**
 * `rekwatch watch`: a file dropped into the watched directory is delivered within seconds; a restart
 * remembers what was processed (nothing re-delivered) and picks up files that arrived meanwhile.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { watchCommand } from '../../functions/cli/watch';
import { until } from '../helpers/wait';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const SAMPLE_DIR = join(ROOT, 'samples', 'trail', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '20');
const samples = readdirSync(SAMPLE_DIR).sort();

function start(dir: string, stateDir: string, out: string) {
  const controller = new AbortController();
  let stdout = '';
  const done = watchCommand(dir, { rules: join(ROOT, 'rules'), stateDir, interval: 1, deliverFile: out, signal: controller.signal }, {
    stdout: new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } }),
    stderr: new Writable({ write(_c, _e, cb) { cb(); } }),
    stdin: Readable.from([]),
    cwd: ROOT,
    stderrIsTTY: false,
    env: {},
  });
  return { stop: async () => { controller.abort(); return done; }, stdout: () => stdout };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

it('delivers alerts from new files within seconds and remembers them across restarts', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-'));
  const dir = join(base, 'trail');
  mkdirSync(dir);
  const stateDir = join(base, 'state');
  const out = join(base, 'alerts.jsonl');

  const first = start(dir, stateDir, out);
  copyFileSync(join(SAMPLE_DIR, samples[0]!), join(dir, samples[0]!));
  await until(() => lines(out).length > 0);
  await new Promise((r) => setTimeout(r, 1500)); // let the file finish
  const afterFirst = lines(out).length;
  expect(first.stdout()).toMatch(/^\[(HIGH|MEDIUM|CRITICAL|LOW|INFO)\] /m);
  expect(await first.stop()).toBe(0);

  // While it is down, another file arrives; after a restart only that one is delivered.
  copyFileSync(join(SAMPLE_DIR, samples[1]!), join(dir, samples[1]!));
  const second = start(dir, stateDir, out);
  await until(() => lines(out).length > afterFirst);
  await new Promise((r) => setTimeout(r, 2500));
  await second.stop();
  const ids = lines(out).map((l) => (JSON.parse(l) as { id: string }).id);
  expect(new Set(ids).size).toBe(ids.length); // nothing delivered twice
  expect(ids.length).toBeGreaterThan(afterFirst);
}, 40_000);

it('applies a mute created while it runs (from another command), counting what it suppressed', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-mute-'));
  const dir = join(base, 'trail');
  mkdirSync(dir);
  const stateDir = join(base, 'state');
  const out = join(base, 'alerts.jsonl');
  const w = start(dir, stateDir, out);
  await new Promise((r) => setTimeout(r, 300)); // watch owns the store now; `mute` joins it
  const muted = await runCli(['mute', 'collection-deleted-without-mfa', '--for', '1h', '--reason', 'test', '--json', '--rules', join(ROOT, 'rules'), '--state-dir', stateDir]);
  expect(muted.code).toBe(0);
  const id = (JSON.parse(muted.stdout) as { id: string }).id;
  await new Promise((r) => setTimeout(r, 5_500)); // past watch's mute cache
  copyFileSync(join(SAMPLE_DIR, samples[1]!), join(dir, samples[1]!)); // holds a collection deleted without MFA
  await until(() => lines(out).length >= 3);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await w.stop()).toBe(0);
  const ids = lines(out).map((l) => (JSON.parse(l) as { ruleId: string }).ruleId);
  expect(ids).toHaveLength(3);
  expect(ids).not.toContain('collection-deleted-without-mfa');
  const list = await runCli(['mutes', '--json', '--state-dir', stateDir]);
  expect(JSON.parse(list.stdout.trim())).toMatchObject({ id, suppressed: 1 });
}, 40_000);
