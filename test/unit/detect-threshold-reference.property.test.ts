/**
 * The threshold reducer (functions/core/detect/threshold.ts) against its first writing
 * (test/helpers/threshold-reference.ts), step by step on arbitrary arrivals: in and out of time
 * order, late beyond the bound, repeated ids, distinct values, windows cut short by fired ones,
 * pruning, and bursts past MAX_ENTRIES (compaction). Every step must give the same outcome, the same
 * next state, the same fired windows, the same counted window and the same expiry; the previous
 * state must be left as it was (the reducer is pure).
 */
import fc from 'fast-check';
import { MAX_ENTRIES, stepThreshold, type ThresholdParams, type ThresholdState, type ThresholdStep } from '../../functions/core/detect/threshold';
import { referenceStepThreshold } from '../helpers/threshold-reference';

const MIN = 60_000;
const T0 = Date.parse('2026-11-20T09:00:00Z');
const idOf = (start: number) => `r:${start}`;

interface Ev {
  id: string;
  t: number;
  d?: string;
}

/** Runs both reducers over the events; returns how many steps applied, fired and pruned something. */
function compare(events: readonly Ev[], p: ThresholdParams): { applied: number; fired: number; counted: number; late: number } {
  let mine: ThresholdState | undefined;
  let ref: ThresholdState | undefined;
  const seen = { applied: 0, fired: 0, counted: 0, late: 0 };
  for (const [i, e] of events.entries()) {
    const before = mine === undefined ? undefined : JSON.stringify(mine);
    const a: ThresholdStep = stepThreshold(mine, e, p, idOf);
    const b: ThresholdStep = referenceStepThreshold(ref, e, p, idOf);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`step ${i} (${JSON.stringify(e)}) differs:\n  shipped   ${JSON.stringify(a)}\n  reference ${JSON.stringify(b)}`);
    }
    if (before !== undefined) expect(JSON.stringify(mine)).toBe(before);
    if (a.outcome === 'applied') {
      seen.applied++;
      seen.fired += a.fired.length;
      if (a.counted) seen.counted++;
    }
    if (a.outcome === 'late') seen.late++;
    mine = a.state;
    ref = b.state;
  }
  return seen;
}

const params = fc.record({
  count: fc.integer({ min: 1, max: 8 }),
  windowMs: fc.integer({ min: 1, max: 30 }).map((m) => m * MIN),
  distinct: fc.boolean(),
  latenessMs: fc.integer({ min: 0, max: 20 }).map((m) => m * MIN),
});

/** Events over three hours, in any order: a small id pool (duplicates), a small value pool. */
const events = fc.array(
  fc.record({
    id: fc.integer({ min: 0, max: 40 }).map((n) => `e${n}`),
    t: fc.integer({ min: 0, max: 360 }).map((h) => T0 + h * 30_000),
    d: fc.constantFrom('a', 'b', 'c', 'd'),
  }),
  { maxLength: 80 },
);

/** Mostly in time order, with each event displaced by up to `jitter` minutes: what trails look like. */
const nearlyOrdered = fc
  .tuple(fc.integer({ min: 10, max: 120 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 1, max: 1_000_000 }))
  .map(([n, jitter, seed]) => {
    let x = seed;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    return Array.from({ length: n }, (_, i) => ({ id: `n${Math.floor(rand() * n * 1.2)}`, t: T0 + i * 20_000 + Math.round((rand() - 0.5) * jitter * MIN), d: `v${Math.floor(rand() * 5)}` }));
  });

/** `compare` on generated parameters and arrivals; what it saw, summed over the runs. */
function compareAll(arrivals: fc.Arbitrary<Ev[]>, numRuns: number) {
  const totals = { applied: 0, fired: 0, counted: 0, late: 0 };
  fc.assert(
    fc.property(params, arrivals, (p, evs) => {
      const s = compare(evs, p);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += s[k];
    }),
    { numRuns },
  );
  return totals;
}

