/**
 * The readable backtest report (pure text rendering; the CLI writes it). Every line passes through
 * terminalSafe: event fields, file names and parse errors cannot move the cursor or reorder text.
 */
import { topN, type ReplayStats } from './replay-stats';
import { terminalSafe } from './text';
import type { Alert, RuleDefinition } from './types';

const SEVERITY_LABEL: Record<string, string> = { info: 'INFO', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

export function formatAlertLines(alert: Alert): string[] {
  return [
    `[${SEVERITY_LABEL[alert.severity] ?? alert.severity}] ${alert.title}`,
    `    rule ${alert.ruleId} | ${alert.eventTime} | event ${alert.eventId}`,
    `    ${alert.consoleUrl}`,
  ].map(terminalSafe);
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
