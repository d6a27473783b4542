/**
 * The per-record pipeline (`processRecord`) with the parts each runtime gives it: replay's duplicate
 * window and suppressor, or none (every delivery evaluated, every alert delivered), and what the
 * backtest tally makes of the outcomes (counts, samples, alerts held back per mute).
 */
import { DuplicateWindow } from '../../functions/core/input/duplicate-window';
import { Evaluator } from '../../functions/core/match/evaluator';
import type { Mute } from '../../functions/core/suppress/mute';
import { processRecord } from '../../functions/core/pipeline/record-pipeline';
import { heldBackNote } from '../../functions/core/report/replay-report';
import { ReplayTally } from '../../functions/core/report/replay-tally';
import { Suppressor } from '../../functions/core/suppress/suppression';
import type { RuleDefinition } from '../../functions/core/common/types';
import { envelope, record } from '../helpers/records';

const rule = (id: string, conditions: RuleDefinition['conditions']): RuleDefinition => ({
  id, name: id, description: id, severity: 'high', enabled: true, tags: [], references: [], tests: [], file: `rules/${id}.json`, conditions,
});
const deletes = rule('deletes', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] });
const boom = rule('boom', { all: [{ fact: 'sourceIPAddress', operator: 'ipInCidr', value: { fact: 'userAgent' } }] });
const evaluator = new Evaluator({ rules: [deletes, boom], lists: {} });
const del = (id: string) => record({ eventName: 'DeleteCollection', eventID: id, sourceIPAddress: '203.0.113.5', userAgent: '203.0.113.0/24' });

describe('processRecord', () => {
  it('classifies, evaluates and delivers with no duplicate window and no suppression (watch, the Lambda)', async () => {
    expect(await processRecord(42, { evaluator })).toEqual({ status: 'malformed', reason: 'expected a JSON object, got a number' });
    expect(await processRecord(record({ eventSource: 's3.amazonaws.com' }), { evaluator })).toMatchObject({ status: 'outOfScope' });
    for (let i = 0; i < 2; i++) {
      const out = await processRecord(envelope(del('p1')), { evaluator });
      expect(out).toMatchObject({ status: 'evaluated', errors: [] });
      if (out.status !== 'evaluated') throw new Error(out.status);
      expect(out.alerts.map((a) => [a.matched.id, a.verdict.deliver])).toEqual([['deletes:p1', true], ['boom:p1', true]]);
    }
    const error = await processRecord(record({ eventID: 'p2', userAgent: 'aws-cli/2' }), { evaluator });
    expect(error).toMatchObject({ status: 'evaluated', alerts: [], errors: [{ ruleId: 'boom', message: 'ipInCidr: value "aws-cli/2" is not a CIDR' }] });
  });

  it('drops a delivery seen before and holds alerts back by the suppressor\'s verdict (replay)', async () => {
    const mute: Mute = { id: 'm-1', ruleId: 'boom', scope: {}, createdAt: '2026-01-01T00:00:00Z', expiresAt: '2999-01-01T00:00:00Z', createdBy: 't', reason: 'r' };
    const suppressor = new Suppressor({ rules: [deletes, boom], mutes: async () => [mute] });
    const deps = { evaluator, duplicates: new DuplicateWindow(), decide: (a: Parameters<Suppressor['decide']>[0]) => suppressor.decide(a) };
    const tally = new ReplayTally();
    const outcomes = [];
    for (const v of [del('q1'), del('q1'), del('q2'), record({ eventID: 'q3', userAgent: 'x' }), 'junk']) outcomes.push(await processRecord(v, deps));
    expect(outcomes.map((o) => o.status)).toEqual(['evaluated', 'duplicate', 'evaluated', 'evaluated', 'malformed']);
    const delivered = outcomes.flatMap((o, i) => tally.record(o, 'f.json', `line ${i + 1}`).deliver.map((a) => a.id));
    expect(delivered).toEqual(['deletes:q1', 'deletes:q2']);
    expect(tally.stats.summary()).toMatchObject({ records: 5, evaluated: 3, duplicates: 1, malformed: 1, alerts: 4, ruleErrors: 1, suppressed: { mute: 2, dedupe: 0 } });
    expect(tally.ruleErrorSamples).toEqual(['boom on event q3 (f.json: line 4): ipInCidr: value "x" is not a CIDR']);
    expect(tally.malformedSamples).toEqual(['f.json: line 5: expected a JSON object, got a string']);
    expect(heldBackNote(tally.stats.suppressed, tally.byMute)).toBe('rekwatch: 2 alerts held back by 1 live mute (m-1); --no-mutes to see them');
  });
});
