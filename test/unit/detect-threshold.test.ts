/**
 * The threshold window reducer (functions/core/detect/threshold.ts), its selections
 * (selection.ts) and the detect stage over the in-memory store (stage.ts): window boundaries,
 * counts and distinct counts, duplicates, lateness, pruning, the cap, stable alert ids and keys.
 */
import { detectSelection, DetectStage, thresholdStateKey } from '../../functions/core/detect/stage';
import { MemoryStateStore, type DetectionStateStore } from '../../functions/core/detect/state-store';
import { thresholdKey, type Selection } from '../../functions/core/detect/selection';
import { MAX_ENTRIES, stepThreshold, thresholdAlertId, windowsOf, type ThresholdParams, type ThresholdState } from '../../functions/core/detect/threshold';
import { Evaluator } from '../../functions/core/match/evaluator';
import type { Alert, RuleDefinition, ThresholdSpec } from '../../functions/core/common/types';
import { pack, rule, ruleFile } from '../helpers/pack';
import { record } from '../helpers/records';

const MIN = 60_000;
const T0 = Date.parse('2026-11-20T09:00:00Z');
const P: ThresholdParams = { count: 3, windowMs: 5 * MIN, distinct: false, latenessMs: 15 * MIN };
const idOf = (start: number) => `r:${start}`;

/** Applies events in order; returns the fired windows (start offsets in minutes) and the final state. */
function run(events: Array<{ id: string; t: number; d?: string }>, p = P) {
  let state: ThresholdState | undefined;
  const fired: number[] = [];
  const outcomes: string[] = [];
  for (const e of events) {
    const step = stepThreshold(state, e, p, idOf);
    outcomes.push(step.outcome);
    if (step.outcome === 'applied') {
      state = step.state;
      for (const f of step.fired) fired.push((f.windowStart - T0) / MIN);
    }
  }
  return { fired, state, outcomes };
}
const at = (minutes: number, id = `e${minutes}`, d?: string) => ({ id, t: T0 + minutes * MIN, ...(d === undefined ? {} : { d }) });

describe('threshold windows', () => {
  it('fires once when the count is reached inside the window, on the event that reached it', () => {
    const { fired, state } = run([at(0), at(1), at(2), at(3), at(4)]);
    expect(fired).toEqual([0]);
    expect(state?.fired[String(T0)]).toEqual({ end: T0 + 5 * MIN, alertId: idOf(T0), reached: 3, total: 5 });
  });

  it('an event exactly at the window end opens the next window', () => {
    // [0, 5) holds 0 and 4.99; 5 opens [5, 10).
    const { fired } = run([at(0), at(4.99), at(5), at(6), at(9.99)]);
    expect(fired).toEqual([5]);
    expect(run([at(0), at(4), at(4.999)]).fired).toEqual([0]);
    expect(run([at(0), at(4), at(5)]).fired).toEqual([]);
  });

  it('after a window closes the next selected event opens a new one, which can fire again', () => {
    expect(run([at(0), at(1), at(2), at(7), at(8), at(9)]).fired).toEqual([0, 7]);
  });

  it('a duplicate (same id) counts once and writes nothing', () => {
    const r = run([at(0, 'a'), at(1, 'b'), at(1, 'b'), at(0, 'a')]);
    expect(r.fired).toEqual([]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'duplicate', 'duplicate']);
  });

  it('counts distinct values with distinct (repeats of a value do not count)', () => {
    const p = { ...P, distinct: true };
    expect(run([at(0, 'a', 'x'), at(1, 'b', 'x'), at(2, 'c', 'y'), at(3, 'd', 'y')], p).fired).toEqual([]);
    const r = run([at(0, 'a', 'x'), at(1, 'b', 'x'), at(2, 'c', 'y'), at(3, 'd', 'z')], p);
    expect(r.fired).toEqual([0]);
  });

  it('an event older than newest - lateness is late and not applied', () => {
    const r = run([at(0), at(20), at(4), at(5.5)]);
    expect(r.outcomes).toEqual(['applied', 'applied', 'late', 'applied']);
  });

  it('out of order within the bound gives the windows of the sorted order', () => {
    expect(run([at(2), at(0), at(1)]).fired).toEqual([0]);
    expect(run([at(9), at(6), at(0), at(8), at(1)]).fired).toEqual([6]);
  });

  it('a fired window is an anchor: an earlier arrival cannot re-cut it or fire it twice', () => {
    // 3, 4, 5 fire [3, 8); then 0, 1, 2 arrive (sorted, the windows would have been [0, 5) and [5, 10)).
    // They form a window cut short at the anchor, [0, 3): in time order those events would have
    // opened the window the burst alerted in, so it does not alert again (sorted order: one alert
    // too); [3, 8) never fires again.
    const r = run([at(3), at(4), at(5), at(0), at(1), at(2), at(4.5)]);
    expect(r.fired).toEqual([3]);
    expect(run([at(0), at(1), at(2), at(3), at(4), at(4.5), at(5)]).fired).toEqual([0]);
    expect(windowsOf(r.state!, P.windowMs).map((w) => [(w.start - T0) / MIN, (w.end - T0) / MIN, w.members.length])).toEqual([[0, 3, 3], [3, 8, 4]]);
    // Without the anchors' cut, an arrival before a fired window would move it and fire it again.
    expect(run([at(3), at(4), at(5), at(1), at(2)]).fired).toEqual([3]);
  });

  it('prunes windows no event can reach any more, and expires the state after the last window', () => {
    const r = run([at(0), at(1), at(2), at(30)]);
    expect(r.state!.entries.map((e) => (e[1] - T0) / MIN)).toEqual([30]);
    expect(r.state!.fired).toEqual({});
    const step = stepThreshold(r.state, at(31), P, idOf);
    expect(step.outcome === 'applied' && step.expiresAt).toBe(T0 + 35 * MIN + 15 * MIN);
  });

  it('stays within MAX_ENTRIES under a burst, firing once and counting the rest of the window', () => {
    const p = { ...P, count: 5, windowMs: 60 * MIN };
    let state: ThresholdState | undefined;
    let fired = 0;
    let total = 0;
    for (let i = 0; i < MAX_ENTRIES * 2; i++) {
      const step = stepThreshold(state, { id: `b${i}`, t: T0 + i * 100 }, p, idOf);
      if (step.outcome !== 'applied') throw new Error(step.outcome);
      state = step.state;
      fired += step.fired.length;
      if (step.counted) total = step.counted.total;
    }
    expect(fired).toBe(1);
    expect(state!.entries.length).toBeLessThanOrEqual(MAX_ENTRIES);
    expect(total).toBe(MAX_ENTRIES * 2);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(350_000);
  });

  it('keeps distinct windows exact under the cap: repeats of a value are what is dropped', () => {
    const p = { ...P, count: 4, distinct: true, windowMs: 60 * MIN };
    let state: ThresholdState | undefined;
    const fired: number[] = [];
    for (let i = 0; i < MAX_ENTRIES + 500; i++) {
      const step = stepThreshold(state, { id: `b${i}`, t: T0 + i * 100, d: i < MAX_ENTRIES + 497 ? 'same' : `v${i}` }, p, idOf);
      if (step.outcome !== 'applied') throw new Error(step.outcome);
      state = step.state;
      if (step.fired.length) fired.push(i);
    }
    expect(fired).toEqual([MAX_ENTRIES + 499]);
    expect(state!.entries.length).toBeLessThanOrEqual(MAX_ENTRIES);
  });

  it('names a window by a stable hash of rule, key and start', () => {
    expect(thresholdAlertId('r', 'k', T0)).toBe(thresholdAlertId('r', 'k', T0));
    expect(new Set([thresholdAlertId('r', 'k', T0), thresholdAlertId('r', 'k', T0 + 1), thresholdAlertId('r', 'k2', T0), thresholdAlertId('r2', 'k', T0)]).size).toBe(4);
    expect(thresholdAlertId('bulk', 'k', T0)).toMatch(/^bulk:w[0-9a-f]{32}$/);
  });
});

