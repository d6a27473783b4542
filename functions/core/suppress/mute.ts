/**
 * Mutes (pure): "do not deliver alerts of this rule, matching this scope, until then, because ...".
 * A mute never deletes anything: a covered alert is still evaluated, counted and logged as suppressed
 * with the mute's id. Expiry is part of every check (`now` is injected), so an expired mute is inert
 * whether or not storage has cleaned it up.
 */
import { formatDuration } from '../common/duration';
import { compileGlob } from '../match/glob';
import { didYouMean } from '../common/did-you-mean';
import { ipInRange, parseCidr, parseIp } from '../match/ip';
import { oneLine } from '../common/text';
import type { Alert } from '../common/types';

export interface MuteScope {
  /** Principal ARN, or a glob over it (`arn:aws:sts::111122223333:assumed-role/ci-*`). */
  principal?: string;
  /** Source IP or CIDR. */
  ip?: string;
  /** 12-digit account id. */
  account?: string;
  /** CloudTrail eventName. */
  eventName?: string;
}

export interface Mute {
  id: string;
  /** A rule id, or `*` for every rule. */
  ruleId: string;
  scope: MuteScope;
  reason: string;
  createdBy: string;
  /** ISO 8601. */
  createdAt: string;
  expiresAt: string;
  /** Set when someone ended the mute before it expired. */
  removedAt?: string;
  removedBy?: string;
}

export interface MuteInput {
  ruleId: string;
  scope?: MuteScope;
  reason?: string;
  createdBy: string;
  /** Exactly one of `forMs` and `until`; neither means the default duration. */
  forMs?: number;
  until?: string;
}

export interface MutePolicy {
  /** Default 24 h. */
  defaultMs: number;
  /** Longest allowed mute; default 30 days. Nothing is silenced forever by accident. */
  maxMs: number;
}

export const DEFAULT_MUTE_POLICY: MutePolicy = { defaultMs: 24 * 3_600_000, maxMs: 30 * 24 * 3_600_000 };

export type MuteCheck = { ok: true; mute: Omit<Mute, 'id'> } | { ok: false; problems: string[] };

/**
 * Size limits, in UTF-8 bytes where it matters: every live mute is part of one DynamoDB item (400 KB),
 * so what one mute may hold is bounded by what it costs there, not only by how it looks.
 */
export const MUTE_LIMITS = { reasonChars: 500, reasonBytes: 1000, createdByBytes: 400, principalBytes: 2048, eventNameChars: 128 } as const;

const EVENT_NAME = new RegExp(`^[A-Za-z0-9]{1,${MUTE_LIMITS.eventNameChars}}$`);
const MUTE_ID = /^m-[a-z0-9]{1,40}$/;

export function utf8Bytes(value: string): number {
  return new TextEncoder().encode(value).length;
}

/** Validates a request to mute; returns the mute to store (without its id) or every problem found. */
export function checkMuteInput(input: MuteInput, knownRuleIds: ReadonlySet<string>, now: number, policy: MutePolicy = DEFAULT_MUTE_POLICY): MuteCheck {
  const problems: string[] = [];
  const scope: MuteScope = {};
  if (input.ruleId !== '*' && !knownRuleIds.has(input.ruleId)) problems.push(`rule: unknown rule id "${input.ruleId}"${didYouMean(input.ruleId, [...knownRuleIds])}`);
  // One line: control characters (terminal escapes, CR overwrites) and line breaks become spaces.
  const reason = oneLine(input.reason ?? '');
  if (!reason) problems.push('reason: required (say why, for whoever reads the audit log)');
  else if (reason.length > MUTE_LIMITS.reasonChars || utf8Bytes(reason) > MUTE_LIMITS.reasonBytes) problems.push('reason: at most 500 characters and 1,000 bytes (UTF-8)');
  const s = input.scope ?? {};
  if (s.principal !== undefined) {
    if (!s.principal.trim()) problems.push('principal: empty');
    else if (utf8Bytes(s.principal.trim()) > MUTE_LIMITS.principalBytes) problems.push('principal: at most 2,048 bytes (UTF-8)');
    else scope.principal = s.principal.trim();
  }
  if (s.ip !== undefined) {
    const v = s.ip.trim();
    if (parseCidr(v) === null) problems.push(`ip: "${s.ip}" is neither an IP address nor a CIDR`);
    else scope.ip = v;
  }
  if (s.account !== undefined) {
    if (!/^\d{12}$/.test(s.account.trim())) problems.push(`account: "${s.account}" is not a 12-digit AWS account id`);
    else scope.account = s.account.trim();
  }
  if (s.eventName !== undefined) {
    if (!EVENT_NAME.test(s.eventName.trim())) problems.push(`eventName: "${s.eventName}" is not a CloudTrail eventName`);
    else scope.eventName = s.eventName.trim();
  }
  if (input.forMs !== undefined && input.until !== undefined) problems.push('expiry: give a duration or an end time, not both');
  let expires = now + (input.forMs ?? policy.defaultMs);
  if (input.until !== undefined) {
    const t = parseUntil(input.until);
    if (t === null) problems.push(`until: "${input.until}" is not an ISO 8601 time with a time zone (2026-11-24T18:00:00Z or 2026-11-24T19:00:00+01:00)`);
    else expires = t;
  }
  if (input.forMs !== undefined && !(input.forMs > 0)) problems.push('for: must be a positive duration');
  if (expires <= now) problems.push('expiry: is in the past');
  else if (expires - now > policy.maxMs) problems.push(`expiry: at most ${formatDuration(policy.maxMs)} from now (the maximum; mutes.maxDuration in the deployment config sets it)`);
  const createdBy = oneLine(input.createdBy);
  if (!createdBy) problems.push('createdBy: required');
  else if (utf8Bytes(createdBy) > MUTE_LIMITS.createdByBytes) problems.push('createdBy: at most 400 bytes (UTF-8)');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    mute: { ruleId: input.ruleId, scope, reason, createdBy, createdAt: new Date(now).toISOString(), expiresAt: new Date(expires).toISOString() },
  };
}

