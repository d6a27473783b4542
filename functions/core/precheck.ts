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
import { factValue } from './facts';
import { parseSimplePath, resolveSteps, UNRESOLVED } from './json-path';
import { isPlainObject } from './record';
import type { OperatorLookup } from './engine';
import type { CloudTrailRecord } from './types';

export const NO_MATCH = 0;
export const MATCH = 1;
export const UNKNOWN = 2;
export type Verdict = typeof NO_MATCH | typeof MATCH | typeof UNKNOWN;

export type Check = (record: CloudTrailRecord) => Verdict;

const unknown: Check = () => UNKNOWN;

/** A fact (with optional path) read the way json-rules-engine's Almanac reads it. */
function compileFactRead(fact: unknown, path: unknown, lists: Record<string, unknown>): ((r: CloudTrailRecord) => unknown) | null {
  if (typeof fact !== 'string' || fact === '') return null;
  if (path === undefined || path === '') return (r) => factValue(r, fact, lists);
  if (typeof path !== 'string') return null;
  const steps = parseSimplePath(path);
  if (!steps) return null;
  return (r) => {
    const v = factValue(r, fact, lists);
    // json-rules-engine applies a path only to object values; anything else is returned as is.
    if (v === null || typeof v !== 'object') return v;
    return resolveSteps(v, steps);
  };
}

function compileLeaf(node: Record<string, unknown>, ops: OperatorLookup, lists: Record<string, unknown>): Check {
  if ('params' in node && node.params !== undefined) return unknown;
  const op = typeof node.operator === 'string' ? ops.get(node.operator) : null;
  if (!op) return unknown;
  const left = compileFactRead(node.fact, node.path, lists);
  if (!left) return unknown;
  let right: (r: CloudTrailRecord) => unknown;
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
export function compileCheck(node: unknown, ops: OperatorLookup, lists: Record<string, unknown>): Check {
  if (!isPlainObject(node)) return unknown;
  const keys = ['all', 'any', 'not', 'condition'].filter((k) => k in node);
  if (keys.length > 1 || keys[0] === 'condition') return unknown;
  if (Array.isArray(node.all)) return compileAll(node.all.map((c) => compileCheck(c, ops, lists)));
  if (Array.isArray(node.any)) return compileAny(node.any.map((c) => compileCheck(c, ops, lists)));
  if ('not' in node) {
    const inner = compileCheck(node.not, ops, lists);
    return (r) => {
      const v = inner(r);
      return v === UNKNOWN ? UNKNOWN : v === MATCH ? NO_MATCH : MATCH;
    };
  }
  if (keys.length === 0 && 'fact' in node && 'operator' in node) return compileLeaf(node, ops, lists);
  return unknown;
}
