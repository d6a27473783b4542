/**
 * The embedded store under a state directory: persisted across runs, shared between processes
 * (one serves, the others use its server), taken over when the serving process ends or died.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalState } from '../../functions/adapters/local-state';
import { MuteStore } from '../../functions/adapters/mute-store';
import type { Mute } from '../../functions/core/mutes/mute';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function input(reason: string): Omit<Mute, 'id'> {
  return { ruleId: '*', scope: {}, reason, createdBy: 'test', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
}

async function inChild(stateDir: string, reason: string): Promise<string> {
  const script = `
    const { LocalState } = require('./functions/adapters/local-state');
    const { MuteStore } = require('./functions/adapters/mute-store');
    (async () => {
      const s = await LocalState.open(${JSON.stringify(stateDir)});
      const m = await new MuteStore(s.client, { tableName: s.tableName }).create(${JSON.stringify(input(reason))});
      await s.close();
      process.stdout.write(m.id);
    })().catch((e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  return stdout;
}

it('persists across opens and is shared with another process while this one serves', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const first = await LocalState.open(dir);
  const store = new MuteStore(first.client, { tableName: first.tableName });
  const a = await store.create(input('from the test process'));
  const childId = await inChild(dir, 'from a second process'); // uses our server
  expect((await store.live()).map((m) => m.id)).toEqual([a.id, childId]);
  await first.close();
  expect(existsSync(join(dir, 'store.lock'))).toBe(false);

  const again = await LocalState.open(dir);
  expect((await new MuteStore(again.client, { tableName: again.tableName }).live()).map((m) => m.reason)).toEqual(['from the test process', 'from a second process']);
  await again.close();
}, 30_000);

it('takes over from a lock left by a process that died', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const s1 = await LocalState.open(dir);
  await new MuteStore(s1.client, { tableName: s1.tableName }).create(input('before the crash'));
  await s1.close();
  writeFileSync(join(dir, 'store.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, port: 1 })); // no such process
  const s2 = await LocalState.open(dir);
  try {
    expect((await new MuteStore(s2.client, { tableName: s2.tableName }).live()).map((m) => m.reason)).toEqual(['before the crash']);
  } finally {
    await s2.close();
  }
});

it('a client whose server went away takes the store over and carries on', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const owner = await LocalState.open(dir);
  const guest = await LocalState.open(dir); // same process: joins the owner's server
  const guestStore = new MuteStore(guest.client, { tableName: guest.tableName });
  await guestStore.create(input('one'));
  await owner.close();
  await guestStore.create(input('two')); // reconnects, now serving itself
  expect((await guestStore.live()).map((m) => m.reason)).toEqual(['one', 'two']);
  await guest.close();
}, 30_000);

describe('stale locks beyond a dead pid', () => {
  async function opensOver(lockContent: string, ageSeconds = 0): Promise<void> {
    const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
    const s1 = await LocalState.open(dir);
    await new MuteStore(s1.client, { tableName: s1.tableName }).create(input('kept'));
    await s1.close();
    const lock = join(dir, 'store.lock');
    writeFileSync(lock, lockContent);
    if (ageSeconds) utimesSync(lock, new Date(Date.now() - ageSeconds * 1000), new Date(Date.now() - ageSeconds * 1000));
    const s2 = await LocalState.open(dir);
    try {
      expect((await new MuteStore(s2.client, { tableName: s2.tableName }).live()).map((m) => m.reason)).toEqual(['kept']);
    } finally {
      await s2.close();
    }
  }

  it('takes over a lock naming this very process but no server of it (a restarted container)', async () => {
    await opensOver(JSON.stringify({ pid: process.pid, port: 1 }));
  });

  it('takes over a lock left empty by a writer that died', async () => {
    await opensOver('', 10);
  });

  it('takes over a lock whose live pid does not answer on its port (a reused pid)', async () => {
    await opensOver(JSON.stringify({ pid: process.ppid, port: 1 }));
  }, 20_000);
});
