/**
 * A bounded copy of a JSON value for alerts: the value itself when its JSON fits the budget and it
 * nests at most MAX_WHOLE_DEPTH levels, otherwise a copy with long strings cut, long arrays
 * shortened and deep nesting elided, shrinking the limits until it fits. Alerts travel through SNS
 * (256 KiB), email and Slack, so they stay small. Never recurses deeper than the limits, so a
 * record nested 100,000 levels deep gets an excerpt like any other (`JSON.stringify` of it would
 * overflow the stack).
 */
import { cutString, jsonExtent, stringifyJson } from '../common/json-bytes';

export interface Excerpt {
  value: unknown;
  truncated: boolean;
}

/**
 * Deepest value kept whole: CloudTrail records nest about a dozen levels, and every channel
 * serialises the alert again with JSON.stringify (PutEvents also refuses JSON over 1,000 levels).
 */
export const MAX_WHOLE_DEPTH = 32;

interface Limits {
  string: number;
  array: number;
  depth: number;
  /** Most members kept per object. */
  keys: number;
}

function shrink(value: unknown, limits: Limits, depth: number): unknown {
  if (typeof value === 'string') {
    return value.length > limits.string ? `${value.slice(0, limits.string)}…(${value.length - limits.string} more chars)` : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= limits.depth) return Array.isArray(value) ? `[array of ${value.length}]` : '{…}';
  if (Array.isArray(value)) {
    const head = value.slice(0, limits.array).map((v) => shrink(v, limits, depth + 1));
    if (value.length > limits.array) head.push(`…(${value.length - limits.array} more items)`);
    return head;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const k of keys.slice(0, limits.keys)) out[k] = shrink((value as Record<string, unknown>)[k], limits, depth + 1);
  if (keys.length > limits.keys) out['…'] = `(${keys.length - limits.keys} more keys)`;
  return out;
}

const STEPS: readonly Limits[] = [
  { string: 512, array: 20, depth: 8, keys: Infinity },
  { string: 256, array: 10, depth: 6, keys: Infinity },
  { string: 128, array: 5, depth: 4, keys: Infinity },
  { string: 64, array: 3, depth: 3, keys: Infinity },
  { string: 32, array: 2, depth: 2, keys: Infinity },
  // Objects with thousands of members.
  { string: 32, array: 2, depth: 2, keys: 20 },
  { string: 16, array: 1, depth: 1, keys: 8 },
];

/**
 * Whether a value is plain JSON data (arrays, plain objects, no functions) at most `levels` containers deep.
 * Recursion is bounded by `levels`, so it cannot overflow the stack however deep the value.
 */
function plainNestsAtMost(value: unknown, levels: number): boolean {
  // A function may be a toJSON: the careful path for it too.
  if (typeof value !== 'object' || value === null) return typeof value !== 'function';
  if (levels === 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!plainNestsAtMost(value[i], levels - 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false; // toJSON and the like: the careful path
  for (const k in value) if (!plainNestsAtMost((value as Record<string, unknown>)[k], levels - 1)) return false;
  return true;
}

/**
 * `jsonExtent(value, maxBytes, MAX_WHOLE_DEPTH) !== undefined`, faster for what alerts carry (a
 * record of a few KB, a dozen levels deep): once the value is known to be plain JSON data at most
 * MAX_WHOLE_DEPTH deep, `JSON.stringify` cannot overflow the stack and writes exactly writeJson's
 * text, so one native call replaces a piece-by-piece walk (that walk was ~10% of a replay worker).
 */
function fitsWhole(value: unknown, maxBytes: number): boolean {
  if (plainNestsAtMost(value, MAX_WHOLE_DEPTH)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text !== undefined) return Buffer.byteLength(text) <= maxBytes;
  }
  return jsonExtent(value, maxBytes, MAX_WHOLE_DEPTH) !== undefined;
}

export function excerpt(value: unknown, maxBytes = 8192): Excerpt {
  if (fitsWhole(value, maxBytes)) return { value, truncated: false };
  for (const limits of STEPS) {
    const v = shrink(value, limits, 0);
    if (jsonExtent(v, maxBytes, MAX_WHOLE_DEPTH)) return { value: v, truncated: true };
  }
  // A budget smaller than even the last step's skeleton: its JSON text as a string, cut to fit.
  return { value: cutString(stringifyJson(shrink(value, STEPS[STEPS.length - 1]!, 0)), maxBytes, 1) ?? null, truncated: true };
}
