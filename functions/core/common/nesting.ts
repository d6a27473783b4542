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
 * True when `value` (a parsed JSON value) has objects or arrays nested more than `limit` deep (`{}`
 * is depth 1). Iterative, with two plain stacks (values and their depths), so nothing is allocated
 * per node: on the replay path every record of a large file is checked.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const k in v) {
        const c: unknown = (v as Record<string, unknown>)[k];
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
