/**
 * Order independence of stateful detection (issue 13), by property: for any set of selected events
 * (with duplicate deliveries), any arrival order in which no event is more than the lateness bound
 * behind the newest one seen gives exactly the alerts of a reference model of the window semantics
 * (greedy windows over the distinct events in time order; a window alerts on the event that
 * reaches the count and reports its final count). Events beyond the bound are counted as late,
 * and the rest behave as if the late ones had never arrived.
 */
import fc from 'fast-check';
import { DetectStage } from '../../functions/core/detect/stage';
import { MemoryStateStore } from '../../functions/core/detect/state-store';
import type { Selection } from '../../functions/core/detect/selection';
import type { Alert, RuleDefinition } from '../../functions/core/common/types';

const MIN = 60_000;
const LATENESS = 10 * MIN;

interface Ev {
  id: string;
  t: number;
  d: string;
}

const spec = (count: number, windowMin: number, distinct: boolean) => ({
  count, window: `${windowMin}m`, windowMs: windowMin * MIN, by: [] as never[], ...(distinct ? { distinct: { fact: 'requestParameters', path: '$.collectionId' } } : {}),
});

function ruleWith(s: ReturnType<typeof spec>): RuleDefinition {
  return { id: 'r', name: 'r', description: '', severity: 'high', enabled: true, tags: [], references: [], conditions: { all: [] }, tests: [], file: 'r.json', threshold: s };
}

function selection(e: Ev, distinct: boolean): Selection {
  const alert = { id: `r:${e.id}`, ruleId: 'r', eventId: e.id, eventTime: new Date(e.t).toISOString() } as Alert;
  return { ruleId: 'r', key: 'k', keyValues: {}, eventTime: e.t, id: e.id, ...(distinct ? { distinct: e.d } : {}), alert };
}

/** The window semantics, written directly: [windowStart, event that reached the count, final count]. */
function reference(events: readonly Ev[], count: number, windowMs: number, distinct: boolean): Array<[number, string, number]> {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: Array<[number, string, number]> = [];
  let i = 0;
  while (i < unique.length) {
    const start = (unique[i] as Ev).t;
    const members: Ev[] = [];
    while (i < unique.length && (unique[i] as Ev).t < start + windowMs) members.push(unique[i++] as Ev);
    const seen = new Set<string>();
    let reachedBy: string | undefined;
    members.forEach((m, k) => {
      seen.add(m.d);
      const n = distinct ? seen.size : k + 1;
      if (n >= count && reachedBy === undefined) reachedBy = m.id;
    });
    if (reachedBy !== undefined) out.push([start, reachedBy, distinct ? seen.size : members.length]);
  }
  return out;
}

/** The detect stage over the in-memory store, through `push` (a promise a selection) or `pushNow` (none, as replay runs it). */
async function detect(arrivals: readonly Ev[], s: ReturnType<typeof spec>, distinct: boolean, immediate = false) {
  let now = 0;
  const stage = new DetectStage(new MemoryStateStore(() => now), [ruleWith(s)], { latenessMs: LATENESS, holdUntilClosed: true });
  const alerts: Alert[] = [];
  const late: string[] = [];
  for (const e of arrivals) {
    const out = immediate ? stage.pushNow([selection(e, distinct)]) : await stage.push([selection(e, distinct)]);
    now = Math.max(now, stage.watermark);
    alerts.push(...out.alerts);
    late.push(...out.late.map((l) => l.eventId));
  }
  alerts.push(...(immediate ? stage.flushNow() : await stage.flush()).alerts);
  const got = alerts.map((a) => [Date.parse(a.threshold!.windowStart), a.eventId, a.threshold!.final] as [number, string, number]).sort((a, b) => a[0] - b[0]);
  return { got, late, ids: alerts.map((a) => a.id) };
}

/** Distinct events over two hours, each delivered once or twice, with a delay within the bound each. */
const scenario = fc
  .record({
    count: fc.integer({ min: 2, max: 6 }),
    windowMin: fc.integer({ min: 1, max: 30 }),
    distinct: fc.boolean(),
    events: fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-f0-9]{6}$/), t: fc.integer({ min: 0, max: 120 }).map((m) => m * 30_000), d: fc.constantFrom('c0', 'c1', 'c2', 'c3', 'c4') }), { selector: (e) => e.id, maxLength: 60 }),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      // Each delivery arrives at t + delay; sorting by that keeps every arrival within the bound.
      deliveries: fc.array(fc.tuple(fc.nat({ max: Math.max(0, s.events.length - 1) }), fc.integer({ min: 0, max: LATENESS })), { minLength: s.events.length, maxLength: s.events.length * 2 }),
      delays: fc.array(fc.integer({ min: 0, max: LATENESS }), { minLength: s.events.length, maxLength: s.events.length }),
    }),
  );

describe('threshold detection is order independent within the lateness bound', () => {
  it('any arrival within the bound, with duplicates, gives the reference model\'s alerts', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ s, deliveries, delays }) => {
        if (s.events.length === 0) return;
        const arrivals = [
          ...s.events.map((e, i) => ({ e, at: e.t + (delays[i] as number) })),
          ...deliveries.map(([i, delay]) => ({ e: s.events[i] as Ev, at: (s.events[i] as Ev).t + delay })),
        ]
          .sort((a, b) => a.at - b.at)
          .map((x) => x.e);
        const sp = spec(s.count, s.windowMin, s.distinct);
        const shuffled = await detect(arrivals, sp, s.distinct);
        const sorted = await detect([...s.events].sort((a, b) => a.t - b.t), sp, s.distinct);
        // Replay's immediate path gives exactly what the promise path gives, late notes and ids included.
        expect(await detect(arrivals, sp, s.distinct, true)).toEqual(shuffled);
        expect(shuffled.late).toEqual([]);
        expect(shuffled.got).toEqual(reference(s.events, s.count, sp.windowMs, s.distinct));
        expect(shuffled.got).toEqual(sorted.got);
        expect(shuffled.ids).toEqual(sorted.ids);
        expect(new Set(shuffled.ids).size).toBe(shuffled.ids.length);
      }),
      { numRuns: 150 },
    );
  });

  it('an event beyond the bound is counted as late and changes nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 1, max: 60 }), async ({ s }, extraMin) => {
        if (s.events.length === 0) return;
        const sorted = [...s.events].sort((a, b) => a.t - b.t);
        const newest = (sorted[sorted.length - 1] as Ev).t;
        const straggler: Ev = { id: 'late01', t: newest - LATENESS - extraMin * 1000, d: 'c9' };
        const sp = spec(s.count, s.windowMin, s.distinct);
        const withLate = await detect([...sorted, straggler], sp, s.distinct);
        const without = await detect(sorted, sp, s.distinct);
        expect(await detect([...sorted, straggler], sp, s.distinct, true)).toEqual(withLate);
        expect(withLate.late).toEqual(['late01']);
        expect(withLate.got).toEqual(without.got);
      }),
      { numRuns: 100 },
    );
  });
});
