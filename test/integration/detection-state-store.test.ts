/**
 * DynamoStateStore against dynalite: the DetectionStateStore contract (versions, expiry on read,
 * expired items overwritable, size limit, named errors), and updateState over it under duplicates,
 * retries and 20 concurrent writers of one key. The same contract cases run on MemoryStateStore, so
 * the two stores cannot drift apart.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DetectionStateError, DynamoStateStore, StateValueTooLargeError } from '../../functions/adapters/detection-state/dynamo-state-store';
import { MemoryStateStore, StateConflictError, updateState, type DetectionStateStore } from '../../functions/core/detect/state-store';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo('detection-state-test');
});
afterAll(() => dynamo.close());

let clock = 1_700_000_000_000;
let n = 0;
const fresh = () => `k${++n}-${Math.random().toString(36).slice(2)}`;

describe.each([
  ['in memory', () => new MemoryStateStore(() => clock) as DetectionStateStore],
  ['on DynamoDB', () => new DynamoStateStore(dynamo.client, { tableName: dynamo.tableName, now: () => clock }) as DetectionStateStore],
])('detection state %s', (_name, make) => {
  it('writes only over the expected version and bumps it', async () => {
    const s = make();
    const k = fresh();
    expect(await s.get(k)).toBeUndefined();
    expect(await s.put(k, { n: 1 }, 0, clock + 60_000)).toBe(true);
    expect(await s.put(k, { n: 9 }, 0, clock + 60_000)).toBe(false); // a second "first" write loses
    expect(await s.get(k)).toEqual({ value: { n: 1 }, version: 1, expiresAt: clock + 60_000 });
    expect(await s.put(k, { n: 2 }, 2, clock + 60_000)).toBe(false); // a version nobody read
    expect(await s.put(k, { n: 2 }, 1, clock + 60_000)).toBe(true);
    expect(await s.put(k, { n: 3 }, 1, clock + 60_000)).toBe(false); // stale: never over a newer write
    expect(await s.get(k)).toEqual({ value: { n: 2 }, version: 2, expiresAt: clock + 60_000 });
  });

  it('reads an item as absent from its expiry on, and lets a first write replace it', async () => {
    const s = make();
    const k = fresh();
    const start = clock;
    await s.put(k, 'old', 0, start + 1_500);
    clock = start + 1_499;
    expect((await s.get(k))?.value).toBe('old');
    clock = start + 1_500;
    expect(await s.get(k)).toBeUndefined();
    expect(await s.put(k, 'stale', 1, start + 9_000)).toBe(false); // read before it expired: refused
    expect(await s.put(k, 'new', 0, start + 9_000)).toBe(true);
    expect(await s.get(k)).toEqual({ value: 'new', version: 1, expiresAt: start + 9_000 });
    clock = start;
  });

  it('refuses a value over the size limit with a named error', async () => {
    await expect(make().put(fresh(), 'x'.repeat(400_000), 0, clock + 1)).rejects.toThrow(/over 350000 bytes/);
  });

  it('applies every one of 20 concurrent updates of one key exactly once', async () => {
    const s = make();
    const k = fresh();
    const ids = Array.from({ length: 20 }, (_, i) => `e${i}`);
    const results = await Promise.all(
      ids.map((id) =>
        updateState<{ seen: string[] }>(s, k, (cur) => {
          const seen = cur?.seen ?? [];
          return seen.includes(id) ? undefined : { value: { seen: [...seen, id] }, expiresAt: clock + 60_000 };
        }),
      ),
    );
    const stored = await s.get<{ seen: string[] }>(k);
    expect([...stored!.value.seen].sort()).toEqual([...ids].sort());
    expect(stored!.version).toBe(20);
    for (const [i, r] of results.entries()) expect(r!.seen).toContain(ids[i]);
  });

  it('counts a duplicate or a retried update once', async () => {
    const s = make();
    const k = fresh();
    const add = (id: string) =>
      updateState<string[]>(s, k, (cur) => ((cur ?? []).includes(id) ? undefined : { value: [...(cur ?? []), id], expiresAt: clock + 60_000 }));
    await add('a');
    await add('b');
    await Promise.all([add('a'), add('a'), add('b')]); // duplicates, concurrently
    expect(await s.get(k)).toEqual({ value: ['a', 'b'], version: 2, expiresAt: clock + 60_000 });
  });
});

describe('DynamoStateStore on the table', () => {
  const store = (over: Partial<{ prefix: string; now: () => number }> = {}) => new DynamoStateStore(dynamo.client, { tableName: dynamo.tableName, now: () => clock, ...over });
  const raw = (pk: string) => dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));

  it('stores the value as JSON under detect#, with the TTL in epoch seconds rounded up', async () => {
    const k = fresh();
    await store().put(k, { window: [1, 2] }, 0, 1_700_000_000_001);
    const item = (await raw(`detect#${k}`)).Item!;
    expect(item).toEqual({
      pk: { S: `detect#${k}` },
      value: { S: '{"window":[1,2]}' },
      version: { N: '1' },
      expiresAtMs: { N: '1700000000001' },
      expiresAt: { N: '1700000001' },
    });
    expect((await raw(k)).Item).toBeUndefined();
  });

  it('keeps prefixes apart', async () => {
    const k = fresh();
    await store({ prefix: 'a#' }).put(k, 1, 0, clock + 1_000);
    expect(await store({ prefix: 'b#' }).get(k)).toBeUndefined();
    expect(await store({ prefix: 'b#' }).put(k, 2, 0, clock + 1_000)).toBe(true);
    expect((await store({ prefix: 'a#' }).get(k))?.value).toBe(1);
  });

  it('names a stored item it cannot read back instead of treating it as absent', async () => {
    const k = fresh();
    await dynamo.client.send(
      new PutItemCommand({ TableName: dynamo.tableName, Item: { pk: { S: `detect#${k}` }, value: { S: '{not json' }, version: { N: '1' }, expiresAtMs: { N: String(clock + 1_000) } } }),
    );
    await expect(store().get(k)).rejects.toMatchObject({ name: 'DetectionStateError', code: 'corrupt', key: k });
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { pk: { S: `detect#${k}` }, value: { S: '1' } } }));
    await expect(store().get(k)).rejects.toThrow(/lacks value, version or expiresAtMs/);
  });

  it('names the operation and the key when DynamoDB cannot be reached, with the cause', async () => {
    const down = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const s = new DynamoStateStore(down, { tableName: dynamo.tableName });
    const read = await s.get('k').catch((e: unknown) => e);
    expect(read).toBeInstanceOf(DetectionStateError);
    expect(read).toMatchObject({ code: 'read', key: 'k', message: expect.stringMatching(/^detection state k: could not be read/) });
    expect((read as Error).cause).toBeDefined();
    await expect(s.put('k', 1, 0, 1)).rejects.toMatchObject({ name: 'DetectionStateError', code: 'write' });
    down.destroy();
  });

  it('throws StateValueTooLargeError before sending anything', async () => {
    const e = await store().put('big', 'x'.repeat(360_000), 0, clock + 1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateValueTooLargeError);
    expect(e).toMatchObject({ key: 'big', bytes: 360_002 });
    expect((await raw('detect#big')).Item).toBeUndefined();
  });

  it('gives up with StateConflictError when another writer wins every attempt', async () => {
    const k = fresh();
    const s = store();
    const rival = store();
    let v = 0;
    // Each attempt's read is followed by a rival write, so every conditional put fails.
    const racing: DetectionStateStore = {
      get: async <T>(key: string) => {
        const got = await s.get<T>(key);
        await rival.put(key, ++v, got?.version ?? 0, clock + 60_000);
        return got;
      },
      put: (key, value, version, exp) => s.put(key, value, version, exp),
    };
    await expect(updateState<number>(racing, k, (c) => ({ value: (c ?? 0) + 100, expiresAt: clock + 60_000 }), 4)).rejects.toBeInstanceOf(StateConflictError);
    expect((await s.get(k))?.value).toBe(4); // only the rival's writes landed
  });
});
