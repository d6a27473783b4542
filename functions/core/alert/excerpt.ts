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

export function excerpt(value: unknown, maxBytes = 8192): Excerpt {
  if (jsonExtent(value, maxBytes, MAX_WHOLE_DEPTH)) return { value, truncated: false };
  for (const limits of STEPS) {
    const v = shrink(value, limits, 0);
    if (jsonExtent(v, maxBytes, MAX_WHOLE_DEPTH)) return { value: v, truncated: true };
  }
  // A budget smaller than even the last step's skeleton: its JSON text as a string, cut to fit.
  return { value: cutString(stringifyJson(shrink(value, STEPS[STEPS.length - 1]!, 0)), maxBytes, 1) ?? null, truncated: true };
}
