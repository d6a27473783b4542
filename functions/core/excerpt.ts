/**
 * A bounded copy of a JSON value for alerts: the value itself when its JSON fits the budget,
 * otherwise a copy with long strings cut, long arrays shortened and deep nesting elided, shrinking
 * the limits until it fits. Alerts travel through SNS (256 KiB), email and Slack, so they stay small.
 */
export interface Excerpt {
  value: unknown;
  truncated: boolean;
}

interface Limits {
  string: number;
  array: number;
  depth: number;
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
  for (const [k, v] of Object.entries(value)) out[k] = shrink(v, limits, depth + 1);
  return out;
}

export function excerpt(value: unknown, maxBytes = 8192): Excerpt {
  const full = JSON.stringify(value) ?? 'null';
  if (Buffer.byteLength(full) <= maxBytes) return { value, truncated: false };
  const steps: Limits[] = [
    { string: 512, array: 20, depth: 8 },
    { string: 256, array: 10, depth: 6 },
    { string: 128, array: 5, depth: 4 },
    { string: 64, array: 3, depth: 3 },
    { string: 32, array: 2, depth: 2 },
  ];
  for (const limits of steps) {
    const v = shrink(value, limits, 0);
    if (Buffer.byteLength(JSON.stringify(v)) <= maxBytes) return { value: v, truncated: true };
  }
  return { value: `${full.slice(0, Math.max(0, maxBytes - 40))}…(truncated)`, truncated: true };
}
