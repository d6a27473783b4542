/**
 * The HTML backtest report (core/report/html/), rendered from a real ReplayTally fed record
 * outcomes as replay feeds them: every event-derived value escaped (HTML, quotes, bidi and other
 * invisible characters, megabyte-long values), the page's own small vocabulary only (no script, no
 * resource that could be fetched, a CSP that forbids them), bounded size for a million alerts, the
 * numbers of the `--json` summary, the timelines' buckets, and the diff report's examples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAlert } from '../../functions/core/alert/alert';
import type { AlertOutcome, RecordOutcome } from '../../functions/core/pipeline/record-pipeline';
import { chooseAxis, INTERVALS } from '../../functions/core/report/html/axis';
import { ReportDetail } from '../../functions/core/report/html/detail';
import { renderDiffHtml } from '../../functions/core/report/html/diff-html';
import { short, text } from '../../functions/core/report/html/escape';
import { renderReplayHtml, type ReplayHtmlInput } from '../../functions/core/report/html/replay-html';
import { RESOLUTIONS, TimeCounts } from '../../functions/core/report/html/time-counts';
import { ReplayTally } from '../../functions/core/report/replay-tally';
import type { ChangedAlert, DiffResult } from '../../functions/core/report/alert-diff';
import type { Alert, RuleDefinition } from '../../functions/core/common/types';
import { BASE_TEST_RECORD } from '../../functions/core/testing/base-record';
import { expectSafePage } from '../helpers/html-report';
import { PREVIEWS_DIR, REPORT_PREVIEW_SIZE } from '../../scripts/render-previews';
import { HOSTILE_PRINCIPAL, HOSTILE_RULE, hostileAlert, oversizedAlert } from './format/fixtures';

const RULE_A: RuleDefinition = { ...HOSTILE_RULE, id: 'rule-a', name: 'Rule A', severity: 'high', description: 'a' };
const RULE_B: RuleDefinition = { ...HOSTILE_RULE, id: 'rule-b', name: 'Rule B', severity: 'medium', description: 'b' };
const QUIET: RuleDefinition = { ...HOSTILE_RULE, id: 'quiet-rule', name: 'Quiet', severity: 'low', description: 'q' };

function alertOf(rule: RuleDefinition, over: Partial<Alert> = {}): Alert {
  return { ...buildAlert(rule, structuredClone(BASE_TEST_RECORD)), ...over };
}

const delivered = (a: Alert): AlertOutcome => ({ matched: a, verdict: { deliver: true, alert: a } });
const muted = (a: Alert, muteId: string): AlertOutcome => ({ matched: a, verdict: { deliver: false, reason: 'mute', muteId } });
const deduped = (a: Alert): AlertOutcome => ({ matched: a, verdict: { deliver: false, reason: 'dedupe', windowStart: a.eventTime } });
const evaluated = (...alerts: AlertOutcome[]): RecordOutcome => ({ status: 'evaluated', errors: [], alerts });

function input(tally: ReplayTally, rules: readonly RuleDefinition[], over: Partial<ReplayHtmlInput> = {}): ReplayHtmlInput {
  return {
    summary: tally.stats.summary(), stats: tally.stats, detail: tally.detail!, rules, byMute: tally.byMute, malformedSamples: tally.malformedSamples,
    ruleErrorSamples: tally.ruleErrorSamples, unreadable: tally.unreadable, top: 5, inputs: ['samples/trail'], ...over,
  };
}

describe('replay report', () => {
  it('escapes hostile event values: markup, quotes, bidi controls, zero-width, newlines', () => {
    const tally = new ReplayTally(new ReportDetail());
    const hostile = { ...hostileAlert(), ruleId: RULE_A.id };
    tally.record(evaluated(delivered(hostile)), 'file-<b>.json', 'record 1');
    tally.record(evaluated(muted({ ...hostile, id: 'x:2' }, 'm-"><script>')), 'f', 'r');
    tally.record({ status: 'malformed', reason: '<img src=x onerror=alert(1)> \u202Egnp.exe' }, 'bad<script>.json', 'line 3');
    const html = renderReplayHtml(input(tally, [RULE_A], { inputs: ['dir/"><script>alert(1)</script>'] }));
    expectSafePage(html);
    expect(HOSTILE_PRINCIPAL).toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('user/&#60;!channel&#62; &#38; &#60;https://evil.example/login|click here&#62;');
    expect(html).toContain('<code>m-&#34;&#62;&#60;script&#62;</code>');
    expect(html).toContain('\\u202e'); // the bidi override is shown as a visible escape
    expect(html).toContain('203.0.113.9\\x0a[CRITICAL]'); // a newline cannot start a line of its own
    expect(html).toContain('bad&#60;script&#62;.json: line 3: &#60;img src=x onerror=alert(1)&#62;');
  });

  it('cuts very long values and says how much was cut', () => {
    const tally = new ReplayTally(new ReportDetail());
    const big = { ...oversizedAlert(), ruleId: RULE_A.id, principal: `arn:aws:iam::1:user/${'p'.repeat(1_000_000)}`, sourceIp: '<'.repeat(100_000) };
    tally.record(evaluated(delivered(big)), 'f', 'r');
    const html = renderReplayHtml(input(tally, [RULE_A]));
    expectSafePage(html);
    expect(html.length).toBeLessThan(60_000);
    expect(html).toMatch(/p{50}… <span class="cut">\(\d{3},\d{3} more characters\)<\/span>/);
    expect(html).toContain('(99,940 more characters)'); // 60 shown of the source IP, each `<` escaped
    expect(text('😀'.repeat(3), 3)).toBe('😀… <span class="cut">(4 more characters)</span>'); // never half a surrogate pair
    expect(short('abcdef', 3)).toBe('abc…');
  });

  it('shows the numbers of the --json summary, per rule too, with what mutes and dedupe held back', () => {
    const tally = new ReplayTally(new ReportDetail());
    for (let i = 0; i < 7; i++) tally.record(evaluated(delivered(alertOf(RULE_A, { id: `a:${i}`, eventTime: `2026-11-20T0${i}:15:00Z` }))), 'f', `r${i}`);
    tally.record(evaluated(muted(alertOf(RULE_A, { id: 'a:m' }), 'm-1')), 'f', 'r');
    tally.record(evaluated(deduped(alertOf(RULE_B, { id: 'b:d' })), delivered(alertOf(RULE_B, { id: 'b:1' }))), 'f', 'r');
    tally.record({ status: 'duplicate' }, 'f', 'r');
    tally.record({ status: 'outOfScope' }, 'f', 'r');
    tally.record(evaluated(), 'f', 'r');
    tally.file();
    const summary = tally.stats.summary();
    const html = renderReplayHtml(input(tally, [QUIET, RULE_B, RULE_A]));
    expectSafePage(html);
    const shown = (key: string) => Number(new RegExp(`data-summary="${key.replace('.', '\\.')}"><span class="v">([\\d,]+)<`).exec(html)?.[1]?.replace(/,/g, ''));
    expect({
      files: shown('files'), records: shown('records'), evaluated: shown('evaluated'), outOfScope: shown('outOfScope'), duplicates: shown('duplicates'),
      malformed: shown('malformed'), alerts: shown('alerts'), ruleErrors: shown('ruleErrors'), unreadable: shown('unreadable'),
      suppressed: { mute: shown('suppressed.mute'), dedupe: shown('suppressed.dedupe') },
    }).toEqual({ ...summary, byRule: undefined, suppressed: summary.suppressed });
    expect(summary).toMatchObject({ alerts: 10, records: 12, duplicates: 1, outOfScope: 1, suppressed: { mute: 1, dedupe: 1 }, byRule: { 'rule-a': 8, 'rule-b': 2 } });
    const cell = (rule: string, k: string) => new RegExp(`<tr data-rule="${rule}">.*?data-k="${k}">([\\d,]+)<`).exec(html)?.[1];
    expect([cell('rule-a', 'alerts'), cell('rule-a', 'mute'), cell('rule-a', 'dedupe'), cell('rule-a', 'delivered')]).toEqual(['8', '1', '0', '7']);
    expect([cell('rule-b', 'alerts'), cell('rule-b', 'mute'), cell('rule-b', 'dedupe'), cell('rule-b', 'delivered')]).toEqual(['2', '0', '1', '1']);
    expect(cell('quiet-rule', 'alerts')).toBe('0'); // every enabled rule has a row
    // A counter the summary gains later is shown too (the page and --json cannot drift apart).
    const grown = renderReplayHtml(input(tally, [RULE_A], { summary: { ...summary, bytesSkipped: 1234, workers: { started: 2 } } as typeof summary }));
    expect(grown).toContain('<div data-summary="bytesSkipped"><span class="v">1,234</span><span class="k">bytes skipped</span></div>');
    expect(grown).toContain('<div data-summary="workers.started"><span class="v">2</span>');
    // The rows are ordered as the text report orders them: most alerts first.
    expect(html.indexOf('data-rule="rule-a"')).toBeLessThan(html.indexOf('data-rule="rule-b"'));
    expect(html).toContain('<code>m-1</code>: 1</li>');
    expect(html).toContain('<span class="held">muted</span> <code>m-1</code>');
    expect(html).toContain('<span class="held">dedupe window</span>');
    // Charts: the overall timeline, one per rule with alerts, four bar charts per such rule.
    expect(html.match(/data-chart="timeline"/g)).toHaveLength(3);
    expect(html.match(/data-chart="(principals|sourceIps|accounts|regions)"/g)).toHaveLength(8);
    expect(html).toContain('one column per 15 minutes'); // 00:15 to 06:15 → 15-minute buckets, at most 60 of them
    expect(html).toContain('<a class="console" href="https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/');
  });

  it('stays small for a million alerts: the first alerts of each rule, then "and N more"', () => {
    const detail = new ReportDetail();
    const tally = new ReplayTally(detail);
    const start = Date.parse('2024-01-01T00:00:00Z');
    const base = [alertOf(RULE_B), alertOf(RULE_A)];
    for (let i = 0; i < 1_000_000; i++) {
      const rule = i % 2 ? RULE_A : RULE_B;
      // Spread over three years: the counts coarsen from minutes to days, never more than their cap of buckets.
      const a = { ...base[i % 2]!, id: `${rule.id}:${i}`, eventTime: new Date(start + i * 97_000).toISOString(), principal: `user-${i % 5000}`, sourceIp: `10.0.${i % 250}.${i % 200}` };
      tally.record(evaluated(delivered(a)), 'f', `r${i}`);
    }
    const html = renderReplayHtml(input(tally, [RULE_A, RULE_B]));
    expect(html.length).toBeLessThan(250_000);
    expect(html).toContain('and 499,975 more alerts not listed');
    expect(html.match(/class="console"/g)).toHaveLength(50);
    expect(detail.byRule.get('rule-a')!.times.total).toBe(500_000);
    expect(detail.byRule.get('rule-a')!.times.resolution).toBeGreaterThan(RESOLUTIONS[0]!);
    expect(html).toContain('data-summary="alerts"><span class="v">1,000,000<');
    expect(html).toContain('one column per 3 weeks'); // 160 weeks in at most 60 columns
  }, 60_000);
});

describe('timelines', () => {
  it('counts per minute, coarsens past the cap without losing a count, and keeps unreadable times apart', () => {
    const t = new TimeCounts(100);
    for (let i = 0; i < 1000; i++) t.add(new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString());
    t.add('not a time');
    t.add('<script>');
    expect(t.total).toBe(1000);
    expect(t.untimed).toBe(2);
    expect(t.resolution).toBe(3_600_000); // 1000 minutes > 100 buckets; 17 hours fit
    const axis = chooseAxis([t])!;
    expect(axis.width % t.resolution).toBe(0);
    const values = t.histogram(axis.from, axis.width, axis.buckets);
    expect(values.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(axis.buckets).toBeLessThanOrEqual(60);
  });

  it('picks the finest round interval that fits, pads a short burst, and aligns to UTC', () => {
    const at = (iso: string) => {
      const t = new TimeCounts();
      t.add(iso);
      return t;
    };
    const burst = chooseAxis([at('2026-11-20T09:12:30Z')])!;
    expect(burst).toMatchObject({ width: 60_000, buckets: 24, label: '1 minute' });
    expect(burst.from).toBe(Date.parse('2026-11-20T09:01:00Z')); // the burst in the middle, the axis on whole minutes
    expect(new TimeCounts().histogram(burst.from, burst.width, burst.buckets)).toHaveLength(24);
    const day = chooseAxis([at('2026-11-20T00:10:00Z'), at('2026-11-20T23:50:00Z')])!;
    expect(day).toMatchObject({ label: '1 hour', buckets: 24, from: Date.parse('2026-11-20T00:00:00Z') });
    const years = chooseAxis([at('2020-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z')])!;
    expect(years).toMatchObject({ label: '6 weeks', width: 6 * 7 * 86_400_000 }); // 313 weeks in at most 60 columns
    expect(years.buckets).toBeLessThanOrEqual(60);
    expect(INTERVALS.at(-1)!.label).toBe('1 week');
    expect(chooseAxis([new TimeCounts()])).toBeUndefined();
  });
});

describe('forged times', () => {
  it('keep the counts and the axis bounded: the year 275760, 1970 and ten thousand distinct weeks', () => {
    const tally = new ReplayTally(new ReportDetail());
    const times = ['+275760-09-13T00:00:00.000Z', '1970-01-01T00:00:00Z', ...Array.from({ length: 10_000 }, (_, i) => new Date(Date.UTC(2000, 0, 1) + i * 7 * 86_400_000 * 3).toISOString())];
    times.forEach((eventTime, i) => tally.record(evaluated(delivered(alertOf(RULE_A, { id: `a:${i}`, eventTime }))), 'f', 'r'));
    const t = tally.detail!.byRule.get('rule-a')!.times;
    expect(t.total).toBe(times.length);
    expect(t.resolution).toBeGreaterThan(7 * 86_400_000);
    const axis = chooseAxis([t])!;
    expect(axis.buckets).toBeLessThanOrEqual(60);
    expect(axis.label).toMatch(/^[\d,]+ weeks$/);
    expect(t.histogram(axis.from, axis.width, axis.buckets).reduce((a, b) => a + b, 0)).toBe(times.length);
    const html = renderReplayHtml(input(tally, [RULE_A]));
    expect(html.length).toBeLessThan(100_000);
    expect(html).toContain('Alerts from 1970-01-01 00:00 UTC to +275760-09-13 00:00 UTC.');
  });
});

describe('diff report', () => {
  const change = (i: number, kind: 'appeared' | 'vanished', over: Partial<ChangedAlert> = {}): ChangedAlert => ({
    id: `rule-a:e-${i}`, ruleId: 'rule-a', severity: 'high', eventId: `e-${i}`, eventName: 'DeleteCollection', eventTime: '2026-11-20T09:12:30Z',
    principal: `p-${i}`, sourceIp: '192.0.2.1', account: '111122223333', region: 'us-east-1', change: kind, count: 1, ...over,
  });

  it('shows per rule what appeared and vanished, the first examples of each with console links, and escapes', () => {
    const changed = [
      ...Array.from({ length: 12 }, (_, i) => change(i, 'appeared')),
      change(100, 'vanished', { principal: HOSTILE_PRINCIPAL, count: 3, eventId: '<!everyone>|\u202E' }),
    ];
    const result: DiffResult = {
      rules: [{ ruleId: 'rule-a', status: 'changed', severity: 'high', base: 3, head: 12, appeared: 12, vanished: 3 }, { ruleId: 'rule-<b>', status: 'added', severity: 'low', base: 0, head: 0, appeared: 0, vanished: 0 }],
      alerts: { base: 3, head: 12, appeared: 12, vanished: 3 },
      changed,
      lists: { added: ['<l>'], removed: [], changed: [] },
    };
    const tally = new ReplayTally();
    tally.file();
    const html = renderDiffHtml({ result, base: 'origin/main:rules', head: 'rules"><script>', stats: tally.stats, ruleErrors: { base: 0, head: 1 }, examples: 5 });
    expectSafePage(html);
    expect(html).toContain('<h3 class="appeared">Appeared (12)</h3>');
    expect(html).toContain('and 7 more (<code>rekwatch diff --json</code> lists every one)');
    expect(html).toContain('<h3 class="vanished">Vanished (1)</h3>');
    expect(html).toContain('<td class="nw">×3</td>');
    expect(html).toContain('rules&#34;&#62;&#60;script&#62;');
    expect(html).toContain('data-summary="alerts.appeared"><span class="v">12<');
    expect(html).toContain('data-summary="ruleErrors.head"><span class="v">1<');
    expect(html).toContain('<tr data-rule="rule-a">');
    expect(html).toContain('data-k="vanished">3<');
    expect(html).toContain('No alert changed; the rule\'s definition did.');
    expect(html).toContain('lists added: <code>&#60;l&#62;</code>');
    expect(html.match(/class="console"/g)).toHaveLength(6);
    expect(html).toContain('data-chart="diff"');
  });
});

describe('docs/previews/report.png', () => {
  it('exists, is the report preview size and under 400 KB (npm run previews rewrites it)', () => {
    const png = readFileSync(join(PREVIEWS_DIR, 'report.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([REPORT_PREVIEW_SIZE.width, REPORT_PREVIEW_SIZE.height]);
    expect(png.length).toBeLessThan(400 * 1024);
  });
});
