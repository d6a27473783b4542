/**
 * The identity of a set of EventBridge rules (pure): the canonical form of each rule's pattern and
 * state, and its `sha256:` hash. The synth computes it over the compiled rules (the hub's
 * `PatternHash` output, the suffix of every spoke rule's description); `rekwatch coverage` computes
 * it over the rules it reads back from EventBridge and compares.
 */
import { createHash } from 'node:crypto';

export interface RuleShape {
  readonly pattern: unknown;
  readonly state: string;
}

/** `value` with every object's keys sorted (arrays keep their order: it matters to no one, but EventBridge keeps it). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

/** One JSON text per equal pattern, whatever the key order. */
export function canonicalPattern(pattern: unknown): string {
  return JSON.stringify(sortKeys(pattern));
}

/** `sha256:<hex>` of the rules' patterns and states, in order. */
export function rulesHash(rules: readonly RuleShape[]): string {
  const canonical = JSON.stringify(rules.map((r) => ({ pattern: sortKeys(r.pattern), state: r.state })));
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
