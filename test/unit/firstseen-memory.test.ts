/**
 * The firstSeen fact (functions/core/detect/first-seen.ts, stage.ts `firstSeenFor`) and its way
 * into conditions (a precomputed fact of the evaluator): per principal and attribute, the memory
 * period, learning from records no rule matches, retries getting the first answer, the value cap,
 * and no state read at all when no rule uses firstSeen.
 */
import { firstSeenFor } from '../../functions/core/detect/stage';
import { MemoryStateStore, type DetectionStateStore } from '../../functions/core/detect/state-store';
import { firstSeenFact, learnFirstSeen, MAX_VALUES, observationOf, RESOLUTION, type FirstSeenState } from '../../functions/core/detect/first-seen';
import { Evaluator } from '../../functions/core/match/evaluator';
import { evaluateValue } from '../../functions/core/pipeline/record-pipeline';
import { pack, rule, ruleFile } from '../helpers/pack';
import { record } from '../helpers/records';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const alice = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' };
const bob = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', accountId: '111122223333' };
let n = 0;
const call = (day: number, over: Record<string, unknown> = {}) =>
  record({ eventID: `ev-${n++}`, eventTime: new Date(T0 + day * DAY).toISOString(), userIdentity: alice, sourceIPAddress: '198.51.100.20', ...over });

