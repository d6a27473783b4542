import { createHmac, randomBytes } from 'node:crypto';
import { muteLinks, withMuteLinks } from '../../functions/core/suppress/mute-links/links';
import { signMuteLink, tag, tagMatches, verifyMuteLink, type MuteLinkPayload } from '../../functions/core/suppress/mute-links/token';
import { formatChatbot } from '../../functions/core/format/chatbot';
import { formatEmail } from '../../functions/core/format/email';
import { formatSlack } from '../../functions/core/format/slack';
import { slackLimitProblems } from '../../functions/core/format/slack-limits';
import { hostileAlert, oversizedAlert } from './format/fixtures';

const KEY = randomBytes(32);
const NOW = Date.parse('2026-11-24T10:00:00Z');
const payload: MuteLinkPayload = { v: 1, r: 'root-user-activity', p: 'arn:aws:iam::111122223333:root', d: 86_400_000, x: NOW + 1000, a: 'root-user-activity:e1' };

describe('signed mute links', () => {
  it('round-trips, and refuses tampered, forged, malformed and expired tokens', () => {
    const token = signMuteLink(payload, KEY);
    expect(verifyMuteLink(token, KEY, NOW)).toEqual({ ok: true, payload });
    const [body, sig] = token.split('.') as [string, string];
    const widened = Buffer.from(JSON.stringify({ ...payload, d: 30 * 86_400_000 })).toString('base64url');
    expect(verifyMuteLink(`${widened}.${sig}`, KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyMuteLink(signMuteLink(payload, randomBytes(32)), KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    // Another last character, whatever the signature ends with (replacing it with a fixed one left it unchanged 1 run in 16: the last character carries only 4 bits).
    const other = sig.endsWith('A') ? 'B' : 'A';
    expect(verifyMuteLink(`${body}.${sig.slice(0, -1)}${other}`, KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyMuteLink('nonsense', KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyMuteLink(token, KEY, NOW + 1000)).toEqual({ ok: false, reason: 'expired' });
    const odd = signMuteLink({ ...payload, d: 'x' } as unknown as MuteLinkPayload, KEY);
    expect(verifyMuteLink(odd, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  /** Signs any body exactly as signMuteLink does, so the checks after the signature are reached. */
  const signedBody = (json: string) => {
    const body = Buffer.from(json).toString('base64url');
    return `${body}.${createHmac('sha256', KEY).update(`rekwatch-mute-link.v1.${body}`).digest('base64url')}`;
  };

  it('refuses a validly signed body that is not JSON, or not an object', () => {
    for (const json of ['not json', '{"v":1,', '', 'null', '"x"', '[1]']) expect(verifyMuteLink(signedBody(json), KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyMuteLink(signedBody(JSON.stringify(payload)), KEY, NOW)).toEqual({ ok: true, payload }); // (the helper signs as the real signer does)
  });

  it('refuses another version, and a wrong type in every field', () => {
    const bad = (over: Record<string, unknown>) => verifyMuteLink(signMuteLink({ ...payload, ...over } as unknown as MuteLinkPayload, KEY), KEY, NOW);
    for (const over of [{ v: 2 }, { v: '1' }, { r: 5 }, { r: undefined }, { p: 5 }, { p: null }, { d: '1' }, { x: String(NOW + 1000) }, { x: undefined }, { a: 1 }, { a: undefined }]) {
      expect([over, bad(over)]).toEqual([over, { ok: false, reason: 'malformed' }]);
    }
    expect(bad({ p: undefined }).ok).toBe(true); // no principal: a rule-wide link
  });

  it('accepts only the whole token: nothing before it, nothing after it', () => {
    const token = signMuteLink(payload, KEY);
    for (const t of [`!${token}`, `x.${token}`, `${token}!`, `${token}A`, `${token}.x`, ` ${token}`, `${token}\n`]) expect(verifyMuteLink(t, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('tags bind a value to a purpose', () => {
    const t = tag(KEY, 'undo', 'm-1');
    expect(tagMatches(KEY, 'undo', 'm-1', t)).toBe(true);
    expect(tagMatches(KEY, 'undo', 'm-2', t)).toBe(false);
    expect(tagMatches(KEY, 'csrf', 'm-1', t)).toBe(false);
    expect(tagMatches(KEY, 'undo', 'm-1', 'short')).toBe(false);
  });

  it('an alert carries rule 1 h, rule 24 h and principal 24 h links that name exactly that', () => {
    const alert = hostileAlert();
    const links = muteLinks(alert, { baseUrl: 'https://abc.lambda-url.us-east-1.on.aws', key: KEY }, NOW);
    expect(links.map((l) => l.label)).toEqual(['Mute this rule 1 h', 'Mute this rule 24 h', 'Mute for this principal 24 h']);
    const decoded = links.map((l) => {
      const v = verifyMuteLink(new URL(l.url).searchParams.get('t')!, KEY, NOW);
      return v.ok ? v.payload : null;
    });
    expect(decoded).toEqual([
      { v: 1, r: alert.ruleId, d: 3_600_000, x: NOW + 7 * 86_400_000, a: alert.id },
      { v: 1, r: alert.ruleId, d: 86_400_000, x: NOW + 7 * 86_400_000, a: alert.id },
      { v: 1, r: alert.ruleId, p: alert.principal, d: 86_400_000, x: NOW + 7 * 86_400_000, a: alert.id },
    ]);
    expect(links[0]!.url.startsWith('https://abc.lambda-url.us-east-1.on.aws/mute?t=')).toBe(true);
  });

  it('every channel shows the links, within its limits, even for oversized alerts', () => {
    for (const base of [hostileAlert(), oversizedAlert()]) {
      const alert = withMuteLinks(base, { baseUrl: 'http://127.0.0.1:8787/', key: KEY }, NOW);
      const mail = formatEmail(alert);
      for (const l of alert.muteLinks!) {
        expect(mail.text).toContain(`${l.label}: ${l.url}`);
        expect(mail.html).toContain(`href="${l.url}"`);
      }
      const slack = formatSlack(alert);
      expect(slackLimitProblems(slack)).toEqual([]);
      const buttons = (slack.blocks as Array<{ type: string; elements?: Array<{ url?: string; action_id?: string }> }>).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
      expect(buttons.filter((b) => b.action_id?.startsWith('rekwatch-mute-')).map((b) => b.url)).toEqual(alert.muteLinks!.map((l) => l.url));
      expect(JSON.stringify(formatChatbot(alert))).toContain('Mute this rule 24 h');
    }
  });

  it('shows no link that is not a plain http(s) URL', () => {
    const alert = { ...hostileAlert(), muteLinks: [{ label: 'zzjs', url: 'javascript:alert(1)' }, { label: 'zzcreds', url: 'https://u:p@x.example/' }] };
    expect(formatEmail(alert).text).not.toContain('zz');
    expect(JSON.stringify(formatSlack(alert))).not.toContain('rekwatch-mute-');
    expect(JSON.stringify(formatChatbot(alert))).not.toContain('zz');
  });
});
