/**
 * Properties of the alert comparison behind `rekwatch diff` (core/report/alert-diff.ts), over
 * generated rule sets and adversarial records (eventIDs drawn from a small pool, so the same id is
 * re-delivered and some records are copies of one cross-account call), through the real record
 * pipeline as the CLI runs it: a rule set compared with itself changes nothing; swapping base and
 * head swaps appeared and vanished; per rule, head - base = appeared - vanished; what appeared and
 * vanished is exactly the multiset difference of the two sides' alert ids, each side evaluated on its
 * own; and the result does not depend on the order rules are listed in.
 */
import fc from 'fast-check';
import { DuplicateWindow } from '../../functions/core/input/duplicate-window';
import { Evaluator } from '../../functions/core/match/evaluator';
import { processRecord, type RecordOutcome } from '../../functions/core/pipeline/record-pipeline';
import { AlertDiff, type ChangedAlert, type DiffResult } from '../../functions/core/report/alert-diff';
import type { Alert, CloudTrailRecord, RulePack } from '../../functions/core/common/types';
import { arbPack, arbRecord } from '../helpers/arbitraries';

const arbRecords: fc.Arbitrary<CloudTrailRecord[]> = fc.array(
  fc.tuple(arbRecord, fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5', 'e6'), fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }), fc.constantFrom('2026-11-20T09:00:00Z', '2026-11-20T09:01:00Z')).map(
    ([r, eventID, sharedEventID, eventTime]) => ({ ...r, eventID, eventTime, ...(sharedEventID ? { sharedEventID } : {}) }),
  ),
  { maxLength: 12 },
);

const alertsOf = (o: RecordOutcome): Alert[] => (o.status === 'evaluated' ? o.alerts.map((a) => a.matched) : []);
const side = (pack: RulePack) => ({ evaluator: new Evaluator(pack), duplicates: new DuplicateWindow() });

/** What `rekwatch diff` does: each record through both sides' pipelines, the alerts into one AlertDiff. */
async function compare(base: RulePack, head: RulePack, records: readonly CloudTrailRecord[]): Promise<DiffResult> {
  const diff = new AlertDiff();
  const [b, h] = [side(base), side(head)];
  for (const r of records) diff.record(alertsOf(await processRecord(r, b)), alertsOf(await processRecord(r, h)));
  return diff.result(base, head);
}

/** One side alone, as `replay --no-mutes --no-dedupe` would count it: alert id -> occurrences. */
async function replayIds(pack: RulePack, records: readonly CloudTrailRecord[]): Promise<Map<string, number>> {
  const s = side(pack);
  const ids = new Map<string, number>();
  for (const r of records) for (const a of alertsOf(await processRecord(r, s))) ids.set(a.id, (ids.get(a.id) ?? 0) + 1);
  return ids;
}

const keyed = (changed: readonly ChangedAlert[], flip = false) =>
  changed.map((c) => `${flip ? (c.change === 'appeared' ? 'vanished' : 'appeared') : c.change} ${c.id} x${c.count}`).sort();

/** Two packs with the same rule ids (r0, r1, ...), so many rules exist on both sides with different conditions. */
const arbTwoPacks = fc.tuple(arbPack, arbPack);

describe('alert diff', () => {
  it('a rule set compared with itself changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(arbPack, arbRecords, async (pack, records) => {
        const r = await compare(pack, pack, records);
        expect(r.changed).toEqual([]);
        expect(r.rules).toEqual([]);
        expect(r.alerts.base).toBe(r.alerts.head);
        expect(r.alerts.appeared + r.alerts.vanished).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('swapping base and head swaps appeared and vanished, and per rule head - base = appeared - vanished', async () => {
    await fc.assert(
      fc.asyncProperty(arbTwoPacks, arbRecords, async ([a, b], records) => {
        const ab = await compare(a, b, records);
        const ba = await compare(b, a, records);
        expect(keyed(ba.changed)).toEqual(keyed(ab.changed, true));
        expect(ba.alerts).toEqual({ base: ab.alerts.head, head: ab.alerts.base, appeared: ab.alerts.vanished, vanished: ab.alerts.appeared });
        for (const row of ab.rules) expect(row.head - row.base).toBe(row.appeared - row.vanished);
        expect(ab.alerts.head - ab.alerts.base).toBe(ab.alerts.appeared - ab.alerts.vanished);
      }),
      { numRuns: 60 },
    );
  });

  it('is exactly the multiset difference of each side replayed alone, whatever order the rules are in', async () => {
    let changes = 0;
    let repeated = 0;
    await fc.assert(
      fc.asyncProperty(arbTwoPacks, arbRecords, async ([a, b], records) => {
        const [base, head] = [await replayIds(a, records), await replayIds(b, records)];
        const expected: string[] = [];
        for (const id of new Set([...base.keys(), ...head.keys()])) {
          const net = (head.get(id) ?? 0) - (base.get(id) ?? 0);
          if (net !== 0) expected.push(`${net > 0 ? 'appeared' : 'vanished'} ${id} x${Math.abs(net)}`);
        }
        const r = await compare(a, b, records);
        expect(keyed(r.changed)).toEqual(expected.sort());
        if (r.changed.length > 0) changes++;
        if ([...base.values(), ...head.values()].some((k) => k > 1)) repeated++;
        const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
        expect(r.alerts).toMatchObject({ base: total(base), head: total(head) });
        const reversed = await compare({ ...a, rules: [...a.rules].reverse() }, { ...b, rules: [...b.rules].reverse() }, records);
        expect(keyed(reversed.changed)).toEqual(keyed(r.changed));
      }),
      // A fixed seed: the vacuity counts below must not depend on the luck of a run (with a random
      // seed they fell short about 1 run in 6); the other properties here explore with random seeds.
      { numRuns: 60, seed: 20261201 },
    );
    // The property is not vacuous: many runs change alerts, and some raise one alert id more than once.
    expect(changes).toBeGreaterThan(15);
    expect(repeated).toBeGreaterThan(3);
  });
});
