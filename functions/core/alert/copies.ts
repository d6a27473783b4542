/**
 * One call, one alert: the copies of a cross-account call (pure).
 *
 * CloudTrail records a cross-account call once in each account involved (the caller's and the
 * resource owner's), each copy with its own `eventID` and `recipientAccountId`, all with one
 * `sharedEventID`. Every copy is evaluated on its own (a rule may match only one of them), and the
 * alerts of one rule for one call share the id `ruleId:sharedEventID` (alert.ts). Which copy's alert
 * is delivered is decided where the copies meet:
 *
 *   - in one process (replay, watch, backtests): `CopyWindow`, through the evaluator, keeps the first
 *     copy's alert and folds later copies of the same call into it (the same copy seen again, a
 *     duplicate delivery, is returned again, so retries behave as before);
 *   - in AWS, where the copies arrive as separate Lambda invocations, possibly concurrently and in
 *     any order: the delivery claim on `ruleId:sharedEventID#channel` in the state table decides
 *     (idempotency-store.ts), and each copy is first added to the alert's set of copies there, so the
 *     delivered alert names every copy seen by then (`withCopies`); a copy arriving after delivery is
 *     recorded in that set and logged, and sends nothing.
 */
import { RecentMap } from '../common/recent-map';
import { namesFor } from './alert';
import type { Alert, RecordedCopy } from '../common/types';

/** The copy an alert was built from. */
export function copyOf(alert: Alert): RecordedCopy {
  return { account: alert.account, eventId: alert.eventId };
}

function sameCopy(a: RecordedCopy, b: RecordedCopy): boolean {
  return a.account === b.account && a.eventId === b.eventId;
}

/**
 * The alert naming every known copy of its call: `recordedBy` lists its own copy first, then the
 * others by account and event id; set only when more than one distinct copy is known. Names of the
 * copies' accounts are added from `accountNames`.
 */
export function withCopies(alert: Alert, copies: readonly RecordedCopy[], accountNames?: Readonly<Record<string, string>>): Alert {
  const own = copyOf(alert);
  const others: RecordedCopy[] = [];
  for (const c of copies) {
    if (typeof c?.account !== 'string' || typeof c.eventId !== 'string' || sameCopy(c, own)) continue;
    if (!others.some((o) => sameCopy(o, c))) others.push({ account: c.account, eventId: c.eventId });
  }
  if (others.length === 0) return alert;
  others.sort((a, b) => a.account.localeCompare(b.account) || a.eventId.localeCompare(b.eventId));
  const names = { ...alert.accountNames, ...namesFor(accountNames, others.map((o) => o.account)) };
  return { ...alert, recordedBy: [own, ...others], ...(Object.keys(names).length > 0 ? { accountNames: names } : {}) };
}

/**
 * The first copy seen of each cross-account call's alert, for the most recent `capacity` calls: an
 * alert of a call whose other copy already gave its alert is folded (not returned again). Only
 * alerts with a `sharedEventId` enter the window, so memory is bounded and small.
 */
export class CopyWindow {
  private readonly firstCopy: RecentMap<string>;

  constructor(capacity = 100_000) {
    this.firstCopy = new RecentMap(capacity);
  }

  /** True when the alert is a later copy of a call whose alert was already kept. */
  fold(alert: Alert): boolean {
    if (alert.sharedEventId === undefined) return false;
    const key = copyKey(copyOf(alert));
    const first = this.firstCopy.get(alert.id);
    if (first !== undefined) return first !== key; // the same copy again is a duplicate delivery, not a copy
    this.firstCopy.set(alert.id, key);
    return false;
  }
}

/** One copy as a string (the member of a DynamoDB string set): `account|eventId`. */
export function copyKey(copy: RecordedCopy): string {
  return `${copy.account}|${copy.eventId}`;
}

/** The copy a `copyKey` names, or null for anything else. */
export function parseCopyKey(key: string): RecordedCopy | null {
  const bar = key.indexOf('|');
  if (bar <= 0 || bar === key.length - 1) return null;
  return { account: key.slice(0, bar), eventId: key.slice(bar + 1) };
}
