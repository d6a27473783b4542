/**
 * The HTML backtest report of `rekwatch replay --html FILE` (pure): the replay's totals and per-rule
 * counts, taken from the same ReplaySummary `--json` prints (so the numbers are the text report's
 * and the summary's), a timeline of all alerts and one per rule over the period the alerts span (one
 * shared axis), each rule's top principals, source IPs, accounts and regions as bar charts, what live
 * mutes and dedupe windows held back, and the rule's first alerts with their console links.
 *
 * Bounded: the page holds at most ReportDetail.alertsPerRule alerts per rule ("and N more" for the
 * rest), `top` values per chart, and the samples the tally keeps, each value cut to a few hundred
 * characters, so its size depends on the number of rules, never on the number of alerts or records.
 * Every value from an event, a file name or a rule file is escaped (escape.ts).
 */
import type { RuleDefinition } from '../../common/types';
import { topN, type ReplayStats, type ReplaySummary } from '../replay-stats';
import { alertTable } from './alert-table';
import { chooseAxis, type Axis } from './axis';
import { barChart } from './bars';
import type { ListedAlert, ReportDetail, RuleDetail } from './detail';
import { attr, num, text } from './escape';
import { page } from './page';
import { timeline, utc } from './timeline';

export interface ReplayHtmlInput {
  /** `stats.summary()`: the numbers shown, exactly as `--json` prints them. */
  summary: ReplaySummary;
  stats: ReplayStats;
  detail: ReportDetail;
  /** The enabled rules (every one gets a row, alerts or not). */
  rules: readonly RuleDefinition[];
  /** Alerts held back, by live mute id. */
  byMute: ReadonlyMap<string, number>;
  malformedSamples: readonly string[];
  ruleErrorSamples: readonly string[];
  unreadable: readonly string[];
  /** Values per bar chart (`--top`). */
  top: number;
  /** What was replayed, as named on the command line. */
  inputs: readonly string[];
}

/** The totals shown first, in this order (keys are ReplaySummary's, nested ones dotted). */
const FIRST = ['files', 'records', 'evaluated', 'outOfScope', 'duplicates', 'malformed', 'unreadable', 'alerts', 'ruleErrors', 'suppressed.mute', 'suppressed.dedupe'];
const TOTAL_LABEL: Record<string, string> = {
  outOfScope: 'out of scope', ruleErrors: 'rule errors', 'suppressed.mute': 'held back by mutes', 'suppressed.dedupe': 'held back by dedupe',
  'detect.selections': 'events in threshold windows', 'detect.duplicateSelections': 'duplicates in windows', 'detect.late': 'late (stateful rules)', 'detect.latenessMs': 'lateness bound (ms)',
};

/**
 * Every number of the summary (`byRule` has its own table), nested ones one level deep: a counter
 * added to ReplaySummary later shows up here too, so the page and `--json` cannot drift apart.
 */
function summaryNumbers(s: ReplaySummary): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(s)) {
    if (k === 'byRule') continue;
    if (typeof v === 'number') out.push([k, v]);
    else if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') out.push([`${k}.${k2}`, v2]);
  }
  const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
  return out.sort((a, b) => rank(a[0]) - rank(b[0]));
}

const label = (key: string) => TOTAL_LABEL[key] ?? key.replace(/\./g, ' ').replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);

function totals(s: ReplaySummary): string {
  const cells = summaryNumbers(s).map(([key, v]) => `<div data-summary="${attr(key)}"><span class="v">${num(v)}</span><span class="k">${text(label(key), 40)}</span></div>`);
  return `<div class="totals">${cells.join('')}</div>`;
}

function badge(severity: string): string {
  return `<span class="badge ${attr(severity.replace(/[^a-z]/g, ''))}">${text(severity.toUpperCase(), 12)}</span>`;
}

interface Row {
  rule: RuleDefinition;
  alerts: number;
  detail?: RuleDetail;
  anchor: string;
}

function ruleTable(rows: readonly Row[]): string {
  const body = rows
    .map(({ rule, alerts, detail, anchor }) => {
      const held = detail?.held ?? { mute: 0, dedupe: 0 };
      const name = alerts > 0 ? `<a href="#${anchor}"><code>${text(rule.id, 80)}</code></a>` : `<code>${text(rule.id, 80)}</code>`;
      return (
        `<tr data-rule="${attr(rule.id)}"><td>${name}</td><td>${badge(rule.severity)}</td><td class="n" data-k="alerts">${num(alerts)}</td>` +
        `<td class="n" data-k="mute">${num(held.mute)}</td><td class="n" data-k="dedupe">${num(held.dedupe)}</td><td class="n" data-k="delivered">${num(alerts - held.mute - held.dedupe)}</td></tr>`
      );
    })
    .join('');
  return `<table class="rules"><tr><th>Rule</th><th>Severity</th><th class="n">Alerts</th><th class="n">Muted</th><th class="n">Dedupe</th><th class="n">Would be delivered</th></tr>${body}</table>`;
}

function status(v: ListedAlert['verdict']): string {
  if (!v.held) return 'delivered';
  return v.reason === 'mute' ? `<span class="held">muted</span> <code>${text(v.muteId, 40)}</code>` : '<span class="held">dedupe window</span>';
}

