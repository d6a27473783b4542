/**
 * Where a trail bucket keeps its logs, read from object keys alone (pure: the S3 adapter lists, this
 * decides what to list). CloudTrail writes
 *
 *   [KEY_PREFIX/]AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_X.json.gz
 *   [KEY_PREFIX/]AWSLogs/o-ORGID/ACCOUNT/CloudTrail/REGION/…                       (organization trails)
 *
 * and digests under `CloudTrail-Digest/` (not logs). `planPrefix` says, for a folder, how to find the
 * log files under it without listing what `--since/--until`, `--accounts` and `--regions` exclude:
 * list its children and decide each (the levels above a region, where there are few entries), list
 * one prefix per day in range (at or below a region, with a lower time bound), list everything
 * (no time bound, or a day), or skip it. `keepKey` is the last word on each object.
 *
 * Time bounds are on delivery, as the key tells it: a file lands in the folder of the UTC day it
 * was written and its name carries the minute; every event in it happened before that. So a file
 * written before `since` holds nothing wanted, and one written more than DELIVERY_SLACK_MS after
 * `until` is taken to hold nothing wanted either (CloudTrail delivers in about 5 minutes).
 */

/** How long after an event its log file is assumed to be written, for `--until` (1 hour). */
export const DELIVERY_SLACK_MS = 3_600_000;

/** Trail log file names (what the local walk reads too). */
export const LOG_FILE = /\.(json|jsonl)(\.gz)?$/i;
/** CloudTrail digest files (integrity hashes, not events) live under CloudTrail-Digest/ and name it. */
export const DIGEST = /(^|[/\\_])CloudTrail-Digest([/\\_]|$)/;

export interface TrailKeyFilter {
  /** Epoch ms: only events at or after this. */
  since?: number;
  /** Epoch ms: only events at or before this. */
  until?: number;
  /** 12-digit account ids. */
  accounts?: ReadonlySet<string>;
  /** Region names. */
  regions?: ReadonlySet<string>;
}

/** Where a folder (a key prefix ending in `/`, or the bucket root `''`) sits in the trail layout. */
export type TrailLevel =
  | { level: 'above' } // no AWSLogs/ segment yet: the bucket root or a trail's own key prefix
  | { level: 'logs' } // …/AWSLogs/
  | { level: 'org' } // …/AWSLogs/o-…/
  | { level: 'account'; account: string }
  | { level: 'service'; account: string } // …/ACCOUNT/CloudTrail/
  | { level: 'region'; account: string; region: string; base: string }
  | { level: 'year' | 'month' | 'day'; account: string; region: string; base: string; date: string } // date: YYYY, YYYY/MM or YYYY/MM/DD
  | { level: 'other' }; // inside AWSLogs/ but not CloudTrail log folders (digests, Insights, other services)

const ORG = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** A 12-digit AWS account id. */
export const isAccountId = (text: string): boolean => ACCOUNT.test(text);
/** A region name like `us-east-1`, `us-gov-west-1`, `ap-southeast-2`. */
export const isRegionName = (text: string): boolean => REGION.test(text);

/** The level of a folder prefix (ending in `/`, or `''`). */
export function trailLevel(prefix: string): TrailLevel {
  const segs = prefix.split('/');
  segs.pop(); // '' after the last '/'
  const at = segs.lastIndexOf('AWSLogs');
  if (at === -1) return { level: 'above' };
  const rest = segs.slice(at + 1);
  if (rest.length === 0) return { level: 'logs' };
  if (ORG.test(rest[0] as string)) {
    rest.shift();
    if (rest.length === 0) return { level: 'org' };
  }
  const [account, service, region, year, month, day, ...deeper] = rest as [string, ...string[]];
  if (!ACCOUNT.test(account)) return { level: 'other' };
  if (service === undefined) return { level: 'account', account };
  if (service !== 'CloudTrail') return { level: 'other' };
  if (region === undefined) return { level: 'service', account };
  if (!REGION.test(region)) return { level: 'other' };
  const base = `${segs.slice(0, segs.length - rest.length + 3).join('/')}/`; // …/ACCOUNT/CloudTrail/REGION/
  if (year === undefined) return { level: 'region', account, region, base };
  if (!/^\d{4}$/.test(year)) return { level: 'other' };
  if (month === undefined) return { level: 'year', account, region, base, date: year };
  if (!/^\d\d$/.test(month)) return { level: 'other' };
  if (day === undefined) return { level: 'month', account, region, base, date: `${year}/${month}` };
  if (!/^\d\d$/.test(day) || deeper.length > 0) return { level: 'other' };
  return { level: 'day', account, region, base, date: `${year}/${month}/${day}` };
}

export type PrefixPlan =
  | { list: 'children' } // list with Delimiter '/' and plan each child folder
  | { list: 'flat' } // list every key under it
  | { list: 'days'; prefixes: string[] } // list every key under each of these day folders
  | { list: 'skip'; reason: string };

