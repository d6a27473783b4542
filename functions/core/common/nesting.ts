/**
 * How deeply a JSON value nests, found without recursion (a record nested 100,000 levels deep parses
 * fine but overflows the stack of every recursive walk after it: JSON.stringify, excerpts, JSONPath).
 * Readers reject values deeper than {@link MAX_NESTING} as malformed before anything else sees them.
 */

/** Deepest nesting a record may have (CloudTrail records nest a few levels; this leaves room and stack). */
export const MAX_NESTING = 512;

/**
 * A cheap test on the JSON text: false when the text has at most `limit` opening brackets, so the
 * value it parses to cannot nest deeper than `limit` (the parsed value need not be walked).
 */
export function mayNestDeeperThan(text: string, limit: number): boolean {
  let n = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) if (++n > limit) return true;
  }
  return false;
}

/**
 * True when `value` has objects or arrays nested more than `limit` deep (`{}` is depth 1). Recursive
 * but bounded: it never goes more than `limit + 1` calls deep, whatever the value (no allocation per
 * node, which matters on the replay path, where every record of a large file is checked).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  return typeof value === 'object' && value !== null && deeper(value, limit);
}

/** True when the object or array `v` spans more than `budget` levels itself included. */
function deeper(v: object, budget: number): boolean {
  if (budget < 1) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (typeof c === 'object' && c !== null && deeper(c, budget - 1)) return true;
    }
    return false;
  }
  for (const c of Object.values(v)) {
    if (typeof c === 'object' && c !== null && deeper(c, budget - 1)) return true;
  }
  return false;
}
