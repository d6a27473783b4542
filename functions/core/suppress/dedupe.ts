/**
 * Dedupe windows (a rule's `dedupe: { window, by }`): within a window, by event time, one alert per
 * rule and key is delivered; later ones are held back and counted, and the next delivered alert of
 * that key says "and N more since ...". The decision runs on a `DedupeState`: in memory for
 * backtests, on DynamoDB conditional writes (adapters/dedupe-store.ts) where deliveries are real.
 */
import { hexHash } from '../common/hex-hash';
import type { Alert, DedupeField, DedupeSpec } from '../common/types';

const FIELD: Record<DedupeField, (a: Alert) => string> = {
  principalArn: (a) => a.principal,
  sourceIPAddress: (a) => a.sourceIp,
  eventName: (a) => a.eventName,
  accountId: (a) => a.account,
  awsRegion: (a) => a.region,
  userAgent: (a) => a.userAgent,
  principalType: (a) => a.principalType,
  errorCode: (a) => a.errorCode ?? '',
};

/** A short stable key: the rule and the `by` fields' values, hashed (values can be long). */
export function dedupeKey(alert: Alert, spec: DedupeSpec): string {
  const parts = [alert.ruleId, ...spec.by.map((f) => `${f}=${FIELD[f](alert)}`)];
  return `${alert.ruleId}#${hexHash(JSON.stringify(parts), 32)}`;
}

export type DedupeDecision =
  | { deliver: true; previous?: { count: number; since: string } }
  | { deliver: false; windowStart: string };

export interface DedupeState {
  /**
   * Decides for one alert at event time `at`. Must be idempotent per `alertId` (a retried delivery of
   * the alert that opened a window is delivered again, not held back) and safe under concurrency.
   */
  admit(key: string, alertId: string, at: number, windowMs: number): Promise<DedupeDecision>;
}

/** The event time of an alert in ms (arrival time when the record's is unusable). */
export function alertTime(alert: Alert, now: number): number {
  const t = Date.parse(alert.eventTime);
  return Number.isNaN(t) ? now : t;
}

interface Window {
  start: number;
  end: number;
  suppressed: number;
  firstAlertId: string;
}

/** In-process dedupe state, for backtests (`replay`): the same decisions, nothing persisted. */
export class MemoryDedupeState implements DedupeState {
  private readonly windows = new Map<string, Window>();
  private readonly decisions = new Map<string, DedupeDecision>();

  async admit(key: string, alertId: string, at: number, windowMs: number): Promise<DedupeDecision> {
    const prior = this.decisions.get(alertId);
    if (prior) return prior;
    const decision = this.decide(key, alertId, at, windowMs);
    this.decisions.set(alertId, decision);
    return decision;
  }

  private decide(key: string, alertId: string, at: number, windowMs: number): DedupeDecision {
    const w = this.windows.get(key);
    if (!w || w.end <= at) {
      this.windows.set(key, { start: at, end: at + windowMs, suppressed: 0, firstAlertId: alertId });
      return w && w.suppressed > 0 ? { deliver: true, previous: { count: w.suppressed, since: new Date(w.start).toISOString() } } : { deliver: true };
    }
    if (w.firstAlertId === alertId || at < w.start) return { deliver: true }; // the same alert again; or older than the window
    w.suppressed++;
    return { deliver: false, windowStart: new Date(w.start).toISOString() };
  }
}
