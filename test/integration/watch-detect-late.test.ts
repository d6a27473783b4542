/**
 * `rekwatch watch`'s detect stage (functions/cli/watch-detect.ts) on the local dynalite store: a
 * record later than the lateness bound has late selections, as replay counts them — named, counted,
 * and never applied to a window — while the same selections in time apply and fire.
 */
import { join } from 'node:path';
import { WatchDetect } from '../../functions/cli/watch-detect';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { Evaluator } from '../../functions/core/match/evaluator';
import type { Selection } from '../../functions/core/detect/selection';
import type { StateFailure } from '../../functions/adapters/detection-state/stateful-step';
import { record } from '../helpers/records';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

const ROOT = join(__dirname, '..', '..');
const pack = loadRulesDir(join(ROOT, 'rules')).pack!;
const evaluator = new Evaluator(pack);
const rule = pack.rules.find((r) => r.id === 'liveness-session-burst')!;
const guest = (rule.tests![0] as { event: Record<string, unknown> }).event;

/** 20 liveness sessions of one guest identity, a second apart: the rule's count within its window. */
async function burst(prefix: string): Promise<Selection[]> {
  const out: Selection[] = [];
  for (let i = 0; i < 20; i++) {
    const e = await evaluator.evaluateRecord(record({ ...guest, eventID: `${prefix}-${i}`, eventTime: new Date(Date.parse('2026-11-20T10:00:00Z') + i * 1000).toISOString().replace('.000Z', 'Z') }));
    out.push(...(e.status === 'evaluated' ? (e.selections ?? []) : []));
  }
  return out;
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo.close());

it('does not apply the selections of a record later than the bound, and names them as replay does', async () => {
  const selections = await burst('late');
  expect(selections).toHaveLength(20);
  const late = new WatchDetect(evaluator, pack.rules, dynamo.client, dynamo.tableName);
  const failures: StateFailure[] = [];
  const notes: string[] = [];
  for (const s of selections) notes.push(...(await late.selections([s], failures, true)).notes);
  const flushed = await late.flushSelections(failures);
  expect(flushed.alerts).toEqual([]);
  expect(late.counts.late).toBe(20);
  expect(notes[0]).toBe('liveness-session-burst: event late-0 at 2026-11-20T10:00:00Z: later than the 15m bound; not counted in its window');
  expect(failures).toEqual([]);

  // The same burst in time fires once.
  const inTime = new WatchDetect(evaluator, pack.rules, dynamo.client, dynamo.tableName);
  const alerts = [];
  for (const s of await burst('on-time')) alerts.push(...(await inTime.selections([s], failures)).alerts);
  alerts.push(...(await inTime.flushSelections(failures)).alerts);
  expect(alerts.map((a) => a.ruleId)).toEqual(['liveness-session-burst']);
});
