import { checkMuteInput, checkStoredMute, describeMute, findMute, muteCovers, type Mute } from '../../../functions/core/suppress/mute';
import { formatDuration, parseDuration } from '../../../functions/core/common/duration';
import { hostileAlert } from '../format/fixtures';
import type { Alert } from '../../../functions/core/common/types';

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

describe('checkMuteInput limits (each one pinned)', () => {
  const ok = { ruleId: '*', reason: 'x', createdBy: 'a' };
  const problems = (over: Record<string, unknown>) => {
    const r = checkMuteInput({ ...ok, ...over } as Parameters<typeof checkMuteInput>[0], RULES, NOW);
    return r.ok ? [] : r.problems;
  };

  it('a reason of at most 500 characters and 1,000 bytes of UTF-8', () => {
    expect(problems({ reason: 'x'.repeat(500) })).toEqual([]);
    expect(problems({ reason: 'x'.repeat(501) })).toEqual(['reason: at most 500 characters and 1,000 bytes (UTF-8)']);
    expect(problems({ reason: 'é'.repeat(500) })).toEqual([]); // 1,000 bytes
    expect(problems({ reason: '漢'.repeat(400) })).toEqual(['reason: at most 500 characters and 1,000 bytes (UTF-8)']); // 1,200 bytes
  });

  it('a reason is one line: control characters and line breaks become single spaces', () => {
    const r = checkMuteInput({ ...ok, reason: 'planned\r\n\u001b[2Jwork\u0000\u0000done' }, RULES, NOW);
    expect(r.ok && r.mute.reason).toBe('planned [2Jwork done');
  });

  it('a name (createdBy) is required, one line and at most 400 bytes', () => {
    expect(problems({ createdBy: '   ' })).toEqual(['createdBy: required']);
    expect(problems({ createdBy: 'a'.repeat(400) })).toEqual([]);
    expect(problems({ createdBy: 'a'.repeat(401) })).toEqual(['createdBy: at most 400 bytes (UTF-8)']);
    const r = checkMuteInput({ ...ok, createdBy: 'eve\u001b[2J\nALL CLEAR' }, RULES, NOW);
    expect(r.ok && r.mute.createdBy).toBe('eve [2J ALL CLEAR');
  });

  it('a principal of at most 2,048 bytes', () => {
    expect(problems({ scope: { principal: `arn:aws:iam::111122223333:user/${'a'.repeat(2048 - 31)}` } })).toEqual([]);
    expect(problems({ scope: { principal: `arn:aws:iam::111122223333:user/${'a'.repeat(2049 - 31)}` } })).toEqual(['principal: at most 2,048 bytes (UTF-8)']);
  });

  it('an eventName is letters and digits only, at most 128', () => {
    expect(problems({ scope: { eventName: 'DeleteFaces' } })).toEqual([]);
    for (const bad of ['Delete Faces', 'Delete-Faces', 'Delete*', 'x'.repeat(129)]) expect(problems({ scope: { eventName: bad } })).toEqual([`eventName: "${bad}" is not a CloudTrail eventName`]);
  });

  it('a duration or an end time, not both', () => {
    expect(problems({ forMs: 3_600_000, until: '2026-11-24T18:00:00Z' })).toEqual(['expiry: give a duration or an end time, not both']);
  });

  it('a duration must be positive', () => {
    expect(problems({ forMs: 0 })).toEqual(['for: must be a positive duration', 'expiry: is in the past']);
  });

  it('exactly the maximum is allowed, a millisecond more is not', () => {
    expect(problems({ forMs: 30 * 86_400_000 })).toEqual([]);
    expect(problems({ forMs: 30 * 86_400_000 + 1 })).toEqual(['expiry: at most 30d from now (the maximum; mutes.maxDuration in the deployment config sets it)']);
    expect(problems({ until: new Date(NOW + 30 * 86_400_000).toISOString() })).toEqual([]);
    expect(checkMuteInput({ ...ok, forMs: 8 * 3_600_000 + 1 }, RULES, NOW, { defaultMs: 3_600_000, maxMs: 8 * 3_600_000 })).toMatchObject({ ok: false, problems: [expect.stringContaining('at most 8h')] });
  });
});

describe('mutes read back from the store (checkStoredMute)', () => {
  it('accepts what checkMuteInput produced', () => {
    const made = checkMuteInput({ ruleId: '*', scope: { principal: 'arn:aws:sts::*:assumed-role/ci-*', ip: '10.0.0.0/8', account: '111122223333', eventName: 'DeleteFaces' }, reason: 'x', createdBy: 'a' }, RULES, NOW);
    if (!made.ok) throw new Error('setup');
    const m = { id: 'm-abcdefghij', ...made.mute };
    expect(checkStoredMute(m)).toEqual({ ok: true, mute: m });
    expect(checkStoredMute({ ...m, removedAt: '2026-11-24T10:30:00.000Z', removedBy: 'bob' }).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['an invalid CIDR', { scope: { ip: '10.0.0.0/33' } }, 'scope.ip: "10.0.0.0/33" is neither an IP address nor a CIDR'],
    ['a scope field it does not know (it would be ignored, widening the mute)', { scope: { userAgent: 'x' } }, 'scope.userAgent: not a mute scope field'],
    ['an empty principal', { scope: { principal: '' } }, 'scope.principal: must be a non-empty string'],
    ['a bad account', { scope: { account: 111122223333 } }, 'scope.account: not a 12-digit AWS account id'],
    ['a bad eventName', { scope: { eventName: 'Delete Faces' } }, 'scope.eventName: not a CloudTrail eventName'],
    ['no scope', { scope: null }, 'scope: must be an object'],
    ['no rule', { ruleId: '' }, 'ruleId: must be a non-empty string'],
    ['a bad id', { id: 'x' }, 'id: not a mute id'],
    ['an unreadable expiry', { expiresAt: 'soon' }, 'expiresAt: not a time'],
    ['a non-string reason', { reason: 5 }, 'reason: must be a string'],
  ])('refuses %s', (_, over, problem) => {
    expect(checkStoredMute({ ...mute({ id: 'm-abcdefghij' }), ...(over as object) })).toEqual({ ok: false, problem });
  });

  it('refuses what is not an object at all', () => {
    expect(checkStoredMute(null)).toEqual({ ok: false, problem: 'not an object' });
    expect(checkStoredMute('m-1')).toEqual({ ok: false, problem: 'not an object' });
  });
});

describe('a mute with an invalid CIDR (read back from a store) matches nothing', () => {
  it.each(['garbage', '10.0.0.0/33', '', '198.51.100.20 '])('%p', (ip) => {
    expect(muteCovers(mute({ scope: { ip } }), alert, NOW)).toBe(false);
    expect(muteCovers(mute({ scope: { ip } }), { ...alert, sourceIp: '10.1.2.3' }, NOW)).toBe(false);
  });
  it('nor does one whose scope is missing', () => {
    expect(muteCovers(mute({ scope: null as unknown as Mute['scope'] }), alert, NOW)).toBe(false);
  });
});
