/**
 * Counters for a backtest, and the per-rule view that answers "how noisy would this rule have
 * been": alert count plus the top principals and source IPs. Distinct values tracked per rule are
 * capped so memory stays bounded; values beyond the cap are counted as "(other)".
 */
import type { Alert } from '../common/types';

export interface RuleStats {
  alerts: number;
  severity: string;
  principals: Map<string, number>;
  sourceIps: Map<string, number>;
}

export interface ReplaySummary {
  files: number;
  records: number;
  evaluated: number;
  outOfScope: number;
  duplicates: number;
  malformed: number;
  alerts: number;
  ruleErrors: number;
  unreadable: number;
  /** Alerts that matched but would not have been delivered, by reason (live mutes, dedupe windows). */
  suppressed: { mute: number; dedupe: number };
  byRule: Record<string, number>;
}

const OTHER = '(other)';

/** Counts `key`, or `(other)` once `cap` distinct keys are counted (bounded memory on any input). */
export function bump(map: Map<string, number>, key: string, cap: number): void {
  const k = map.has(key) || map.size < cap ? key : OTHER;
  map.set(k, (map.get(k) ?? 0) + 1);
}

export function topN(map: Map<string, number>, n: number): Array<[string, number]> {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

export class ReplayStats {
  files = 0;
  records = 0;
  evaluated = 0;
  outOfScope = 0;
  duplicates = 0;
  malformed = 0;
  alerts = 0;
  ruleErrors = 0;
  unreadable = 0;
  bytes = 0;
  readonly suppressed = { mute: 0, dedupe: 0 };
  readonly byRule = new Map<string, RuleStats>();

  constructor(private readonly distinctCap = 10_000) {}

  addAlert(alert: Alert): void {
    this.alerts++;
    let s = this.byRule.get(alert.ruleId);
    if (!s) {
      s = { alerts: 0, severity: alert.severity, principals: new Map(), sourceIps: new Map() };
      this.byRule.set(alert.ruleId, s);
    }
    s.alerts++;
    bump(s.principals, alert.principal, this.distinctCap);
    bump(s.sourceIps, alert.sourceIp, this.distinctCap);
  }

  summary(): ReplaySummary {
    const byRule: Record<string, number> = {};
    for (const [id, s] of [...this.byRule.entries()].sort((a, b) => b[1].alerts - a[1].alerts || a[0].localeCompare(b[0]))) {
      byRule[id] = s.alerts;
    }
    return {
      files: this.files,
      records: this.records,
      evaluated: this.evaluated,
      outOfScope: this.outOfScope,
      duplicates: this.duplicates,
      malformed: this.malformed,
      alerts: this.alerts,
      ruleErrors: this.ruleErrors,
      unreadable: this.unreadable,
      suppressed: { ...this.suppressed },
      byRule,
    };
  }
}