const DAY_MS = 86_400_000;

/** `YYYY/MM/DD` of an epoch ms (UTC). */
function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/');
}

/** The UTC days a filter's delivery window covers (`YYYY/MM/DD`), oldest first; null when it has no lower bound. */
export function daysInRange(filter: TrailKeyFilter, now: number): string[] | null {
  if (filter.since === undefined) return null;
  const first = Date.UTC(new Date(filter.since).getUTCFullYear(), new Date(filter.since).getUTCMonth(), new Date(filter.since).getUTCDate());
  const last = (filter.until ?? now) + DELIVERY_SLACK_MS;
  const days: string[] = [];
  for (let d = first; d <= last; d += DAY_MS) days.push(dayOf(d));
  return days;
}

/** Whether a date folder (`YYYY`, `YYYY/MM` or `YYYY/MM/DD`) can hold files delivered in the filter's window. */
function dateInRange(date: string, filter: TrailKeyFilter): boolean {
  const lo = filter.since === undefined ? undefined : dayOf(filter.since);
  const hi = filter.until === undefined ? undefined : dayOf(filter.until + DELIVERY_SLACK_MS);
  // A folder covers [date, date + '\uffff'): compare on the folder's own precision.
  if (lo !== undefined && date < lo.slice(0, date.length)) return false;
  if (hi !== undefined && date > hi.slice(0, date.length)) return false;
  return true;
}

/**
 * How to find the log files under a folder prefix. `named`: the prefix the user gave (listed even
 * when its place in the layout is unknown). A prefix that does not end in `/` (and is not empty) is
 * a partial name: its children are listed.
 */
export function planPrefix(prefix: string, filter: TrailKeyFilter, now: number, named = false): PrefixPlan {
  if (prefix !== '' && !prefix.endsWith('/')) return { list: 'children' };
  const where = trailLevel(prefix);
  switch (where.level) {
    case 'above':
    case 'logs':
    case 'org':
      return { list: 'children' };
    case 'other':
      return named ? { list: 'flat' } : { list: 'skip', reason: 'not a CloudTrail log folder' };
    case 'account':
    case 'service':
      if (filter.accounts && !filter.accounts.has(where.account)) return { list: 'skip', reason: `account ${where.account} not in --accounts` };
      return { list: 'children' };
    default:
  }
  if (filter.accounts && !filter.accounts.has(where.account)) return { list: 'skip', reason: `account ${where.account} not in --accounts` };
  if (filter.regions && !filter.regions.has(where.region)) return { list: 'skip', reason: `region ${where.region} not in --regions` };
  if (where.level !== 'region' && !dateInRange(where.date, filter)) return { list: 'skip', reason: 'outside --since/--until' };
  if (where.level === 'day') return { list: 'flat' };
  const days = daysInRange(filter, now);
  if (days) {
    const inside = where.level === 'region' ? days : days.filter((d) => d.startsWith(`${where.date}/`));
    return { list: 'days', prefixes: inside.map((d) => `${where.base}${d}/`) };
  }
  return filter.until === undefined ? { list: 'flat' } : { list: 'children' };
}

/** A log file name's delivery minute (`…_20261120T0905Z_…`), epoch ms. */
export function deliveredAt(key: string): number | undefined {
  const m = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z[_.]/.exec(key.slice(key.lastIndexOf('/') + 1));
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi);
}

/** Whether an object listed under a planned prefix is a log file the filter keeps (by its folder and name). */
export function keepKey(key: string, filter: TrailKeyFilter): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (!LOG_FILE.test(name) || DIGEST.test(key)) return false;
  const where = trailLevel(key.slice(0, key.lastIndexOf('/') + 1));
  if (where.level !== 'above' && where.level !== 'other' && where.level !== 'logs' && where.level !== 'org') {
    if (filter.accounts && !filter.accounts.has(where.account)) return false;
    if (where.level !== 'account' && where.level !== 'service') {
      if (filter.regions && !filter.regions.has(where.region)) return false;
      if (where.level !== 'region' && !dateInRange(where.date, filter)) return false;
    }
  }
  const at = deliveredAt(key);
  if (at !== undefined) {
    // The name has the minute: a file written at 10:05:30 is named 10:05.
    if (filter.since !== undefined && at + 60_000 <= filter.since) return false;
    if (filter.until !== undefined && at > filter.until + DELIVERY_SLACK_MS) return false;
  }
  return true;
}

/** `s3://BUCKET[/PREFIX]` -> bucket and key prefix; null when `text` is not an s3:// URL at all. */
export function parseS3Url(text: string): { ok: true; bucket: string; prefix: string } | { ok: false; reason: string } | null {
  if (!/^s3:\/\//i.test(text)) return null;
  const rest = text.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return { ok: false, reason: `${text}: "${bucket}" is not an S3 bucket name (s3://BUCKET/PREFIX)` };
  return { ok: true, bucket, prefix };
}