describe('the threshold reducer gives what its first writing gives', () => {
  it('on arbitrary arrivals (any order, duplicates, late events, distinct values)', () => {
    const totals = compareAll(events, 400);
    // Not vacuous: windows fired, out-of-order events were counted into fired windows, some were late.
    // (Measured over runs: ~115 fired, ~20 counted, ~1,050 late; the bounds sit well below.)
    expect(totals.fired).toBeGreaterThan(50);
    expect(totals.counted).toBeGreaterThan(5);
    expect(totals.late).toBeGreaterThan(300);
  });

  it('on nearly ordered trails (windows fire, get pruned and are cut short by late arrivals)', () => {
    const totals = compareAll(nearlyOrdered, 200);
    // (Measured: ~440 fired, ~3,700 counted into fired windows, ~2,700 late.)
    expect(totals.fired).toBeGreaterThan(200);
    expect(totals.counted).toBeGreaterThan(1500);
    expect(totals.late).toBeGreaterThan(800);
  });

  it('on states no version of the reducer writes, which a store could still hand it', () => {
    // Fired windows that overlap (one inside another), fired windows with no entries before and after
    // a live one, entries out of order, a fired window that ends before it starts.
    const p: ThresholdParams = { count: 3, windowMs: 10 * MIN, distinct: false, latenessMs: 0 };
    const fired = (end: number, alertId: string) => ({ end, alertId, reached: 3, total: 3 });
    const cases: Array<[ThresholdState, Ev, ThresholdParams]> = [
      [{ v: 1, newest: 50 * MIN, entries: [['a', 5 * MIN], ['b', 15 * MIN], ['c', 50 * MIN]], fired: { '0': fired(100 * MIN, 'A'), [String(10 * MIN)]: fired(20 * MIN, 'B') }, overflow: {}, dropped: 0 }, { id: 'd', t: 60 * MIN }, p],
      [{ v: 1, newest: 30 * MIN, entries: [['a', 5 * MIN], ['b', 15 * MIN]], fired: { '0': fired(100 * MIN, 'A'), [String(10 * MIN)]: fired(20 * MIN, 'B') }, overflow: {}, dropped: 0 }, { id: 'd', t: 30 * MIN }, p],
      [{ v: 1, newest: 50 * MIN, entries: [['c', 50 * MIN]], fired: { '0': fired(10 * MIN, 'A'), [String(70 * MIN)]: fired(80 * MIN, 'B') }, overflow: { '0': 4 }, dropped: 0 }, { id: 'd', t: 55 * MIN }, p],
      [{ v: 1, newest: 50 * MIN, entries: [['a', 30 * MIN], ['b', 5 * MIN], ['c', 31 * MIN]], fired: {}, overflow: {}, dropped: 0 }, { id: 'd', t: 32 * MIN }, { ...p, latenessMs: 60 * MIN }],
      [{ v: 1, newest: 50 * MIN, entries: [['a', 30 * MIN]], fired: { [String(40 * MIN)]: fired(35 * MIN, 'A') }, overflow: {}, dropped: 0 }, { id: 'd', t: 51 * MIN }, { ...p, latenessMs: 60 * MIN }],
      // Without `fired` or `overflow` at all (read as empty): a step that prunes, one that fires.
      [{ v: 1, newest: 50 * MIN, entries: [['a', 5 * MIN], ['b', 6 * MIN]], dropped: 0 } as unknown as ThresholdState, { id: 'd', t: 60 * MIN }, p],
      [{ v: 1, newest: 5 * MIN, entries: [['a', 5 * MIN], ['b', 6 * MIN]], fired: { [String(90 * MIN)]: fired(95 * MIN, 'A') }, dropped: 0 } as unknown as ThresholdState, { id: 'd', t: 7 * MIN }, p],
    ];
    for (const [state, e, params] of cases) {
      const copy = (x: ThresholdState) => JSON.parse(JSON.stringify(x)) as ThresholdState;
      expect(JSON.stringify(stepThreshold(copy(state), e, params, idOf))).toBe(JSON.stringify(referenceStepThreshold(copy(state), e, params, idOf)));
    }
  });

  it('on bursts past MAX_ENTRIES (compaction of fired windows and repeated distinct values)', () => {
    for (const distinct of [false, true]) {
      const p: ThresholdParams = { count: distinct ? 30 : 50, windowMs: 60 * MIN, distinct, latenessMs: 15 * MIN };
      const burst = Array.from({ length: MAX_ENTRIES + 300 }, (_, i) => ({ id: `b${i}`, t: T0 + i * 1000 - (i % 7) * 3000, d: `v${i % 40}` }));
      const s = compare(burst, p);
      expect(s.applied).toBe(burst.length);
      expect(s.fired).toBeGreaterThan(0);
    }
  });
});
