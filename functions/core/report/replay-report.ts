/**
 * The readable backtest report (pure text rendering; the CLI writes it). Every line passes through
 * terminalSafe: event fields, file names and parse errors cannot move the cursor or reorder text.
 */
import { topN, type ReplayStats } from './replay-stats';
import { terminalSafe } from '../common/text';
import type { Alert, RuleDefinition } from '../common/types';

const SEVERITY_LABEL: Record<string, string> = { info: 'INFO', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

export function formatAlertLines(alert: Alert): string[] {
  return [
    `[${SEVERITY_LABEL[alert.severity] ?? alert.severity}] ${alert.title}`,
    `    rule ${alert.ruleId} | ${alert.eventTime} | event ${alert.eventId}`,
    `    ${alert.consoleUrl}`,
    ...(alert.threshold ? [thresholdLine(alert.threshold)] : []),
  ].map(terminalSafe);
}

/** A threshold alert's window: how many, of what, since when (the final count where known). */
function thresholdLine(t: NonNullable<Alert['threshold']>): string {
  const what = t.distinct ? `distinct ${t.distinct.fact}${t.distinct.path ? ` ${t.distinct.path}` : ''} values` : 'events';
  const key = Object.entries(t.key).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return `    threshold ${t.count} ${what} in ${t.window}: ${t.final ?? t.reached} in the window from ${t.windowStart}${key ? ` (${key})` : ''}`;
}

export interface ReportInput {
  stats: ReplayStats;
  rules: readonly RuleDefinition[];
  malformedSamples: readonly string[];
  ruleErrorSamples: readonly string[];
  unreadable: readonly string[];
  shownAlerts: number;
  top: number;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

export function renderSummary(input: ReportInput): string[] {
  const { stats } = input;
  const out: string[] = [];
  const held = stats.suppressed.mute + stats.suppressed.dedupe;
  const deliverable = stats.alerts - held;
  if (deliverable > input.shownAlerts && input.shownAlerts > 0) {
    out.push(`... ${n(deliverable - input.shownAlerts)} more alerts not shown (use --json for every alert that would be delivered)`);
    out.push('');
  }
  out.push('Summary');
  out.push(`  files ${n(stats.files)}, records ${n(stats.records)}: ${n(stats.evaluated)} evaluated, ${n(stats.outOfScope)} out of scope, ${n(stats.duplicates)} ${stats.duplicates === 1 ? 'duplicate' : 'duplicates'}, ${n(stats.malformed)} malformed`);
  out.push(`  alerts ${n(stats.alerts)} from ${n(stats.byRule.size)} of ${n(input.rules.length)} enabled rules${stats.ruleErrors ? `; ${n(stats.ruleErrors)} rule errors` : ''}`);
  if (held > 0) out.push(`  of which ${n(held)} would not have been delivered: ${n(stats.suppressed.mute)} muted, ${n(stats.suppressed.dedupe)} held back by dedupe windows (--no-mutes --no-dedupe to see them)`);
  out.push('');
  out.push('By rule (how noisy each rule would have been)');
  const rows = input.rules.map((r) => ({ rule: r, s: stats.byRule.get(r.id) }));
  rows.sort((a, b) => (b.s?.alerts ?? 0) - (a.s?.alerts ?? 0) || a.rule.id.localeCompare(b.rule.id));
  const width = Math.max(...rows.map((r) => r.rule.id.length), 10);
  for (const { rule, s } of rows) {
    out.push(`  ${rule.id.padEnd(width)}  ${rule.severity.padEnd(8)} ${n(s?.alerts ?? 0).padStart(8)}`);
    if (s) {
      out.push(`      top principals: ${topN(s.principals, input.top).map(([k, c]) => `${k} (${n(c)})`).join(', ')}`);
      out.push(`      top source IPs: ${topN(s.sourceIps, input.top).map(([k, c]) => `${k} (${n(c)})`).join(', ')}`);
    }
  }
  const section = (title: string, items: readonly string[], total: number) => {
    if (total === 0) return;
    out.push('');
    out.push(`${title} (${n(total)})`);
    for (const item of items) out.push(`  ${item}`);
    if (total > items.length) out.push(`  ... and ${n(total - items.length)} more`);
  };
  section('Malformed input', input.malformedSamples, stats.malformed);
  section('Rule errors', input.ruleErrorSamples, stats.ruleErrors);
  section('Unreadable input', input.unreadable, input.unreadable.length);
  return out.map(terminalSafe);
}

const count = (k: number, singular: string, pluralForm = `${singular}s`) => `${n(k)} ${k === 1 ? singular : pluralForm}`;

/** Lists at most `max` items, then how many more. */
function listed(items: readonly string[], max: number): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${n(items.length - max)} more` : items.join(', ');
}

/**
 * What live mutes and dedupe windows held back, and how to see it, e.g. "2 alerts held back by 1 live
 * mute (m-x) and 3 by dedupe windows; --no-mutes / --no-dedupe to see them" (stderr, in both modes:
 * leftover mutes must not change a backtest silently). Undefined when nothing was held back.
 */
export function heldBackNote(suppressed: { mute: number; dedupe: number }, byMute: ReadonlyMap<string, number>): string | undefined {
  const { mute, dedupe } = suppressed;
  if (mute + dedupe === 0) return undefined;
  const mutes = [...byMute.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const ids = mutes.length === 1 ? mutes.map(([id]) => id) : mutes.map(([id, k]) => `${id}: ${n(k)}`);
  const byMutes = `by ${count(mutes.length, 'live mute')} (${listed(ids, 5)})`;
  const it = mute + dedupe === 1 ? 'it' : 'them';
  const text =
    dedupe === 0 ? `${count(mute, 'alert')} held back ${byMutes}; --no-mutes to see ${it}`
    : mute === 0 ? `${count(dedupe, 'alert')} held back by dedupe windows; --no-dedupe to see ${it}`
    : `${count(mute, 'alert')} held back ${byMutes} and ${n(dedupe)} by dedupe windows; --no-mutes / --no-dedupe to see them`;
  return terminalSafe(`rekwatch: ${text}`);
}

/** Why the exit status is 2 although input was read: paths the user named could not be read. */
export function unreadableArgumentsNote(paths: readonly string[], exitCode: number): string | undefined {
  if (paths.length === 0) return undefined;
  return terminalSafe(`rekwatch: ${count(paths.length, 'path')} named on the command line could not be read (${listed(paths, 5)}); exit status ${exitCode}`);
}