/**
 * An ISO 8601 time with an explicit zone (`Z` or `±hh:mm`), as ms; null otherwise, and for impossible
 * dates (2026-02-30) that Date would roll over. A zone-less time would depend on the machine's zone.
 */
export function parseUntil(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec] = m.map(Number) as number[];
  const probe = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, sec ?? 0));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo! - 1 || probe.getUTCDate() !== d || h! > 23 || mi! > 59 || (sec ?? 0) > 59) return null;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? null : t;
}

export type StoredMuteCheck = { ok: true; mute: Mute } | { ok: false; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * Checks a mute read back from storage, which anyone with write access to it could have written: the
 * shape, and every scope field as checkMuteInput would. A scope field this code does not know is
 * refused, not ignored (ignoring it would make the mute cover more than it says). Never throws.
 */
export function checkStoredMute(value: unknown): StoredMuteCheck {
  if (!isObject(value)) return { ok: false, problem: 'not an object' };
  const bad = (problem: string): StoredMuteCheck => ({ ok: false, problem });
  if (typeof value.id !== 'string' || !MUTE_ID.test(value.id)) return bad('id: not a mute id');
  if (typeof value.ruleId !== 'string' || value.ruleId === '') return bad('ruleId: must be a non-empty string');
  if (!isObject(value.scope)) return bad('scope: must be an object');
  for (const [k, v] of Object.entries(value.scope)) {
    if (k === 'principal') {
      if (typeof v !== 'string' || v === '') return bad('scope.principal: must be a non-empty string');
    } else if (k === 'ip') {
      if (parseCidr(v) === null) return bad(`scope.ip: ${JSON.stringify(v)} is neither an IP address nor a CIDR`);
    } else if (k === 'account') {
      if (typeof v !== 'string' || !/^\d{12}$/.test(v)) return bad('scope.account: not a 12-digit AWS account id');
    } else if (k === 'eventName') {
      if (typeof v !== 'string' || !EVENT_NAME.test(v)) return bad('scope.eventName: not a CloudTrail eventName');
    } else {
      return bad(`scope.${k}: not a mute scope field`);
    }
  }
  for (const k of ['reason', 'createdBy'] as const) if (typeof value[k] !== 'string') return bad(`${k}: must be a string`);
  for (const k of ['createdAt', 'expiresAt'] as const) if (!isTime(value[k])) return bad(`${k}: not a time`);
  if (value.removedAt !== undefined && !isTime(value.removedAt)) return bad('removedAt: not a time');
  if (value.removedBy !== undefined && typeof value.removedBy !== 'string') return bad('removedBy: must be a string');
  return { ok: true, mute: value as unknown as Mute };
}

/** Whether two records describe the same mute (same id, rule, scope, reason, author and times). */
export function sameMute(a: Mute, b: Mute): boolean {
  const key = (m: Mute) => JSON.stringify([m.id, m.ruleId, Object.entries(m.scope).sort(([x], [y]) => x.localeCompare(y)), m.reason, m.createdBy, m.createdAt, m.expiresAt, m.removedAt ?? null]);
  return key(a) === key(b);
}

export function isLive(mute: Mute, now: number): boolean {
  // Not "createdAt <= now": a mute made on a machine whose clock runs ahead must still apply.
  return mute.removedAt === undefined && now < Date.parse(mute.expiresAt);
}

/** Whether this mute covers this alert at `now` (live, same rule or `*`, every scope field matches). */
export function muteCovers(mute: Mute, alert: Alert, now: number): boolean {
  if (!isLive(mute, now)) return false;
  if (mute.ruleId !== '*' && mute.ruleId !== alert.ruleId) return false;
  if (typeof mute.scope !== 'object' || mute.scope === null) return false; // no scope is not "everything"
  const { principal, ip, account, eventName } = mute.scope;
  if (principal !== undefined && !compileGlob(principal)(alert.principal)) return false;
  if (account !== undefined && alert.account !== account) return false;
  if (eventName !== undefined && alert.eventName !== eventName) return false;
  if (ip !== undefined) {
    const addr = parseIp(alert.sourceIp);
    if (!addr) return false;
    // A bare address is a single-host range; an invalid one (from a store) covers nothing, never everything.
    const cidr = parseCidr(ip);
    if (!cidr || !ipInRange(addr, cidr)) return false;
  }
  return true;
}

/** The first live mute covering the alert, if any (the oldest first, so the count goes to one mute). */
export function findMute(mutes: readonly Mute[], alert: Alert, now: number): Mute | undefined {
  return mutes.find((m) => muteCovers(m, alert, now));
}

/** One line naming exactly what a mute silences: `rule X for principal Y from IP Z`. */
export function describeMute(m: Pick<Mute, 'ruleId' | 'scope'>): string {
  const parts = [m.ruleId === '*' ? 'every rule' : `rule ${m.ruleId}`];
  if (m.scope.principal) parts.push(`for principal ${m.scope.principal}`);
  if (m.scope.ip) parts.push(`from ${m.scope.ip}`);
  if (m.scope.account) parts.push(`in account ${m.scope.account}`);
  if (m.scope.eventName) parts.push(`on ${m.scope.eventName}`);
  return parts.join(' ');
}
