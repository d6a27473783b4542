/**
 * `rekwatch watch` as a real child process (as bin/rekwatch runs). Killed with SIGKILL in the middle
 * of a file: after a restart every alert reaches the Slack-shaped webhook exactly once, though
 * progress in the file was never saved (the delivery ledger per alert and channel). Unable to save
 * its progress: the process ends, exit 1, with one line (a supervisor can restart it).
 *
 * The stand-in webhook takes the first deliveries and then holds every request unanswered, so at the
 * kill the alerts it took are known and none is between "accepted" and "recorded" (the one window
 * in which a crash may repeat an alert): with every delivery slot held, all earlier ones had ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until, within } from '../helpers/wait';
import { crossAccountTrail, ROOT, RULES, SAMPLE_DIR, SAMPLES } from '../helpers/watch';

const ALERTS = 40;
const TAKEN_BEFORE_KILL = 12;
/** The watch's delivery slots (WatchOptions.concurrency's default). */
const SLOTS = 8;

let holding = true;
const accepted: string[] = [];
const held: ServerResponse[] = [];
let lastRequest = 0;
const webhook = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += String(c)));
  req.on('end', () => {
    lastRequest = Date.now();
    const id = /crash-\d{5}/.exec(body)?.[0] ?? '?';
    if (holding && accepted.length >= TAKEN_BEFORE_KILL) {
      held.push(res); // never answered: the watch cannot know whether it arrived
      return;
    }
    accepted.push(id);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});

beforeAll(() => new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r)));
afterAll(() => {
  webhook.closeAllConnections();
  return new Promise<void>((r) => webhook.close(() => r()));
});

function watch(dir: string, stateDir: string, cwd: string): { child: ChildProcess; stderr: () => string } {
  let stderr = '';
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'rekwatch'), 'watch', dir, '--rules', RULES, '--state-dir', stateDir, '--interval', '1'], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/services/local`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (c) => (stderr += String(c)));
  return { child, stderr: () => stderr };
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

it('kill -9 in the middle of a file: after a restart no alert is delivered twice and none is missing', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-crash-'));
  const dir = join(base, 'incoming');
  mkdirSync(dir);
  const stateDir = join(base, 'state');

  const first = watch(dir, stateDir, base);
  try {
    await until(() => first.stderr().includes('rekwatch: watching '), 20_000);
    writeFileSync(join(dir, 'burst.json'), crossAccountTrail(ALERTS, 'crash'));
    // Killed once every slot holds an unanswered delivery (or, for a watch with fewer slots, once it has gone quiet).
    await until(() => accepted.length >= TAKEN_BEFORE_KILL && (held.length >= SLOTS || (held.length > 0 && Date.now() - lastRequest > 1_000)), 20_000);
  } catch (e) {
    first.child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}; watch said:\n${first.stderr()}`);
  }
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect(accepted).toHaveLength(TAKEN_BEFORE_KILL);
  holding = false;
  held.length = 0;

  const second = watch(dir, stateDir, base);
  try {
    await until(() => new Set(accepted).size === ALERTS && second.stderr().includes('burst.json'), 30_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; ${accepted.length} accepted; watch said:\n${second.stderr()}`);
  } finally {
    second.child.kill('SIGTERM');
  }
  expect(await exited(second.child)).toBe(0);
  const twice = accepted.filter((id, i) => accepted.indexOf(id) !== i);
  expect(twice).toEqual([]);
  expect(accepted).toHaveLength(ALERTS);
  expect(second.stderr()).toMatch(/rekwatch: stopped; this run: 1 file done, 28 alerts delivered, 0 failed/);
}, 90_000);

it('a progress file that cannot be written ends the process (exit 1) with one line and no stack trace', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-unsavable-'));
  const dir = join(base, 'incoming');
  mkdirSync(dir);
  const stateDir = join(base, 'state');
  mkdirSync(join(stateDir, 'watch-state.json', 'in-the-way'), { recursive: true }); // as root, a read-only file would not stop the write
  const w = watch(dir, stateDir, base);
  try {
    await until(() => w.stderr().includes('rekwatch: watching '), 20_000);
    copyFileSync(join(SAMPLE_DIR, SAMPLES[0]!), join(dir, SAMPLES[0]!));
    const code = await within(exited(w.child), 20_000);
    expect(code).toBe(1);
  } finally {
    w.child.kill('SIGKILL');
  }
  const said = w.stderr().trim().split('\n');
  expect(said.pop()).toMatch(/^rekwatch watch: cannot save progress to .*watch-state\.json: EISDIR: .*; stopped after 3 attempts/);
  expect(w.stderr()).not.toMatch(/^\s+at /m);
}, 60_000);