describe('threshold keys', () => {
  it('are stable, and different value lists never share one (no separator collisions)', () => {
    const by = ['principalArn', 'sourceIPAddress'];
    expect(thresholdKey(by, ['a', 'b'])).toBe(thresholdKey(by, ['a', 'b']));
    const keys = [
      thresholdKey(by, ['a|b', 'c']), thresholdKey(by, ['a', 'b|c']), thresholdKey(by, ['a', undefined]), thresholdKey(by, ['a', 'null']),
      thresholdKey(by, ['a', '']), thresholdKey(['sourceIPAddress', 'principalArn'], ['a', 'b']), thresholdKey(by, ['a', 'b']), thresholdKey(['principalArn'], ['a']),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(thresholdKey(by, ['a', undefined])).toBe(thresholdKey(by, ['a', null]));
  });
});

const SEARCH = { all: [{ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' }, { fact: 'eventName', operator: 'equal', value: 'SearchFaces' }] };
const search = (i: number, over: Record<string, unknown> = {}) =>
  record({ eventName: 'SearchFaces', eventID: `s-${i}`, eventTime: new Date(T0 + i * 10_000).toISOString(), requestParameters: { collectionId: `c${i % 3}` }, ...over });

function thresholdPack(threshold: Record<string, unknown>) {
  const p = pack([ruleFile(rule('bulk', SEARCH, { threshold }))]);
  return { evaluator: new Evaluator(p, { copies: 'each' }), rule: p.rules[0] as RuleDefinition & { threshold: ThresholdSpec } };
}

async function selectionsOf(evaluator: Evaluator, records: Record<string, unknown>[]): Promise<Selection[]> {
  const out: Selection[] = [];
  for (const r of records) out.push(...((await evaluator.evaluate(r)).selections ?? []));
  return out;
}

describe('selections and the detect stage', () => {
  it('a threshold rule selects instead of alerting, keyed by its by facts, and the stage fires on the count', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 3, window: '5m', by: ['principalArn'] });
    const first = await evaluator.evaluate(search(0));
    expect(first.alerts).toEqual([]);
    expect(first.selections).toHaveLength(1);
    expect(first.selections![0]).toMatchObject({ ruleId: 'bulk', keyValues: { principalArn: expect.stringContaining('arn:aws:') }, eventTime: T0 });
    const store = new MemoryStateStore(() => T0);
    const alerts: Alert[] = [];
    for (const s of await selectionsOf(evaluator, [0, 1, 2, 3].map((i) => search(i)))) alerts.push(...(await detectSelection(store, s, r.threshold)).alerts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      ruleId: 'bulk', eventId: 's-2',
      threshold: { count: 3, window: '5m', windowStart: new Date(T0).toISOString(), reached: 3, key: first.selections![0]!.keyValues },
    });
    expect(alerts[0]!.id).toBe(thresholdAlertId('bulk', first.selections![0]!.key, T0));
    expect(store.size).toBe(1);
    expect(await store.get(thresholdStateKey('bulk', first.selections![0]!.key))).toBeDefined();
  });

  it('two principals have their own windows', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 2, window: '5m', by: ['principalArn'] });
    const other = { userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/other', accountId: '111122223333' } };
    const sels = await selectionsOf(evaluator, [search(0), search(1, other), search(2, other), search(3)]);
    const store = new MemoryStateStore(() => T0);
    const fired: string[] = [];
    for (const s of sels) for (const a of (await detectSelection(store, s, r.threshold)).alerts) fired.push(a.eventId);
    expect(fired).toEqual(['s-2', 's-3']);
  });

  it('a retried or duplicated event counts once; copies of one call count once', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 2, window: '5m', by: ['principalArn'] });
    const store = new MemoryStateStore(() => T0);
    const [a] = await selectionsOf(evaluator, [search(0)]);
    expect((await detectSelection(store, a!, r.threshold)).outcome).toBe('applied');
    expect((await detectSelection(store, a!, r.threshold)).outcome).toBe('duplicate');
    const [copy] = await selectionsOf(evaluator, [search(1, { eventID: 'copy-2', sharedEventID: 'call-0' })]);
    const [copy2] = await selectionsOf(evaluator, [search(1, { eventID: 'copy-3', sharedEventID: 'call-0', recipientAccountId: '444455556666' })]);
    expect((await detectSelection(store, copy!, r.threshold)).alerts).toHaveLength(1);
    expect((await detectSelection(store, copy2!, r.threshold)).outcome).toBe('duplicate');
  });

  it('distinct counts a fact at a path; records without the value are not selected', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 3, window: '1h', by: ['principalArn'], distinct: { fact: 'requestParameters', path: '$.collectionId' } });
    expect(await selectionsOf(evaluator, [search(0, { requestParameters: {} }), search(1, { requestParameters: null })])).toEqual([]);
    const store = new MemoryStateStore(() => T0);
    const fired: string[] = [];
    // collections c0 c1 c2 c0 c1 c2: the third distinct value is event 2.
    for (const s of await selectionsOf(evaluator, [0, 1, 2, 3, 4, 5].map((i) => search(i)))) for (const a of (await detectSelection(store, s, r.threshold)).alerts) fired.push(a.eventId);
    expect(fired).toEqual(['s-2']);
  });

  it('the stage holds an alert until its window closes and then says the final count; late selections are named', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 2, window: '5m', by: ['principalArn'] });
    let now = 0;
    const stage = new DetectStage(new MemoryStateStore(() => now), [r], { latenessMs: MIN, holdUntilClosed: true });
    const out: Alert[] = [];
    const late: string[] = [];
    for (const rec of [search(0), search(1), search(2), search(60), search(3), search(61)]) {
      const o = await stage.push(await selectionsOf(evaluator, [rec]));
      now = stage.watermark;
      out.push(...o.alerts);
      late.push(...o.late.map((l) => l.eventId));
    }
    expect(late).toEqual(['s-3']);
    expect(out.map((a) => [a.eventId, a.threshold?.final])).toEqual([['s-1', 3]]);
    const end = await stage.flush();
    expect(end.alerts.map((a) => [a.eventId, a.threshold?.final])).toEqual([['s-61', 2]]);
    expect(stage.counts).toEqual({ applied: 5, duplicate: 0, late: 1 });
  });

  it('runs without a promise only over a store that answers at once', async () => {
    const { evaluator, rule: r } = thresholdPack({ count: 2, window: '5m', by: ['principalArn'] });
    const slow: DetectionStateStore = { get: async () => undefined, put: async () => true };
    const stage = new DetectStage(slow, [r], { latenessMs: MIN });
    expect(() => stage.pushNow([])).toThrow(/store that answers at once/);
    const now = new DetectStage(new MemoryStateStore(() => 0), [r], { latenessMs: MIN });
    const [a, b] = [await selectionsOf(evaluator, [search(0)]), await selectionsOf(evaluator, [search(1)])];
    expect(now.pushNow(a)).toEqual({ alerts: [], late: [] });
    now.pushNow(b);
    expect(now.flushNow().alerts.map((x) => x.eventId)).toEqual(['s-1']);
  });
});