describe('firstSeen', () => {
  it('says what is new for the principal, per attribute, and learns', async () => {
    const store = new MemoryStateStore(() => T0);
    expect(await firstSeenFor(store, call(0))).toEqual({ principal: true, sourceIPAddress: true, userAgent: true, awsRegion: true, eventName: true });
    expect(await firstSeenFor(store, call(1))).toEqual({ principal: false, sourceIPAddress: false, userAgent: false, awsRegion: false, eventName: false });
    expect(await firstSeenFor(store, call(2, { sourceIPAddress: '203.0.113.9' }))).toMatchObject({ principal: false, sourceIPAddress: true, eventName: false });
    expect(await firstSeenFor(store, call(2, { eventName: 'DeleteCollection', awsRegion: 'eu-west-1' }))).toMatchObject({ sourceIPAddress: false, eventName: true, awsRegion: true });
    // Another principal has its own memory.
    expect(await firstSeenFor(store, call(3, { userIdentity: bob }))).toMatchObject({ principal: true, sourceIPAddress: true });
  });

  it('forgets after the memory period (30 days by default, configurable)', async () => {
    const store = new MemoryStateStore(() => T0);
    await firstSeenFor(store, call(0));
    expect((await firstSeenFor(store, call(30)))?.sourceIPAddress).toBe(false);
    expect((await firstSeenFor(store, call(61)))?.sourceIPAddress).toBe(true);
    const short = new MemoryStateStore(() => T0);
    await firstSeenFor(short, call(0), { memoryMs: DAY });
    expect((await firstSeenFor(short, call(0.5), { memoryMs: DAY }))?.principal).toBe(false);
    expect((await firstSeenFor(short, call(2), { memoryMs: DAY }))?.principal).toBe(true);
  });

  it('a retry or duplicate of the event that introduced a value gets the same answer', async () => {
    const store = new MemoryStateStore(() => T0);
    await firstSeenFor(store, call(0));
    const novel = call(1, { sourceIPAddress: '203.0.113.9' });
    expect((await firstSeenFor(store, novel))?.sourceIPAddress).toBe(true);
    expect((await firstSeenFor(store, novel))?.sourceIPAddress).toBe(true);
    expect((await firstSeenFor(store, call(1.1, { sourceIPAddress: '203.0.113.9' })))?.sourceIPAddress).toBe(false);
  });

  it('an attribute the record lacks is not new; no principal or no time gives no fact', async () => {
    const store = new MemoryStateStore(() => T0);
    expect(await firstSeenFor(store, call(0, { userAgent: undefined }))).toMatchObject({ userAgent: false, principal: true });
    expect(await firstSeenFor(store, call(0, { userIdentity: {} }))).toBeUndefined();
    expect(await firstSeenFor(store, call(0, { eventTime: 'yesterday' }))).toBeUndefined();
  });

  it('a record that teaches nothing new writes nothing (last-seen times move in steps of memory / RESOLUTION)', async () => {
    let writes = 0;
    const inner = new MemoryStateStore(() => T0);
    const store: DetectionStateStore = { get: (k) => inner.get(k), put: (k, v, e, x) => { writes++; return inner.put(k, v, e, x); } };
    await firstSeenFor(store, call(0));
    expect(writes).toBe(1);
    for (let i = 1; i <= 10; i++) await firstSeenFor(store, call(i * 0.01)); // 14 minutes apart: within 30d / 100
    expect(writes).toBe(1);
    await firstSeenFor(store, call(0.5)); // 12 hours later: moves every last-seen time
    expect(writes).toBe(2);
    const state = learnFirstSeen(undefined, observationOf(call(0))!)!.value;
    expect(learnFirstSeen(state, observationOf(call(30 / RESOLUTION - 0.01))!)).toBeUndefined();
    expect(learnFirstSeen(state, observationOf(call(30 / RESOLUTION + 0.01))!)).toBeDefined();
  });

  it('keeps short values as written and hashes long ones (user agents)', () => {
    const obs = observationOf(call(0, { userAgent: 'x'.repeat(65), awsRegion: 'eu-west-1' }))!;
    expect(obs.values.awsRegion).toBe('eu-west-1');
    expect(obs.values.userAgent).toMatch(/^#[0-9a-f]{20}$/);
    expect(observationOf(call(0, { userAgent: '#abc' }))!.values.userAgent).toMatch(/^#[0-9a-f]{20}$/);
  });

  it('keeps at most MAX_VALUES values per attribute, forgetting the least recently seen', () => {
    let state: FirstSeenState | undefined;
    for (let i = 0; i < MAX_VALUES + 50; i++) {
      const obs = observationOf(call(i / 1000, { sourceIPAddress: `10.0.${Math.floor(i / 250)}.${i % 250}` }))!;
      state = learnFirstSeen(state, obs)?.value ?? state;
    }
    expect(Object.keys(state!.values.sourceIPAddress)).toHaveLength(MAX_VALUES);
    expect(firstSeenFact(state, observationOf(call(1, { sourceIPAddress: '10.0.0.0' }))!).sourceIPAddress).toBe(true);
    expect(firstSeenFact(state, observationOf(call(1, { sourceIPAddress: `10.0.0.${249}` }))!).sourceIPAddress).toBe(false);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(60_000);
  });
});

const NEW_IP_WRITE = {
  all: [
    { fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' },
    { fact: 'eventName', operator: 'equal', value: 'DeleteCollection' },
    { fact: 'firstSeen', path: '$.principal', operator: 'equal', value: false },
    { fact: 'firstSeen', path: '$.sourceIPAddress', operator: 'equal', value: true },
  ],
};

/** Counts the store's reads. */
class CountingStore extends MemoryStateStore {
  reads = 0;
  override async get<T>(key: string) {
    this.reads++;
    return super.get<T>(key);
  }
}

describe('firstSeen in conditions', () => {
  const evaluator = new Evaluator(pack([ruleFile(rule('new-ip-write', NEW_IP_WRITE))]), { copies: 'each' });

  it('learns from records no rule matches, and reaches conditions as a precomputed fact', async () => {
    const store = new CountingStore(() => T0);
    const precompute = async (r: Record<string, unknown>) => ({ firstSeen: await firstSeenFor(store, r) });
    const alerts = async (r: Record<string, unknown>) => {
      const e = await evaluateValue(r, evaluator, precompute);
      return e.status === 'inScope' ? e.alerts.map((a) => a.ruleId) : [];
    };
    expect(await alerts(call(0, { eventName: 'DetectFaces' }))).toEqual([]); // learns alice and her address
    expect(await alerts(call(1, { eventName: 'DeleteCollection' }))).toEqual([]); // known address
    expect(await alerts(call(2, { eventName: 'DeleteCollection', sourceIPAddress: '203.0.113.9' }))).toEqual(['new-ip-write']);
    expect(await alerts(call(3, { eventName: 'DeleteCollection', userIdentity: bob, sourceIPAddress: '203.0.113.10' }))).toEqual([]); // bob is new
    expect(await alerts(call(3, { eventSource: 's3.amazonaws.com' }))).toEqual([]);
    expect(store.reads).toBe(4); // one read per in-scope record, none for the out-of-scope one
    expect(evaluator.usesFirstSeen).toBe(true);
  });

  it('without the precomputed fact the condition is false (and the pre-check agrees with the engine)', async () => {
    const e = await evaluator.evaluate(call(2, { eventName: 'DeleteCollection' }));
    expect(e.alerts).toEqual([]);
    const noPrecheck = new Evaluator(pack([ruleFile(rule('new-ip-write', NEW_IP_WRITE))]), { precheck: false });
    const facts = { firstSeen: { principal: false, sourceIPAddress: true, userAgent: false, awsRegion: false, eventName: false } };
    const withFact = await evaluator.evaluateRecord(call(2, { eventName: 'DeleteCollection' }), undefined, facts);
    const engineOnly = await noPrecheck.evaluateRecord(call(2, { eventName: 'DeleteCollection' }), undefined, facts);
    expect(withFact.alerts.map((a) => a.ruleId)).toEqual(['new-ip-write']);
    expect(engineOnly.alerts.map((a) => a.ruleId)).toEqual(['new-ip-write']);
  });

  it('a pack without firstSeen never asks for it: no state is read', async () => {
    const plain = new Evaluator(pack([ruleFile(rule('del', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] }))]));
    expect(plain.usesFirstSeen).toBe(false);
    const store: DetectionStateStore = { get: () => Promise.reject(new Error('read')), put: () => Promise.reject(new Error('write')) };
    const e = await evaluateValue(call(0, { eventName: 'DeleteCollection' }), plain, async (r) => ({ firstSeen: await firstSeenFor(store, r) }));
    expect(e.status === 'inScope' && e.alerts.map((a) => a.ruleId)).toEqual(['del']);
  });
});
