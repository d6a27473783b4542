/**
 * Signed mute links (pure apart from the injected key): a token says exactly what it mutes (rule,
 * optional principal), for how long, and until when the link itself works; it is signed with
 * HMAC-SHA256 so nobody can widen, lengthen or forge it. Verification compares signatures in
 * constant time and checks the link's expiry against the injected clock.
 *
 *   token = base64url(JSON payload) "." base64url(HMAC-SHA256(key, "rekwatch-mute-link.v1." + payload part))
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MuteLinkPayload {
  v: 1;
  /** Rule id. */
  r: string;
  /** Principal ARN to scope to, if any. */
  p?: string;
  /** Mute duration in ms. */
  d: number;
  /** Link expiry, epoch ms. */
  x: number;
  /** The alert the link came from (for the audit reason). */
  a: string;
}

export type VerifiedLink = { ok: true; payload: MuteLinkPayload } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

const CONTEXT = 'rekwatch-mute-link.v1.';

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(CONTEXT + body).digest('base64url');
}

export function signMuteLink(payload: MuteLinkPayload, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(key, body)}`;
}

export function verifyMuteLink(token: string, key: Buffer, now: number): VerifiedLink {
  const m = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(key, m[1]!));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  let payload: MuteLinkPayload;
  try {
    payload = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as MuteLinkPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (payload?.v !== 1 || typeof payload.r !== 'string' || typeof payload.d !== 'number' || typeof payload.x !== 'number' || typeof payload.a !== 'string' || (payload.p !== undefined && typeof payload.p !== 'string')) {
    return { ok: false, reason: 'malformed' };
  }
  if (now >= payload.x) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}

/** An HMAC over a value for a purpose (undo buttons, CSRF binding), base64url. */
export function tag(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`rekwatch.${purpose}.${value}`).digest('base64url');
}

export function tagMatches(key: Buffer, purpose: string, value: string, given: string): boolean {
  const expected = Buffer.from(tag(key, purpose, value));
  const g = Buffer.from(given);
  return expected.length === g.length && timingSafeEqual(expected, g);
}
