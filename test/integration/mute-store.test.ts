/**
 * The mute store against dynalite: create, list, remove, history, counts, concurrent writers, entries
 * without (or unlike) their audit record, and the live set's size limit.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MuteLimitError, MuteNotFound, MuteStore, UnauditedEntryRemoved } from '../../functions/adapters/mute-store';
import { checkMuteInput, isLive, type Mute } from '../../functions/core/suppress/mute';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { largestMute, seedMutes } from '../helpers/mute-seed';

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
  const history = (await store.history()).records;
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

/** The ids in the live-set item as stored, read directly. */
async function liveSetIds(): Promise<string[]> {
  const got = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: 'mutes' } }, ConsistentRead: true }));
  return (JSON.parse(got.Item?.mutes?.S ?? '[]') as Array<{ id: string }>).map((m) => m.id);
}

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
    expect(await liveSetIds()).toContain(m.id); // half done: still in the live set...
    expect((await good.live()).map((x) => x.id)).not.toContain(m.id); // ...but its audit record says it ended, so it no longer applies
    await expect(good.remove(m.id, 'bob')).rejects.toThrow(MuteNotFound); // the retry reports it ended...
    expect(await liveSetIds()).not.toContain(m.id); // ...and finishes the job
  });

  it('a repeated create with the same id finishes a create whose live-set step failed', async () => {
    const good = new MuteStore(dynamo.client, { tableName: dynamo.tableName, now: clock });
    await expect(new MuteStore(flaky(1), { tableName: dynamo.tableName, now: clock }).create(input({ reason: 'create-retry' }), 'm-createretry')).rejects.toThrow('Rate exceeded');
    expect((await good.live()).map((x) => x.id)).not.toContain('m-createretry');
    await good.create(input({ reason: 'create-retry' }), 'm-createretry');
    expect((await good.live()).map((x) => x.id)).toContain('m-createretry');
  });
});

