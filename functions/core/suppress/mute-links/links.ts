/**
 * The mute links an alert carries (pure): "mute this rule 1 h", "mute this rule 24 h", "mute for this
 * principal 24 h", each a signed link to the confirmation page. Links stop working after 7 days.
 */
import type { Alert } from '../../common/types';
import { signMuteLink } from './token';

export const LINK_LIFETIME_MS = 7 * 86_400_000;

export interface MuteLink {
  label: string;
  url: string;
}

export interface LinkSigner {
  /** Base URL of the mute page (`https://xyz.lambda-url.us-east-1.on.aws/` or `http://127.0.0.1:8787/`). */
  baseUrl: string;
  key: Buffer;
}

export function muteLinks(alert: Alert, signer: LinkSigner, now: number): MuteLink[] {
  const x = now + LINK_LIFETIME_MS;
  const base = signer.baseUrl.endsWith('/') ? signer.baseUrl : `${signer.baseUrl}/`;
  const link = (label: string, d: number, p?: string): MuteLink => ({
    label,
    url: `${base}mute?t=${signMuteLink({ v: 1, r: alert.ruleId, ...(p ? { p } : {}), d, x, a: alert.id }, signer.key)}`,
  });
  const out = [link('Mute this rule 1 h', 3_600_000), link('Mute this rule 24 h', 86_400_000)];
  // (A principal too long for a link, beyond any real ARN, gets no principal link.)
  // (Nor one with glob characters: mute scopes treat `*` and `?` as wildcards; ARNs never contain them.)
  if (alert.principal && !alert.principal.endsWith(' principal') && alert.principal.length <= 512 && !/[*?]/.test(alert.principal)) out.push(link('Mute for this principal 24 h', 86_400_000, alert.principal));
  return out;
}

/** The alert with its mute links attached (what the formatters render). */
export function withMuteLinks(alert: Alert, signer: LinkSigner | undefined, now: number): Alert {
  return signer ? { ...alert, muteLinks: muteLinks(alert, signer, now) } : alert;
}
