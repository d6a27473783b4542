/**
 * A long-running `rekwatch watch` keeps its embedded store to the live state (functions/cli/watch.ts
 * with adapters/state-sweep.ts): between passes it deletes what DynamoDB's TTL would have deleted,
 * and detection state only once the detect stage's event-time clock has passed it, so the windows of
 * history read with --from-start stay while they are live, however old their wall-clock TTL is.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { openState } from '../../functions/cli/state';
import { sweepExpired } from '../../functions/adapters/state-sweep';
import { tableKeys } from '../helpers/dynalite';
import { until } from '../helpers/wait';
import { ROOT, SAMPLE_DIR, SAMPLES, startWatch, stopAllWatches } from '../helpers/watch';

const io = () => ({ stdout: new Writable({ write: (_c, _e, cb) => cb() }), stderr: new Writable({ write: (_c, _e, cb) => cb() }), stdin: Readable.from([]), cwd: ROOT, stderrIsTTY: false, env: {} });
const ms = (iso: string) => Date.parse(iso);
const sec = (t: number) => ({ N: String(Math.floor(t / 1000)) });

afterEach(() => stopAllWatches());

async function keysIn(stateDir: string): Promise<string[]> {
  const state = await openState(io(), { stateDir });
  try {
    return await tableKeys(state.client, state.tableName);
  } finally {
    await state.close();
  }
}

it('deletes expired items between passes, detection state by the event-time clock', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-sweep-'));
  const dir = join(base, 'trail');
  const stateDir = join(base, 'state');
  mkdirSync(dir);
  for (const f of SAMPLES) copyFileSync(join(SAMPLE_DIR, f), join(dir, f));
  // Left by earlier runs: a delivery key and a dedupe decision past their TTL, a live one, a mute
  // with no TTL, and detection state of 2026-11 history (the sample trail is of 2026-11-20 09:05 to
  // 09:16): one window that ended before the samples' events, one that ends after them.
  const seed = await openState(io(), { stateDir });
  const put = (pk: string, extra: Record<string, AttributeValue>) => seed.client.send(new PutItemCommand({ TableName: seed.tableName, Item: { pk: { S: pk }, ...extra } }));
  const now = Date.now();
  await put('delivery#old', { expiresAt: sec(now - 86_400_000) });
  await put('dedupe#old', { expiresAt: sec(now - 1000) });
  await put('dedupe#live', { expiresAt: sec(now + 86_400_000) });
  await put('mute#kept', { mute: { S: '{}' } });
  await put('detect#threshold#r#ended', { value: { S: '{}' }, version: { N: '1' }, expiresAtMs: { N: String(ms('2026-11-20T08:00:00Z')) }, expiresAt: sec(ms('2026-11-20T08:00:00Z')) });
  await put('detect#threshold#r#live', { value: { S: '{}' }, version: { N: '1' }, expiresAtMs: { N: String(ms('2026-11-25T00:00:00Z')) }, expiresAt: sec(ms('2026-11-25T00:00:00Z')) });
  await seed.close();

  // A sweep after every pass. The first comes before the files are read (a file is read once it has
  // stopped changing for a pass): the detect stage's clock is still 0, so only TTL's items go.
  const w = startWatch(dir, stateDir, { fromStart: true, sweepEveryMs: 0 });
  await w.ready();
  const deleted = () => [...w.stderr().matchAll(/rekwatch: state: deleted (\d+) expired items?/g)].map((m) => Number(m[1]));
  try {
    await until(() => deleted().length === 2 && w.stderr().includes(SAMPLES[2]!));
  } catch (e) {
    throw new Error(`${(e as Error).message}; watch said:\n${w.stderr()}`);
  }
  expect(await w.stop()).toBe(0);
  // Then, once the samples' events moved the clock past it, the window that had ended.
  expect(deleted()).toEqual([2, 1]);
  expect(w.stderr().indexOf('rekwatch: state: deleted 1 expired item')).toBeGreaterThan(w.stderr().indexOf(SAMPLES[2]!));
  const kept = await keysIn(stateDir);
  expect(kept).toEqual(expect.arrayContaining(['dedupe#live', 'detect#threshold#r#live', 'mute#kept']));
  expect(kept.filter((k) => ['delivery#old', 'dedupe#old', 'detect#threshold#r#ended'].includes(k))).toEqual([]);
});

it('empties a store that grew for months in steps, between passes, while files are still read', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-sweep-'));
  const dir = join(base, 'trail');
  const stateDir = join(base, 'state');
  mkdirSync(dir);
  const seed = await openState(io(), { stateDir });
  for (let i = 0; i < 23; i++) await seed.client.send(new PutItemCommand({ TableName: seed.tableName, Item: { pk: { S: `delivery#${i}` }, expiresAt: sec(Date.now() - 86_400_000) } }));
  await seed.close();
  // One page of 5 items a pass (no time to spare), through a client of the watch's store.
  const handle = await openState(io(), { stateDir });
  // What each pass deleted. The file's own items land in the table while the passes run, so a page
  // may hold some of them (live, kept): how many passes it takes depends on when they land.
  const passes: number[] = [];
  const w = startWatch(dir, stateDir, {
    sweepBudgetMs: 0,
    sweep: async (clocks, options) => {
      const result = await sweepExpired(handle.client, handle.tableName, clocks, { ...options, pageSize: 5 });
      passes.push(result.deleted);
      return result;
    },
  });
  try {
    await w.ready();
    copyFileSync(join(SAMPLE_DIR, SAMPLES[0]!), join(dir, SAMPLES[0]!));
    await until(() => w.stderr().includes('rekwatch: state: deleted 23 expired items') && w.stderr().includes(SAMPLES[0]!));
    // In steps of at most a page each, at least five of them, all 23 gone.
    expect(passes.every((n) => n <= 5)).toBe(true);
    expect(passes.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    expect(passes.reduce((a, n) => a + n, 0)).toBe(23);
    expect(w.stderr().match(/rekwatch: state: /g)).toHaveLength(1);
  } finally {
    await handle.close();
    await w.stop();
  }
  // What the file's alerts wrote (delivery keys, windows) is live and stays; the seeded items are gone.
  expect((await keysIn(stateDir)).filter((k) => k.startsWith('delivery#'))).toEqual([]);
});

it('says when the store cannot be swept, and goes on watching', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-sweep-'));
  const dir = join(base, 'trail');
  mkdirSync(dir);
  const w = startWatch(dir, join(base, 'state'), { sweepEveryMs: 3_600_000, sweep: async () => { throw new Error('the store is gone'); } });
  await w.ready();
  await until(() => w.stderr().includes('rekwatch: state: could not delete expired items (the store is gone); trying again in 1h'));
  copyFileSync(join(SAMPLE_DIR, SAMPLES[0]!), join(dir, SAMPLES[0]!));
  await until(() => w.stderr().includes(SAMPLES[0]!));
  expect(await w.stop()).toBe(0);
  expect(w.stderr().match(/could not delete expired items/g)).toHaveLength(1);
});
