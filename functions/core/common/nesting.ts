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

/** True when `value` has objects or arrays nested more than `limit` deep (`{}` is depth 1). Iterative. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1 });
    }
  }
  return false;
}
