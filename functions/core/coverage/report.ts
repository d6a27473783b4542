/**
 * `rekwatch coverage` output (pure): a table with, under each row, what was verified, what was only
 * inferred and every gap; or one JSON object per account × region; and the counts.
 */
import type { HubDescription } from './hub';
import type { CoverageReport, CoverageRow, Verdict } from './model';

export type CoverageCounts = Record<Verdict, number> & { rows: number };

export function countVerdicts(report: CoverageReport): CoverageCounts {
  const counts: CoverageCounts = { rows: report.rows.length, ok: 0, inferred: 0, gap: 0, skipped: 0 };
  for (const r of report.rows) counts[r.verdict]++;
  return counts;
}

const STATE_SHORT: Record<string, string> = { ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: 'ENABLED_ALL_MGMT' };

function cells(r: CoverageRow): string[] {
  const state = r.state === null ? '-' : r.state.split(',').map((s) => STATE_SHORT[s] ?? s).join(',');
  return [r.account, r.region, r.via, r.instance ? `${r.spoke} (${r.instance})` : r.spoke, state, r.pattern, r.lastHeartbeat ?? '-', r.verdict.toUpperCase()];
}

const HEADER = ['ACCOUNT', 'REGION', 'VIA', 'SPOKE', 'STATE', 'PATTERN', 'LAST HEARTBEAT', 'VERDICT'];

/** The readable report: a heading, the table with details under each row, notes, and a summary line. */
export function renderCoverage(hub: HubDescription, report: CoverageReport): string[] {
  const table = [HEADER, ...report.rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [
    `coverage of ${hub.stackName}: hub ${hub.homeAccount} ${hub.homeRegion}, regions ${hub.regions.join(', ')}, pattern ${hub.patternHash.slice(0, 19)}…` +
      (hub.heartbeat ? `, heartbeat within ${Math.round(hub.heartbeat.maxSilenceMs / 60_000)}m` : ', heartbeat off'),
    '',
    line(HEADER),
  ];
  report.rows.forEach((r, i) => {
    out.push(line(table[i + 1]!));
    for (const g of r.gaps) out.push(`    gap:      ${g}`);
    for (const v of r.verified) out.push(`    verified: ${v}`);
    for (const n of r.inferred) out.push(`    inferred: ${n}`);
  });
  if (report.notes.length > 0) out.push('', ...report.notes.map((n) => `note: ${n}`));
  const c = countVerdicts(report);
  out.push('', `${c.rows} account × region cells: ${c.ok} ok (read and equal), ${c.inferred} inferred (not readable from here), ${c.gap} with a gap${c.skipped ? `, ${c.skipped} skipped` : ''}`);
  return out;
}

/** `--json`: one object per account × region. */
export function coverageJsonLines(report: CoverageReport): string[] {
  return report.rows.map((r) => JSON.stringify(r));
}
