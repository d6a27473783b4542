/**
 * A conservative pre-check: each rule's conditions compiled once into a closure that answers, for a
 * record, MATCH, NO_MATCH or UNKNOWN. Only NO_MATCH lets the evaluator skip json-rules-engine for
 * that rule, so the pre-check can make rekwatch faster but can never change an alert: leaves it cannot
 * judge exactly (complex JSONPath, a throwing operator, an unknown construct) answer UNKNOWN, and
 * UNKNOWN propagates through all/any/not with three-valued logic.
 *
 * The leaves use the very operator objects of a json-rules-engine Engine and the same fact values,
 * so where the pre-check answers, it answers what the engine would. A differential property test
 * (test/unit/precheck.property.test.ts) checks this on generated rules and records.
 */
import { factReader, type RecordFacts } from './facts';
import { parseSimplePath, resolveSteps, UNRESOLVED } from './json-path';
import { isPlainObject } from './record';
import type { OperatorLookup } from './engine';

export const NO_MATCH = 0;
export const MATCH = 1;
export const UNKNOWN = 2;
export type Verdict = typeof NO_MATCH | typeof MATCH | typeof UNKNOWN;

export type Check = (facts: RecordFacts) => Verdict;

const unknown: Check = () => UNKNOWN;

/**
 * Per-record memo of leaf verdicts shared by every rule of an evaluator: rules in a pack repeat
 * leaves (`mfaAuthenticated notEqual true`, `readOnly equal false`, a user-agent list), and each
 * distinct leaf is judged once per record. Valid only during one record's synchronous pre-check
 * phase: call `next()` before each record.
 */
export class LeafMemo {
  private readonly slots = new Map<string, number>();
  private stamps = new Uint32Array(16);
  private values = new Uint8Array(16);
  private generation = 1;

  slot(key: string): number {
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.slots.size;
      this.slots.set(key, s);
      if (s >= this.stamps.length) {
        const stamps = new Uint32Array(this.stamps.length * 2);
        stamps.set(this.stamps);
        const values = new Uint8Array(this.values.length * 2);
        values.set(this.values);
        this.stamps = stamps;
        this.values = values;
      }
    }
    return s;
  }

  next(): void {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  memoize(slot: number, check: Check): Check {
    return (f) => {
      if (this.stamps[slot] === this.generation) return this.values[slot] as Verdict;
      const v = check(f);
      this.stamps[slot] = this.generation;
      this.values[slot] = v;
      return v;
    };
  }

  /** Number of distinct leaves seen. */
  get size(): number {
    return this.slots.size;
  }
}

/** A fact (with optional path) read the way json-rules-engine's Almanac reads it. */
function compileFactRead(fact: unknown, path: unknown, lists: Record<string, unknown>): ((r: RecordFacts) => unknown) | null {
  if (typeof fact !== 'string' || fact === '') return null;
  const read = factReader(fact, lists);
  if (path === undefined || path === '') return read;
  if (typeof path !== 'string') return null;
  const steps = parseSimplePath(path);
  if (!steps) return null;
  return (r) => {
    const v = read(r);
    // json-rules-engine applies a path only to object values; anything else is returned as is.
    if (v === null || typeof v !== 'object') return v;
    return resolveSteps(v, steps);
  };
}

function compileLeafUncached(node: Record<string, unknown>, ops: OperatorLookup, lists: Record<string, unknown>): Check {
  if ('params' in node && node.params !== undefined) return unknown;
  const op = typeof node.operator === 'string' ? ops.get(node.operator) : null;
  if (!op) return unknown;
  const left = compileFactRead(node.fact, node.path, lists);
  if (!left) return unknown;
  let right: (r: RecordFacts) => unknown;
  const value = node.value;
  if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, 'fact')) {
    if (value.params !== undefined) return unknown;
    const read = compileFactRead(value.fact, value.path, lists);
    if (!read) return unknown;
    right = read;
  } else {
    right = () => value;
  }
  return (r) => {
    const lhs = left(r);
    if (lhs === UNRESOLVED) return UNKNOWN;
    const rhs = right(r);
    if (rhs === UNRESOLVED) return UNKNOWN;
    try {
      return op.evaluate(lhs, rhs) ? MATCH : NO_MATCH;
    } catch {
      return UNKNOWN; // the engine will throw too, and the evaluator reports it as a rule error
    }
  };
}

function compileLeaf(node: Record<string, unknown>, ops: OperatorLookup, lists: Record<string, unknown>, memo?: LeafMemo): Check {
  const check = compileLeafUncached(node, ops, lists);
  if (!memo || check === unknown) return check;
  const key = JSON.stringify([node.fact, node.path ?? null, node.operator, node.value ?? null, 'value' in node]);
  return memo.memoize(memo.slot(key), check);
}

function compileAll(children: Check[]): Check {
  return (r) => {
    let result: Verdict = MATCH;
    for (const c of children) {
      const v = c(r);
      if (v === NO_MATCH) return NO_MATCH;
      if (v === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

function compileAny(children: Check[]): Check {
  // json-rules-engine evaluates an empty `any` (like an empty `all`) as true.
  if (children.length === 0) return () => MATCH;
  return (r) => {
    let result: Verdict = NO_MATCH;
    for (const c of children) {
      const v = c(r);
      if (v === MATCH) return MATCH;
      if (v === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
}

/** Compiles a condition node (as in a rule file) into a three-valued check. */
export function compileCheck(node: unknown, ops: OperatorLookup, lists: Record<string, unknown>, memo?: LeafMemo): Check {
  if (!isPlainObject(node)) return unknown;
  const keys = ['all', 'any', 'not', 'condition'].filter((k) => k in node);
  if (keys.length > 1 || keys[0] === 'condition') return unknown;
  if (Array.isArray(node.all)) return compileAll(node.all.map((c) => compileCheck(c, ops, lists, memo)));
  if (Array.isArray(node.any)) return compileAny(node.any.map((c) => compileCheck(c, ops, lists, memo)));
  if ('not' in node) {
    const inner = compileCheck(node.not, ops, lists, memo);
    return (r) => {
      const v = inner(r);
      return v === UNKNOWN ? UNKNOWN : v === MATCH ? NO_MATCH : MATCH;
    };
  }
  if (keys.length === 0 && 'fact' in node && 'operator' in node) return compileLeaf(node, ops, lists, memo);
  return unknown;
}