function ruleSection(row: Row, input: ReplayHtmlInput, axis: Axis | undefined): string {
  const { rule, alerts, anchor } = row;
  const d = row.detail!;
  const s = input.stats.byRule.get(rule.id);
  const held = d.held.mute + d.held.dedupe;
  const heldLine = held > 0 ? `<p class="held">${num(held)} would not have been delivered: ${num(d.held.mute)} muted, ${num(d.held.dedupe)} held back by dedupe windows</p>` : '';
  const chart = axis ? timeline(d.times.histogram(axis.from, axis.width, axis.buckets), axis, 'Alerts over time', d.times.untimed) : '';
  const charts = [
    s ? barChart('Top principals', topN(s.principals, input.top), alerts, 'principals') : '',
    s ? barChart('Top source IPs', topN(s.sourceIps, input.top), alerts, 'sourceIps') : '',
    barChart('Accounts', topN(d.accounts, input.top), alerts, 'accounts'),
    barChart('Regions', topN(d.regions, input.top), alerts, 'regions'),
  ].join('');
  const rows = d.alerts.map((a) => ({ ...a, status: status(a.verdict) }));
  const more = d.unlisted > 0 ? `<p class="more">and ${num(d.unlisted)} more alerts not listed (<code>rekwatch replay --json</code> prints every one)</p>` : '';
  return (
    `<section class="rule sev-${attr(rule.severity.replace(/[^a-z]/g, ''))}" id="${anchor}" data-rule="${attr(rule.id)}">` +
    `<h2>${badge(rule.severity)} <code>${text(rule.id, 80)}</code> · <span data-k="alerts">${num(alerts)}</span> alert${alerts === 1 ? '' : 's'}</h2>` +
    `<p class="dim">${text(rule.name, 160)}</p>${heldLine}${chart}<div class="charts">${charts}</div>` +
    `<h3>Alerts${d.unlisted > 0 ? ` (the first ${num(d.alerts.length)})` : ''}</h3>${alertTable(rows, 'Status')}${more}</section>`
  );
}

function samples(title: string, items: readonly string[], total: number, key: string): string {
  if (total === 0) return '';
  const list = items.map((i) => `<li><code>${text(i, 400)}</code></li>`).join('');
  const more = total > items.length ? `<p class="more">and ${num(total - items.length)} more</p>` : '';
  return `<section data-section="${key}"><h2>${text(title)} (${num(total)})</h2><ul>${list}</ul>${more}</section>`;
}

function heldBack(byMute: ReadonlyMap<string, number>, s: ReplaySummary): string {
  if (s.suppressed.mute + s.suppressed.dedupe === 0) return '';
  const mutes = [...byMute].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = mutes.slice(0, 50).map(([id, k]) => `<li><code>${text(id, 80)}</code>: ${num(k)}</li>`).join('');
  const more = mutes.length > 50 ? `<p class="more">and ${num(mutes.length - 50)} more mutes</p>` : '';
  return (
    `<section data-section="held"><h2>Held back</h2><p>${num(s.suppressed.mute)} alerts held back by live mutes, ${num(s.suppressed.dedupe)} by dedupe windows ` +
    `(<code>--no-mutes</code> / <code>--no-dedupe</code> to see them delivered).</p>${shown ? `<ul>${shown}</ul>` : ''}${more}</section>`
  );
}

export function renderReplayHtml(input: ReplayHtmlInput): string {
  const { summary: s, detail } = input;
  const rows: Row[] = input.rules.map((rule) => ({ rule, alerts: s.byRule[rule.id] ?? 0, detail: detail.byRule.get(rule.id), anchor: '' }));
  rows.sort((a, b) => b.alerts - a.alerts || a.rule.id.localeCompare(b.rule.id));
  rows.forEach((r, i) => (r.anchor = `rule-${i + 1}`));
  const timed = [...detail.byRule.values()].map((d) => d.times);
  const axis = chooseAxis(timed);
  let overall = '';
  if (axis) {
    const sum = new Array<number>(axis.buckets).fill(0);
    for (const t of timed) t.histogram(axis.from, axis.width, axis.buckets).forEach((c, i) => (sum[i]! += c));
    overall = timeline(sum, axis, 'All alerts over time', timed.reduce((k, t) => k + t.untimed, 0));
  }
  const withTimes = timed.filter((t) => Number.isFinite(t.min));
  const period = axis ? `Alerts from ${utc(Math.min(...withTimes.map((t) => t.min)))} to ${utc(Math.max(...withTimes.map((t) => t.max)))}.` : 'No alerts.';
  const named = input.inputs.length ? input.inputs.slice(0, 10).map((p) => `<code>${text(p, 120)}</code>`).join(', ') + (input.inputs.length > 10 ? ` and ${num(input.inputs.length - 10)} more` : '') : 'nothing named';
  const body =
    `<section data-section="summary"><h1>rekwatch backtest</h1><p class="dim">Replayed ${named}. ${period} ` +
    `${num(s.alerts)} alert${s.alerts === 1 ? '' : 's'} from ${num(Object.keys(s.byRule).length)} of ${num(input.rules.length)} enabled rules.</p>${totals(s)}${overall}</section>` +
    `<section data-section="rules"><h2>By rule</h2>${ruleTable(rows)}</section>` +
    heldBack(input.byMute, s) +
    rows.filter((r) => r.alerts > 0 && r.detail).map((r) => ruleSection(r, input, axis)).join('') +
    samples('Malformed input', input.malformedSamples, s.malformed, 'malformed') +
    samples('Rule errors', input.ruleErrorSamples, s.ruleErrors, 'ruleErrors') +
    samples('Unreadable input', input.unreadable, input.unreadable.length, 'unreadable');
  return page('rekwatch backtest', body);
}
