/** `90s`, `15m`, `4h`, `2d`, `1w` (or combinations like `1h30m`) -> milliseconds; null when invalid. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The written form of a duration (rule files' schema uses the same pattern). */
export const DURATION_PATTERN = /^(\d+[smhdw])+$/;

/** `allowZero`: `0s` is 0 (e.g. the spacing of calls made in the same second) instead of invalid. */
export function parseDuration(text: string, options: { allowZero?: boolean } = {}): number | null {
  const s = text.trim().toLowerCase();
  if (!DURATION_PATTERN.test(s)) return null;
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNIT_MS[unit!]!;
  return (total > 0 || (total === 0 && options.allowZero === true)) && Number.isSafeInteger(total) ? total : null;
}

/** 5400000 -> `1h30m`; for "time left" columns. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join('') || '0s';
}

/**
 * A point in time given on the command line: an ISO 8601 time (`2026-11-20`, `2026-11-20T09:00Z`) or a
 * duration back from `now` (`6h`, `7d`, `1h30m`). `option` names the flag in the reason.
 */
export function parseTimeArg(text: string, now: number, option = '--since'): { ok: true; at: number } | { ok: false; reason: string } {
  const back = parseDuration(text);
  if (back !== null) return { ok: true, at: now - back };
  const at = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return { ok: false, reason: `${option} "${text}": not an ISO 8601 time (2026-11-20T09:00Z) or a duration back from now (6h, 2d)` };
  return { ok: true, at };
}
