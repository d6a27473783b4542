/** The mute store against dynalite: create, list, remove, history, counts, and concurrent writers. */
import { MuteNotFound, MuteStore } from '../../functions/adapters/mute-store';
import type { Mute } from '../../functions/core/mutes/mute';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

let dynamo: LocalDynamo;
let now = Date.parse('2026-11-24T10:00:00Z');
const clock = () => now;

beforeAll(async () => {
  dynamo = await startDynamo('mute-store-test');
});
afterAll(() => dynamo.close());

function input(over: Partial<Omit<Mute, 'id'>> = {}): Omit<Mute, 'id'> {
  return { ruleId: 'root-user-activity', scope: {}, reason: 'planned', createdBy: 'alice', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), ...over };
}

it('creates, lists, counts, removes and keeps the history', async () => {
  const store = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: clock });
  const a = await store.create(input());
  const b = await store.create(input({ ruleId: '*', scope: { ip: '10.0.0.0/8' }, expiresAt: new Date(now + 60_000).toISOString() }));
  expect(a.id).toMatch(/^m-[a-z2-9]{10}$/);
  expect((await store.live()).map((m) => m.id)).toEqual([a.id, b.id]);

  await Promise.all([store.recordSuppressed(a.id), store.recordSuppressed(a.id), store.recordSuppressed(a.id)]);
  expect(await store.get(a.id)).toMatchObject({ suppressed: 3, lastSuppressedAt: '2026-11-24T10:00:00.000Z' });

  const ended = await store.remove(a.id, 'bob');
  expect(ended).toMatchObject({ id: a.id, removedBy: 'bob', removedAt: '2026-11-24T10:00:00.000Z' });
  await expect(store.remove(a.id, 'bob')).rejects.toThrow(new MuteNotFound(`mute ${a.id} was already removed (by bob at 2026-11-24T10:00:00.000Z)`));
  await expect(store.remove('m-nope', 'bob')).rejects.toThrow(MuteNotFound);
  expect((await store.live()).map((m) => m.id)).toEqual([b.id]);

  now += 120_000; // b expires: gone from live on read, though nothing deleted it
  expect(await store.live()).toEqual([]);
  await expect(store.remove(b.id, 'bob')).rejects.toThrow(/already expired/);
  const history = await store.history();
  expect(history.map((m) => [m.id, m.suppressed, m.removedBy ?? null])).toEqual(expect.arrayContaining([[a.id, 3, 'bob'], [b.id, 0, null]]));
});

it('loses no mute when many are created at once (optimistic concurrency on the live set)', async () => {
  const store = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: clock });
  const before = (await store.live()).length;
  const created = await Promise.all(Array.from({ length: 12 }, (_, i) => store.create(input({ reason: `parallel ${i}` }))));
  const live = await store.live();
  expect(live.length).toBe(before + 12);
  for (const m of created) expect(live.map((l) => l.id)).toContain(m.id);
});

describe('recovery when the live-set write fails half-way', () => {
  /** A client whose PutItem on the live set fails `times` times, as throttling would. */
  function flaky(times: number) {
    let left = times;
    const send = async (cmd: { input: { Item?: { pk?: { S?: string } } } }) => {
      if (cmd.constructor.name === 'PutItemCommand' && cmd.input.Item?.pk?.S === 'mutes' && left > 0) {
        left--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return (dynamo.client.send as (c: unknown) => Promise<unknown>)(cmd);
    };
    return { send } as unknown as typeof dynamo.client;
  }

  it('an unmute whose live-set step failed can be retried, and the mute stops applying', async () => {
    const good = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: clock });
    const m = await good.create(input({ reason: 'unmute-retry' }));
    await expect(new MuteStore(flaky(1), { tableName: dynamo.tableName, now: clock }).remove(m.id, 'bob')).rejects.toThrow('Rate exceeded');
    expect((await good.live()).map((x) => x.id)).toContain(m.id); // half done
    await expect(good.remove(m.id, 'bob')).rejects.toThrow(MuteNotFound); // the retry reports it ended...
    expect((await good.live()).map((x) => x.id)).not.toContain(m.id); // ...and finishes the job
  });

  it('a repeated create with the same id finishes a create whose live-set step failed', async () => {
    const good = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: clock });
    await expect(new MuteStore(flaky(1), { tableName: dynamo.tableName, now: clock }).create(input({ reason: 'create-retry' }), 'm-createretry')).rejects.toThrow('Rate exceeded');
    expect((await good.live()).map((x) => x.id)).not.toContain('m-createretry');
    await good.create(input({ reason: 'create-retry' }), 'm-createretry');
    expect((await good.live()).map((x) => x.id)).toContain('m-createretry');
  });
});
