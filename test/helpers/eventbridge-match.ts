/**
 * A test oracle for EventBridge event patterns: the subset rekwatch emits (exact values, nested
 * objects, `$or`) plus `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `exists` and `numeric`.
 * Semantics as documented for EventBridge (and its open-source engine, Event Ruler):
 *   - every field named in the pattern must match (AND); a field matches when ANY of its listed
 *     values matches (OR);
 *   - when the event's value is an array, the field matches if any element matches (non-empty
 *     intersection); arrays of objects are "crushed": a nested pattern matches if it matches some
 *     element (unlike Ruler's rulesForJSONEvent, fields are not checked for coming from the same
 *     element; rekwatch never emits two fields under one array);
 *   - a field missing from the event matches only `{"exists": false}`, never an exact value or
 *     `anything-but`; `exists` looks at leaf values only (an object is not a leaf);
 *   - values are compared as JSON values: the string "true" is not the literal true;
 *   - `"$or": [p1, p2, ...]` (two or more objects) matches when any sub-pattern matches at that level.
 * Anything else in a pattern throws, so a test notices a construct the oracle does not model.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The leaf values of an event field: arrays are flattened, objects are not leaves. */
function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  return isObject(value) ? [] : [value];
}

/** Objects under a field, with arrays crushed out. */
function objects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objects);
  return isObject(value) ? [value] : [];
}

const isScalar = (v: unknown): v is string | number | boolean | null =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function numericMatches(spec: unknown, v: unknown): boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) throw new Error(`numeric: malformed ${JSON.stringify(spec)}`);
  if (typeof v !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof n !== 'number') throw new Error(`numeric: ${JSON.stringify(n)} is not a number`);
    const ok = op === '=' ? v === n : op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : op === '>=' ? v >= n : null;
    if (ok === null) throw new Error(`numeric: unknown operator ${JSON.stringify(op)}`);
    if (!ok) return false;
  }
  return true;
}

function stringTest(kind: string, arg: unknown): (s: string) => boolean {
  if (kind === 'prefix' && typeof arg === 'string') return (s) => s.startsWith(arg);
  if (kind === 'suffix' && typeof arg === 'string') return (s) => s.endsWith(arg);
  if (kind === 'equals-ignore-case' && typeof arg === 'string') return (s) => s.toLowerCase() === arg.toLowerCase();
  if ((kind === 'prefix' || kind === 'suffix') && isObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
    const a = (arg['equals-ignore-case'] as string).toLowerCase();
    return kind === 'prefix' ? (s) => s.toLowerCase().startsWith(a) : (s) => s.toLowerCase().endsWith(a);
  }
  throw new Error(`unsupported ${kind} matcher ${JSON.stringify(arg)}`);
}

/** Whether one matcher from a pattern's value list matches an event field (present or not). */
function matcherMatches(matcher: unknown, present: boolean, value: unknown): boolean {
  const vals = present ? leaves(value) : [];
  if (isScalar(matcher)) return vals.some((v) => v === matcher);
  if (!isObject(matcher)) throw new Error(`unsupported matcher ${JSON.stringify(matcher)}`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) throw new Error(`a matcher has exactly one key: ${JSON.stringify(matcher)}`);
  const kind = keys[0] as string;
  const arg = matcher[kind];
  switch (kind) {
    case 'exists':
      if (typeof arg !== 'boolean') throw new Error('exists takes true or false');
      return arg === vals.length > 0;
    case 'numeric':
      return vals.some((v) => numericMatches(arg, v));
    case 'anything-but': {
      if (isObject(arg)) {
        const [k] = Object.keys(arg);
        const test = stringTest(k as string, arg[k as string]);
        return vals.some((v) => typeof v === 'string' && !test(v));
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      if (!excluded.every((e) => typeof e === 'string' || typeof e === 'number')) throw new Error('anything-but takes strings or numbers');
      return vals.some((v) => (typeof v === 'string' || typeof v === 'number') && !excluded.includes(v));
    }
    default: {
      const test = stringTest(kind, arg);
      return vals.some((v) => typeof v === 'string' && test(v));
    }
  }
}

function matchObject(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  for (const [key, p] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(p) || p.length < 2 || !p.every(isObject)) throw new Error('"$or" takes an array of two or more sub-patterns');
      if (!p.some((sub) => matchObject(sub, event))) return false;
      continue;
    }
    const present = Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? event[key] : undefined;
    if (Array.isArray(p)) {
      if (p.length === 0) throw new Error(`"${key}": an empty value list matches nothing and EventBridge rejects it`);
      if (!p.some((m) => matcherMatches(m, present, value))) return false;
    } else if (isObject(p)) {
      // A missing or non-object field behaves as an empty object: only `exists: false` can match in it.
      const candidates = objects(value);
      if (!(candidates.length > 0 ? candidates : [{}]).some((o) => matchObject(p, o))) return false;
    } else {
      throw new Error(`"${key}": a pattern field is an array of matchers or a nested pattern, not ${JSON.stringify(p)}`);
    }
  }
  return true;
}

/** Whether an EventBridge event pattern matches an event. Throws on pattern syntax it does not model. */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error('a pattern is an object');
  return isObject(event) && matchObject(pattern, event);
}
