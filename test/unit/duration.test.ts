import { DURATION_PATTERN, formatDuration, parseDuration } from '../../functions/core/common/duration';

describe('parseDuration', () => {
  it('reads units and combinations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 2D ')).toBe(172_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
  });

  it('refuses zero unless allowed, and anything not a duration', () => {
    expect(parseDuration('0s')).toBeNull();
    expect(parseDuration('0s', { allowZero: true })).toBe(0);
    expect(parseDuration('0m0s', { allowZero: true })).toBe(0);
    for (const bad of ['', '15', 'm', '1.5h', '-1s', '1y']) {
      expect(parseDuration(bad)).toBeNull();
      expect(parseDuration(bad, { allowZero: true })).toBeNull();
    }
    expect(DURATION_PATTERN.test('1h30m')).toBe(true);
    expect(DURATION_PATTERN.test('1h 30m')).toBe(false);
  });

  it('writes what it reads, to two units', () => {
    expect(formatDuration(900_000)).toBe('15m');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});