describe('the audit record decides what applies (an entry written only to the live set never does)', () => {
  let db: LocalDynamo;
  beforeAll(async () => {
    db = await startDynamo('mute-store-forged');
  });
  afterAll(() => db.close());

  /** Rewrites the live-set item as someone with PutItem on the table could (no audit record written). */
  async function writeLiveSet(edit: (entries: unknown[]) => unknown[] | string): Promise<void> {
    const got = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: 'mutes' } }, ConsistentRead: true }));
    const next = edit(JSON.parse(got.Item?.mutes?.S ?? '[]') as unknown[]);
    const version = Number(got.Item?.version?.N ?? 0) + 1;
    await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: 'mutes' }, version: { N: String(version) }, mutes: { S: typeof next === 'string' ? next : JSON.stringify(next) } } }));
  }
  const forged = (over: Partial<Mute> = {}): Mute => ({ id: 'm-forged2222', ...input({ ruleId: '*', reason: 'nothing to see' }), ...over });

  it('does not apply a live-set entry that has no audit record, reports it, and unmute takes it out', async () => {
    const problems: string[] = [];
    const store = new MuteStore(db.client, { tableName: db.tableName, now: clock, onProblems: (p) => problems.push(...p.map((x) => x.message)) });
    const real = await store.create(input({ reason: 'real' }));
    await writeLiveSet((entries) => [...entries, forged()]);
    expect((await store.live()).map((m) => m.id)).toEqual([real.id]);
    expect(problems).toEqual(['m-forged2222 is in the live set with no audit record, so it is not applied (it says: every rule); take it out with `rekwatch unmute m-forged2222`']);
    expect((await store.liveSet()).problems.map((p) => p.id)).toEqual(['m-forged2222']);

    await expect(store.remove('m-forged2222', 'bob')).rejects.toThrow(new UnauditedEntryRemoved('m-forged2222 had no audit record, so it never applied; took it out of the live set'));
    expect(await store.liveSet()).toMatchObject({ records: [{ id: real.id }], problems: [] });
    await store.remove(real.id, 'bob');
  });

  it('applies an entry only as its audit record says, and reports an entry that was changed', async () => {
    const store = new MuteStore(db.client, { tableName: db.tableName, now: clock });
    const real = await store.create(input({ ruleId: 'root-user-activity', scope: { account: '111122223333' }, reason: 'narrow' }));
    await writeLiveSet((entries) => entries.map((e) => ({ ...(e as Mute), ruleId: '*', scope: {}, expiresAt: new Date(now + 29 * 86_400_000).toISOString() })));
    const { records, problems } = await store.liveSet();
    expect(records).toMatchObject([{ id: real.id, ruleId: 'root-user-activity', scope: { account: '111122223333' }, expiresAt: real.expiresAt }]);
    expect(problems).toEqual([{ id: real.id, message: `${real.id}: the live-set entry differs from its audit record; only the audit record applies (rule root-user-activity in account 111122223333)` }]);
    await store.remove(real.id, 'bob');
  });

  it('does not apply a mute whose audit record is not a valid mute (an invalid CIDR matches nothing, and says so)', async () => {
    const store = new MuteStore(db.client, { tableName: db.tableName, now: clock });
    const bad = { ...forged({ id: 'm-badcidr222', scope: { ip: '10.0.0.0/33' } }) };
    await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: `mute#${bad.id}` }, mute: { S: JSON.stringify(bad) } } }));
    await writeLiveSet((entries) => [...entries, bad]);
    const { records, problems } = await store.liveSet();
    expect(records).toEqual([]);
    expect(problems).toEqual([{ id: bad.id, message: 'm-badcidr222: its audit record is invalid (scope.ip: "10.0.0.0/33" is neither an IP address nor a CIDR), so it is not applied' }]);
    expect((await store.history()).problems).toEqual([{ id: bad.id, message: 'mute#m-badcidr222: not a valid audit record (scope.ip: "10.0.0.0/33" is neither an IP address nor a CIDR); it never applies' }]);
    await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: `mute#${bad.id}` }, mute: { S: JSON.stringify({ ...bad, scope: {}, removedAt: bad.createdAt, removedBy: 'test' }) } } }));
  });

  it('a live set that is not JSON applies nothing, is reported, and the next mute rewrites it', async () => {
    const store = new MuteStore(db.client, { tableName: db.tableName, now: clock });
    await writeLiveSet(() => '{not json');
    expect(await store.liveSet()).toEqual({ records: [], problems: [{ message: 'the live set (item "mutes") is not a JSON list: none of it is applied; the next mute or unmute rewrites it' }] });
    const m = await store.create(input({ reason: 'after' }));
    expect(await store.liveSet()).toMatchObject({ records: [{ id: m.id }], problems: [] });
  });

  it('reads the audit records in one BatchGetItem per 100 live mutes', async () => {
    let batches = 0;
    const counting = { send: (cmd: { constructor: { name: string } }) => {
      if (cmd.constructor.name === 'BatchGetItemCommand') batches++;
      return (db.client.send as (c: unknown) => Promise<unknown>)(cmd);
    } } as unknown as typeof db.client;
    const store = new MuteStore(counting, { tableName: db.tableName, now: clock });
    const before = (await store.live()).length;
    await seedMutes(db, Array.from({ length: 150 - before }, (_, i) => ({ id: `m-many${String(i).padStart(6, '0')}`, ...input({ reason: `many ${i}` }) })));
    batches = 0;
    expect(await store.live()).toHaveLength(150);
    expect(batches).toBe(2);
  });
});

describe('the live set never outgrows its DynamoDB item', () => {
  let db: LocalDynamo;
  beforeAll(async () => {
    db = await startDynamo('mute-store-full');
  });
  afterAll(() => db.close());

  it('refuses a mute that would not fit with a clear error, long before the 400 KB item limit, and ends nothing else', async () => {
    const store = new MuteStore(db.client, { tableName: db.tableName, now: clock });
    const big = (i: number) => largestMute(`m-big${String(i).padStart(7, '0')}`, now);
    const made: Mute[] = Array.from({ length: 46 }, (_, i) => big(i));
    const sample = big(0);
    expect(checkMuteInput({ ruleId: sample.ruleId, scope: sample.scope, reason: sample.reason, createdBy: sample.createdBy }, new Set([sample.ruleId]), now)).toMatchObject({ ok: true }); // allowed input
    await seedMutes(db, made); // (about 270 KB: quicker than 46 creates)
    let refused: unknown;
    for (let i = made.length; i < 200 && !refused; i++) {
      try {
        const { id: _id, ...m } = big(i);
        made.push(await store.create(m));
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toBeInstanceOf(MuteLimitError);
    expect((refused as Error).message).toMatch(/^the live mute list is full \(\d+ KB with this mute; it may use 300 KB of one 400 KB DynamoDB item\): end some mutes/);
    expect(made.length).toBeGreaterThan(45);
    expect((await store.live()).length).toBe(made.length);
    // Nothing on record claims to be live that does not apply.
    expect((await store.history()).records.filter((r) => isLive(r, now)).length).toBe(made.length);
    // Room again after an unmute.
    await store.remove(made[0]!.id, 'bob');
    const { id: _id, ...again } = big(999);
    await store.create(again);
  });
});
