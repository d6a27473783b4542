/**
 * What the HTML report needs beyond the replay tally's counters (pure, bounded): per rule the alert
 * times (TimeCounts), the accounts and regions alerted on (distinct values capped as ReplayStats caps
 * principals), how many alerts live mutes and dedupe windows held back, and the first
 * `alertsPerRule` alerts themselves, each with its verdict. Strings kept are cut to `MAX_KEPT`
 * characters, so a million alerts, or records with megabyte-long fields, keep memory and the report
 * small. Fed by ReplayTally.record, alert by alert, in input order.
 */
import type { Alert } from '../../common/types';
import type { Verdict } from '../../suppress/suppression';
import type { AlertRow } from './alert-table';
import { TimeCounts } from './time-counts';
import { bump } from '../replay-stats';

/** One alert as the report lists it: a row of the alert table (alert-table.ts) and what the page adds. */
export interface ListedAlert extends Omit<AlertRow, 'lengths' | 'status'> {
  id: string;
  title: string;
  severity: string;
  /** The original length of each field cut when kept (absent when none was). */
  lengths?: Partial<Record<KeptField, number>>;
  /** 'delivered', or why it would not have been. */
  verdict: { held: false } | { held: true; reason: 'mute'; muteId: string } | { held: true; reason: 'dedupe' };
}

const KEPT = ['id', 'title', 'severity', 'eventTime', 'eventName', 'eventId', 'principal', 'sourceIp', 'account', 'region'] as const;
type KeptField = (typeof KEPT)[number];

export interface RuleDetail {
  times: TimeCounts;
  accounts: Map<string, number>;
  regions: Map<string, number>;
  held: { mute: number; dedupe: number };
  alerts: ListedAlert[];
  /** Alerts of the rule not listed (beyond `alertsPerRule`). */
  unlisted: number;
}

/** Longest string kept from an event (more is cut when kept and marked when shown). */
const MAX_KEPT = 2_000;

function kept(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  return s.length > MAX_KEPT ? s.slice(0, MAX_KEPT) : s;
}

export class ReportDetail {
  readonly byRule = new Map<string, RuleDetail>();

  constructor(
    readonly alertsPerRule = 25,
    private readonly distinctCap = 10_000,
  ) {}

  add(alert: Alert, verdict: Verdict): void {
    let d = this.byRule.get(alert.ruleId);
    if (!d) {
      d = { times: new TimeCounts(), accounts: new Map(), regions: new Map(), held: { mute: 0, dedupe: 0 }, alerts: [], unlisted: 0 };
      this.byRule.set(alert.ruleId, d);
    }
    d.times.add(alert.eventTime);
    this.bump(d.accounts, alert.account);
    this.bump(d.regions, alert.region);
    if (!verdict.deliver) d.held[verdict.reason]++;
    if (d.alerts.length >= this.alertsPerRule) {
      d.unlisted++;
      return;
    }
    const listed = {
      verdict: verdict.deliver ? { held: false } : verdict.reason === 'mute' ? { held: true, reason: 'mute', muteId: kept(verdict.muteId) } : { held: true, reason: 'dedupe' },
    } as ListedAlert;
    for (const field of KEPT) {
      const value = String(alert[field]);
      listed[field] = kept(value);
      if (value.length > MAX_KEPT) (listed.lengths ??= {})[field] = value.length;
    }
    d.alerts.push(listed);
  }

  private bump(map: Map<string, number>, value: unknown): void {
    bump(map, kept(value), this.distinctCap);
  }
}
