/**
 * Sweeping expired items out of the embedded store (functions/adapters/state-sweep.ts), against a
 * real DynamoDB API (dynalite): what DynamoDB's TTL would delete goes, detection state goes only by
 * its own clock (the event-time watermark), and nothing live is ever deleted, whether written by the
 * stores themselves or rewritten between the scan and the delete.
 */
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoStateStore } from '../../functions/adapters/detection-state/dynamo-state-store';
import { DynamoDedupeState } from '../../functions/adapters/dedupe-store';
import { sweepExpired } from '../../functions/adapters/state-sweep';
import { startDynamo, tableKeys, type LocalDynamo } from '../helpers/dynalite';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const sec = (ms: number) => ({ N: String(Math.floor(ms / 1000)) });

let db: LocalDynamo;
beforeEach(async () => {
  db = await startDynamo();
});
afterEach(async () => {
  await db.close();
});

async function put(pk: string, extra: Record<string, AttributeValue> = {}): Promise<void> {
  await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: pk }, ...extra } }));
}

const keys = () => tableKeys(db.client, db.tableName);

describe('sweepExpired', () => {
  it('deletes what TTL would delete and keeps everything else', async () => {
    await put('dedupe#old', { expiresAt: sec(NOW - 60_000) });
    await put('dedupe#just-expired', { expiresAt: sec(NOW - 1000) });
    await put('dedupe#this-second', { expiresAt: sec(NOW) }); // TTL deletes after expiresAt, not at it
    await put('dedupe#live', { expiresAt: sec(NOW + DAY) });
    await put('mute#forever'); // no TTL attribute: never expires
    await put('odd#text-ttl', { expiresAt: { S: 'soon' } }); // not a number: TTL ignores it, so do we
    const r = await sweepExpired(db.client, db.tableName, { nowMs: NOW });
    expect(r).toEqual({ scanned: 6, deleted: 2 });
    expect(await keys()).toEqual(['dedupe#live', 'dedupe#this-second', 'mute#forever', 'odd#text-ttl']);
  });

  it('deletes detection state by its own clock, never by the wall clock', async () => {
    // Windows of history a week old: their TTL (seconds) is long past on the wall clock, yet live on
    // the watermark of the watch reading that history.
    const weekAgo = NOW - 7 * DAY;
    await put('detect#threshold#r#live', { expiresAtMs: { N: String(weekAgo + 600_000) }, expiresAt: sec(weekAgo + 600_000) });
    await put('detect#threshold#r#done', { expiresAtMs: { N: String(weekAgo - 1) }, expiresAt: sec(weekAgo) });
    await put('detect#threshold#r#at-the-clock', { expiresAtMs: { N: String(weekAgo) }, expiresAt: sec(weekAgo) });
    await put('dedupe#old', { expiresAt: sec(NOW - 60_000) });
    // Without a detection clock no detection item goes.
    expect(await sweepExpired(db.client, db.tableName, { nowMs: NOW })).toEqual({ scanned: 4, deleted: 1 });
    expect(await keys()).toEqual(['detect#threshold#r#at-the-clock', 'detect#threshold#r#done', 'detect#threshold#r#live']);
    // With the watermark: what the detection store reads as absent (expiresAtMs <= clock) goes.
    expect(await sweepExpired(db.client, db.tableName, { nowMs: NOW, detectionMs: weekAgo })).toEqual({ scanned: 3, deleted: 2 });
    expect(await keys()).toEqual(['detect#threshold#r#live']);
  });

  it('keeps what the stores wrote and still read, and deletes it once they would not', async () => {
    let clock = NOW - 7 * DAY;
    const detection = new DynamoStateStore(db.client, { tableName: db.tableName, now: () => clock });
    expect(await detection.put('threshold#r#k', { entries: [] }, 0, clock + 600_000)).toBe(true);
    const wall = Date.now(); // the dedupe store keeps its decisions by the wall clock
    const dedupe = new DynamoDedupeState(db.client, db.tableName);
    expect((await dedupe.admit('rule-a#key', 'alert-1', wall, 3_600_000)).deliver).toBe(true);
    const before = await keys();
    expect(before.filter((k) => !k.startsWith('detect#')).length).toBeGreaterThan(0);
    await sweepExpired(db.client, db.tableName, { nowMs: wall, detectionMs: clock });
    expect(await keys()).toEqual(before);
    expect(await detection.get('threshold#r#k')).toBeDefined();
    // A year on (wall clock), the dedupe items are past their TTL; the window is not, on its clock.
    await sweepExpired(db.client, db.tableName, { nowMs: wall + 365 * DAY, detectionMs: clock });
    expect(await keys()).toEqual(['detect#threshold#r#k']);
    clock += 600_000;
    expect(await detection.get('threshold#r#k')).toBeUndefined();
    await sweepExpired(db.client, db.tableName, { nowMs: wall, detectionMs: clock });
    expect(await keys()).toEqual([]);
  });

  it('reads every page of a large table', async () => {
    for (let i = 0; i < 23; i++) await put(`dedupe#${String(i).padStart(2, '0')}`, { expiresAt: sec(i % 2 === 0 ? NOW - 1000 : NOW + DAY) });
    expect(await sweepExpired(db.client, db.tableName, { nowMs: NOW }, { pageSize: 5 })).toEqual({ scanned: 23, deleted: 12 });
    expect(await keys()).toHaveLength(11);
  });

  it('stops after a page when told to, and goes on from where it stopped', async () => {
    for (let i = 0; i < 23; i++) await put(`dedupe#${String(i).padStart(2, '0')}`, { expiresAt: sec(i % 2 === 0 ? NOW - 1000 : NOW + DAY) });
    let deleted = 0;
    let steps = 0;
    let from: Record<string, AttributeValue> | undefined;
    do {
      const r = await sweepExpired(db.client, db.tableName, { nowMs: NOW }, { pageSize: 5, enough: () => true, ...(from ? { from } : {}) });
      deleted += r.deleted;
      from = r.next;
      steps++;
    } while (from);
    expect({ deleted, steps }).toEqual({ deleted: 12, steps: 5 });
    expect(await keys()).toHaveLength(11);
  });

  it('keeps a dedupe window of history while that history is read: its TTL counts from when it was written', async () => {
    // watch --since 60d: an alert 40 days old opens a window; the next alert of that key, 5 minutes
    // later in event time, comes in a later file, after a sweep.
    const dedupe = new DynamoDedupeState(db.client, db.tableName);
    const at = Date.now() - 40 * DAY;
    expect((await dedupe.admit('rule-a#key', 'alert-1', at, 3_600_000)).deliver).toBe(true);
    expect((await sweepExpired(db.client, db.tableName, { nowMs: Date.now() })).deleted).toBe(0);
    expect(await dedupe.admit('rule-a#key', 'alert-2', at + 300_000, 3_600_000)).toEqual({ deliver: false, windowStart: new Date(at).toISOString() });
    // 30 days after it was written the window goes, as DynamoDB's TTL would take it.
    expect((await sweepExpired(db.client, db.tableName, { nowMs: Date.now() + 31 * DAY })).deleted).toBeGreaterThan(0);
    expect(await keys()).toEqual([]);
  });

  it('keeps an item rewritten between the scan and its delete', async () => {
    await put('dedupe#renewed', { expiresAt: sec(NOW - 1000) });
    await put('dedupe#old', { expiresAt: sec(NOW - 1000) });
    // The first delete request is held until the other item is renewed (another writer, racing).
    const send = db.client.send.bind(db.client);
    let renewed = false;
    const spy = jest.spyOn(db.client, 'send').mockImplementation((async (command: unknown) => {
      if (!renewed && (command as { constructor: { name: string } }).constructor.name === 'DeleteItemCommand') {
        renewed = true;
        await send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: 'dedupe#renewed' }, expiresAt: sec(NOW + DAY) } }));
      }
      return send(command as never);
    }) as never);
    try {
      const r = await sweepExpired(db.client, db.tableName, { nowMs: NOW });
      expect(r.deleted).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(await keys()).toEqual(['dedupe#renewed']);
    const item = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: 'dedupe#renewed' } } }));
    expect(item.Item?.expiresAt).toEqual(sec(NOW + DAY));
  });
});
