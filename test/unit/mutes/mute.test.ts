import { checkMuteInput, describeMute, findMute, muteCovers, type Mute } from '../../../functions/core/mutes/mute';
import { formatDuration, parseDuration } from '../../../functions/core/duration';
import { hostileAlert } from '../format/fixtures';
import type { Alert } from '../../../functions/core/types';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const RULES = new Set(['collection-deleted-without-mfa', 'root-user-activity']);
const alert: Alert = {
  ...hostileAlert(),
  ruleId: 'collection-deleted-without-mfa',
  principal: 'arn:aws:sts::111122223333:assumed-role/ci-deployer/build-42',
  sourceIp: '198.51.100.20',
  account: '111122223333',
  eventName: 'DeleteCollection',
};

function mute(over: Partial<Mute> = {}): Mute {
  return { id: 'm-1', ruleId: 'collection-deleted-without-mfa', scope: {}, reason: 'r', createdBy: 'me', createdAt: '2026-11-24T09:00:00Z', expiresAt: '2026-11-24T11:00:00Z', ...over };
}

describe('durations', () => {
  it.each([['90s', 90_000], ['15m', 900_000], ['4h', 14_400_000], ['2d', 172_800_000], ['1w', 604_800_000], ['1h30m', 5_400_000]])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '4', 'h', '-1h', '0h', '4 hours', '1.5h'])('refuses %p', (text) => expect(parseDuration(text)).toBeNull());
  it('formats time left', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90 * 3_600_000)).toBe('3d18h');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('checkMuteInput', () => {
  it('defaults to 24 h and records who, when and why', () => {
    const r = checkMuteInput({ ruleId: 'root-user-activity', reason: ' planned root login ', createdBy: 'alice' }, RULES, NOW);
    expect(r).toEqual({ ok: true, mute: { ruleId: 'root-user-activity', scope: {}, reason: 'planned root login', createdBy: 'alice', createdAt: '2026-11-24T10:00:00.000Z', expiresAt: '2026-11-25T10:00:00.000Z' } });
  });

  it('takes a scope and an end time', () => {
    const r = checkMuteInput({ ruleId: '*', scope: { principal: 'arn:aws:sts::*:assumed-role/ci-*', ip: '10.0.0.0/8', account: '111122223333', eventName: 'DeleteFaces' }, reason: 'x', createdBy: 'a', until: '2026-11-24T18:00:00Z' }, RULES, NOW);
    expect(r.ok && r.mute.expiresAt).toBe('2026-11-24T18:00:00.000Z');
    expect(r.ok && r.mute.scope).toEqual({ principal: 'arn:aws:sts::*:assumed-role/ci-*', ip: '10.0.0.0/8', account: '111122223333', eventName: 'DeleteFaces' });
  });

  it('reports every problem: unknown rule, bad CIDR, bad account, past expiry, missing reason', () => {
    const r = checkMuteInput({ ruleId: 'no-such-rule', scope: { ip: '10.0.0.0/33', account: '1234' }, createdBy: 'a', until: '2026-11-23T00:00:00Z' }, RULES, NOW);
    expect(r).toEqual({
      ok: false,
      problems: [
        'rule: unknown rule id "no-such-rule"',
        'reason: required (say why, for whoever reads the audit log)',
        'ip: "10.0.0.0/33" is neither an IP address nor a CIDR',
        'account: "1234" is not a 12-digit AWS account id',
        'expiry: is in the past',
      ],
    });
  });

  it('never silences forever: longer than the maximum is refused', () => {
    const r = checkMuteInput({ ruleId: '*', reason: 'x', createdBy: 'a', forMs: 31 * 86_400_000 }, RULES, NOW);
    expect(r).toEqual({ ok: false, problems: ['expiry: at most 30d from now (the maximum; mutes.maxDuration in the deployment config sets it)'] });
    for (const bad of ['tomorrow', '2026-11-24T18:00:00', '2026-02-30T10:00:00Z', '2026-11-24T25:00:00Z']) {
      expect(checkMuteInput({ ruleId: '*', reason: 'x', createdBy: 'a', until: bad }, RULES, NOW)).toMatchObject({ ok: false, problems: [expect.stringContaining(`until: "${bad}" is not an ISO 8601 time with a time zone`)] });
    }
    expect(checkMuteInput({ ruleId: '*', reason: 'x', createdBy: 'a', until: '2026-11-24T19:00:00+01:00' }, RULES, NOW)).toMatchObject({ ok: true, mute: { expiresAt: '2026-11-24T18:00:00.000Z' } });
  });
});

describe('muteCovers', () => {
  it('matches rule, principal glob, IP or CIDR, account and eventName; all given fields must match', () => {
    expect(muteCovers(mute(), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ ruleId: '*' }), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ ruleId: 'root-user-activity' }), alert, NOW)).toBe(false);
    expect(muteCovers(mute({ scope: { principal: 'arn:aws:sts::111122223333:assumed-role/ci-*' } }), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ scope: { principal: 'arn:aws:sts::111122223333:assumed-role/admin*' } }), alert, NOW)).toBe(false);
    expect(muteCovers(mute({ scope: { ip: '198.51.100.0/24' } }), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ scope: { ip: '198.51.100.20' } }), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ scope: { ip: '198.51.100.21' } }), alert, NOW)).toBe(false);
    expect(muteCovers(mute({ scope: { ip: '10.0.0.0/8' } }), { ...alert, sourceIp: 'AWS Internal' }, NOW)).toBe(false);
    expect(muteCovers(mute({ scope: { account: '111122223333', eventName: 'DeleteCollection' } }), alert, NOW)).toBe(true);
    expect(muteCovers(mute({ scope: { account: '111122223333', eventName: 'DeleteFaces' } }), alert, NOW)).toBe(false);
  });

  it('an expired or removed mute covers nothing; one from a machine whose clock runs ahead applies at once', () => {
    expect(muteCovers(mute(), alert, Date.parse('2026-11-24T11:00:00Z'))).toBe(false);
    expect(muteCovers(mute(), alert, Date.parse('2026-11-24T08:59:59Z'))).toBe(true);
    expect(muteCovers(mute({ removedAt: '2026-11-24T09:30:00Z', removedBy: 'bob' }), alert, NOW)).toBe(false);
  });

  it('findMute returns the first covering mute; describeMute names exactly what is muted', () => {
    const a = mute({ id: 'm-a', scope: { principal: 'nobody' } });
    const b = mute({ id: 'm-b' });
    expect(findMute([a, b], alert, NOW)?.id).toBe('m-b');
    expect(describeMute(mute({ scope: { principal: 'arn:x', ip: '10.0.0.0/8' } }))).toBe('rule collection-deleted-without-mfa for principal arn:x from 10.0.0.0/8');
    expect(describeMute(mute({ ruleId: '*' }))).toBe('every rule');
  });
});
