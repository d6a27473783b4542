/**
 * `rekwatch watch`: a file dropped into the watched directory is delivered within seconds; a restart
 * remembers what was processed (nothing re-delivered) and picks up files that arrived meanwhile.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { watchCommand } from '../../functions/cli/watch';

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

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
