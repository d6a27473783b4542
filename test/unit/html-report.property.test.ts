/**
 * The HTML reports never throw and stay safe for any strings in any field an event controls
 * (full Unicode, lone surrogates, controls, markup), any verdict, and any number of alerts.
 */
import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert/alert';
import { ReportDetail } from '../../functions/core/report/html/detail';
import { renderDiffHtml } from '../../functions/core/report/html/diff-html';
import { renderReplayHtml } from '../../functions/core/report/html/replay-html';
import { ReplayTally } from '../../functions/core/report/replay-tally';
import type { ChangedAlert } from '../../functions/core/report/alert-diff';
import type { Alert } from '../../functions/core/common/types';
import { BASE_TEST_RECORD } from '../../functions/core/testing/base-record';
import { expectSafePage } from '../helpers/html-report';
import { HOSTILE_RULE } from './format/fixtures';

const RULE = { ...HOSTILE_RULE, id: 'rule-a', severity: 'high' as const };
const BASE = buildAlert(RULE, structuredClone(BASE_TEST_RECORD));
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '\u202Eexe.txt', 'a\u0000b\r\nc', '\uD800', 'javascript:alert(1)', '+275760-09-13T00:00:00.000Z', '1970-01-01T00:00:00Z', '-000001-01-01T00:00:00Z'),
);
const fields = fc.record({ principal: hostile, sourceIp: hostile, eventName: hostile, eventId: hostile, eventTime: hostile, account: hostile, region: hostile, title: hostile, id: hostile });
const verdict = fc.oneof(fc.constant({ kind: 'deliver' as const }), hostile.map((muteId) => ({ kind: 'mute' as const, muteId })), fc.constant({ kind: 'dedupe' as const }));

it('replay: any event values and verdicts give a safe page', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fields, verdict), { maxLength: 40 }), hostile, (alerts, path) => {
      const tally = new ReplayTally(new ReportDetail(5));
      for (const [f, v] of alerts) {
        const a: Alert = { ...BASE, ...f };
        const outcome = v.kind === 'deliver' ? { deliver: true as const, alert: a } : v.kind === 'mute' ? { deliver: false as const, reason: 'mute' as const, muteId: v.muteId } : { deliver: false as const, reason: 'dedupe' as const, windowStart: '' };
        tally.record({ status: 'evaluated', errors: [], alerts: [{ matched: a, verdict: outcome }] }, path, path);
      }
      tally.record({ status: 'malformed', reason: path }, path, path);
      const html = renderReplayHtml({
        summary: tally.stats.summary(), stats: tally.stats, detail: tally.detail!, rules: [RULE], byMute: tally.byMute, malformedSamples: tally.malformedSamples,
        ruleErrorSamples: [], unreadable: [path], top: 3, inputs: [path],
      });
      expectSafePage(html);
      expect(html).toContain(`data-summary="alerts"><span class="v">${alerts.length}<`);
    }),
    { numRuns: 150 },
  );
});

it('diff: any changed alerts give a safe page', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fields, fc.boolean(), fc.integer({ min: 1, max: 5 })), { maxLength: 30 }), hostile, (changes, label) => {
      const changed: ChangedAlert[] = changes.map(([f, appeared, count]) => ({ ...f, ruleId: 'rule-a', severity: 'high', change: appeared ? 'appeared' : 'vanished', count }));
      const appeared = changed.filter((c) => c.change === 'appeared').length;
      const html = renderDiffHtml({
        result: { rules: [{ ruleId: 'rule-a', status: 'changed', severity: 'high', base: 0, head: 0, appeared, vanished: changed.length - appeared }], alerts: { base: 0, head: 0, appeared, vanished: changed.length - appeared }, changed, lists: { added: [label], removed: [], changed: [] } },
        base: label, head: label, stats: new ReplayTally().stats, ruleErrors: { base: 0, head: 0 }, examples: 3,
      });
      expectSafePage(html);
    }),
    { numRuns: 150 },
  );
});
