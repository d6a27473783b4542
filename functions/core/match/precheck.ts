/**
 * A conservative pre-check: each rule's conditions compiled once into a closure that answers, for a
 * record, MATCH, NO_MATCH or UNKNOWN. Only NO_MATCH lets the evaluator skip json-rules-engine for
 * that rule, so the pre-check can make rekwatch faster but can never change an alert, nor hide a
 * rule error: leaves it cannot judge exactly (complex JSONPath, an unknown construct) answer UNKNOWN,
 * and UNKNOWN propagates through all/any/not with three-valued logic.
 *
 * Rule errors. json-rules-engine evaluates every condition of one priority of an `all`/`any` before
 * combining them, so ONE condition that throws makes the whole rule throw (a rule error), even when a
 * sibling is false. The pre-check therefore marks each leaf that could throw for some record
 * ("risky": an operator that can reject its value, a fact-reference value, `swap:`, numeric operators
 * on odd objects, a filter JSONPath) and evaluates every risky child of a node, without
 * short-circuiting, before the safe ones; a risky leaf that throws, or that it cannot evaluate, sends
 * the rule to json-rules-engine, which reports the error. A construct json-rules-engine refuses
 * outright (an unknown operator, a leaf without fact/operator/value) always goes to the engine; a
 * shared condition reference is false (engine.ts). Nodes are read the way json-rules-engine reads them: `any` before `all`
 * before `not` on a node that has several; `params` ignored (rekwatch facts are constants).
 *
 * The leaves use the very operator objects of a json-rules-engine Engine and the same fact values,
 * so where the pre-check answers, it answers what the engine would. A differential property test
 * (test/unit/precheck.property.test.ts) checks this on generated rules and records: the same alerts
 * and the same rule errors as json-rules-engine alone.
 */
import { JSONPath } from 'jsonpath-plus';
import type { OperatorLookup } from './engine';
import { factReader, type RecordFacts } from '../input/facts';
import { parseSimplePath, resolveSteps, UNRESOLVED } from '../common/json-path';
import { CUSTOM_OPERATORS } from './operators';
import { isPlainObject } from '../common/json-value';

export const NO_MATCH = 0;
export const MATCH = 1;
export const UNKNOWN = 2;
export type Verdict = typeof NO_MATCH | typeof MATCH | typeof UNKNOWN;

export type Check = (facts: RecordFacts) => Verdict;

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

  memoize<V extends number>(slot: number, check: (facts: RecordFacts) => V): (facts: RecordFacts) => V {
    return (f) => {
      if (this.stamps[slot] === this.generation) return this.values[slot] as V;
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

/** Internal verdict: json-rules-engine may throw for this record, so the rule must go to it. */
const ERROR = 3;
type Inner = Verdict | typeof ERROR;
type InnerCheck = (facts: RecordFacts) => Inner;

/** A compiled node, and whether json-rules-engine could throw somewhere inside it for some record. */
interface Node {
  check: InnerCheck;
  risky: boolean;
}

const always = (v: Inner): InnerCheck => () => v;
/** The pre-check cannot judge it, but json-rules-engine cannot throw there either. */
const UNJUDGED: Node = { check: always(UNKNOWN), risky: false };
/** Always false, and json-rules-engine cannot throw there. */
const FALSE: Node = { check: always(NO_MATCH), risky: false };
/** json-rules-engine may throw (or refuses it outright): always ask the engine. */
const ENGINE_ONLY: Node = { check: always(ERROR), risky: true };

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

type Read = { read: (r: RecordFacts) => unknown; risky: boolean } | 'unjudged' | 'engine';

/** A fact (with optional path) read the way json-rules-engine's Almanac reads it. */
function compileFactRead(fact: unknown, path: unknown, lists: Record<string, unknown>): Read {
  if (typeof fact !== 'string' || fact === '') return 'engine';
  const read = factReader(fact, lists);
  // The Almanac applies a path only when it is truthy.
  if (!path) return { read, risky: false };
  if (typeof path !== 'string') return 'engine';
  const steps = parseSimplePath(path);
  if (!steps) return unjudgedPath(path);
  return {
    read: (r) => {
      const v = read(r);
      // json-rules-engine applies a path only to object values; anything else is returned as is.
      if (v === null || typeof v !== 'object') return v;
      return resolveSteps(v, steps);
    },
    risky: false,
  };
}

/**
 * A JSONPath outside the simple subset: jsonpath-plus resolves it without throwing unless it has a
 * script or filter expression (`(`), which can throw on some records, or is malformed.
 */
function unjudgedPath(path: string): Read {
  if (path.includes('(')) return 'engine';
  try {
    JSONPath({ path, json: { a: [{ b: 1 }] }, wrap: false });
  } catch {
    return 'engine';
  }
  return 'unjudged';
}

const CUSTOM = new Map(CUSTOM_OPERATORS.map((o) => [o.name, o]));

/**
 * Whether json-rules-engine's operator `name` (with decorators) can never throw for this rule value,
 * whatever the fact value. Mirrors json-rules-engine 7.3.1's operators and decorators: `in`/`notIn`
 * call `value.indexOf`; numeric operators convert objects to primitives (which throws for an object
 * whose `toString`/`valueOf` are data); `someValue`/`everyValue` need an array; `swap:` hands record
 * data to the operator's value side.
 */
export function cannotThrow(name: string, value: unknown, dynamic: boolean): boolean {
  const decorators = name.split(':');
  const base = decorators.pop() as string;
  const chain = (ds: readonly string[], v: unknown, dyn: boolean): boolean => {
    if (ds.length === 0) return baseCannotThrow(base, v, dyn);
    const [d, ...rest] = ds;
    switch (d) {
      case 'not':
      case 'someFact':
      case 'everyFact':
        return chain(rest, v, dyn);
      case 'someValue':
      case 'everyValue':
        return !dyn && Array.isArray(v) && v.every((x) => chain(rest, x, false));
      default:
        return false; // swap, or unknown
    }
  };
  return chain(decorators, value, dynamic);
}

function baseCannotThrow(base: string, value: unknown, dynamic: boolean): boolean {
  switch (base) {
    case 'equal':
    case 'notEqual':
    case 'contains': // only on array facts: Array.prototype.indexOf
    case 'doesNotContain':
      return true;
    case 'in':
    case 'notIn':
      return !dynamic && Array.isArray(value);
  }
  const custom = CUSTOM.get(base);
  if (!custom || dynamic) return false;
  try {
    custom.evaluate(undefined, value); // rekwatch operators check their value before the fact
    return true;
  } catch {
    return false;
  }
}

export function isFactReference(value: unknown): value is Record<string, unknown> {
  // json-rules-engine's Almanac.getValue test, exactly.
  return value !== null && typeof value === 'object' && own(value, 'fact');
}

function compileLeafUncached(node: Record<string, unknown>, ops: OperatorLookup, lists: Record<string, unknown>): Node {
  const opName = node.operator;
  const op = typeof opName === 'string' ? ops.get(opName) : null;
  if (!op) return ENGINE_ONLY; // json-rules-engine: "Unknown operator"
  const left = compileFactRead(node.fact, node.path, lists);
  const value = node.value;
  const dynamic = isFactReference(value);
  const right: Read = dynamic ? compileFactRead(value.fact, value.path, lists) : { read: () => value, risky: false };
  if (left === 'engine' || right === 'engine') return ENGINE_ONLY;
  const risky = (typeof left === 'object' && left.risky) || (typeof right === 'object' && right.risky) || !cannotThrow(opName as string, value, dynamic);
  if (left === 'unjudged' || right === 'unjudged') return risky ? ENGINE_ONLY : UNJUDGED;
  const lhsOf = left.read;
  const rhsOf = right.read;
  const unresolved: Inner = risky ? ERROR : UNKNOWN;
  return {
    risky,
    check: (r) => {
      const lhs = lhsOf(r);
      if (lhs === UNRESOLVED) return unresolved;
      const rhs = rhsOf(r);
      if (rhs === UNRESOLVED) return unresolved;
      try {
        return op.evaluate(lhs, rhs) ? MATCH : NO_MATCH;
      } catch {
        return ERROR; // the engine will throw too, and the evaluator reports it as a rule error
      }
    },
  };
}

function compileLeaf(node: Record<string, unknown>, ops: OperatorLookup, lists: Record<string, unknown>, memo?: LeafMemo): Node {
  const compiled = compileLeafUncached(node, ops, lists);
  if (!memo || compiled === UNJUDGED || compiled === ENGINE_ONLY) return compiled;
  const key = JSON.stringify([node.fact, node.path ?? null, node.operator, node.value ?? null, 'value' in node]);
  return { risky: compiled.risky, check: memo.memoize(memo.slot(key), compiled.check) };
}

/**
 * `all` (`stop` = NO_MATCH) or `any` (`stop` = MATCH) over compiled children. Risky children are all
 * evaluated first, with no short-circuit, since json-rules-engine evaluates them all and throws if one
 * throws; then the safe ones, which stop at the first decisive verdict.
 */
function compileGroup(children: Node[], stop: Verdict): Node {
  // json-rules-engine evaluates an empty `all` or `any` as true.
  if (children.length === 0) return { check: always(MATCH), risky: false };
  const risky = children.filter((c) => c.risky).map((c) => c.check);
  const safe = children.filter((c) => !c.risky).map((c) => c.check);
  const other: Verdict = stop === NO_MATCH ? MATCH : NO_MATCH;
  const check: InnerCheck = (r) => {
    let result: Inner = other;
    for (const c of risky) {
      const v = c(r);
      if (v === ERROR) return ERROR;
      if (v === stop) result = stop;
      else if (v === UNKNOWN && result !== stop) result = UNKNOWN;
    }
    if (result === stop) return stop;
    for (const c of safe) {
      const v = c(r);
      if (v === stop || v === ERROR) return v;
      if (v === UNKNOWN) result = UNKNOWN;
    }
    return result;
  };
  return { check, risky: risky.length > 0 };
}

function compileNode(node: unknown, ops: OperatorLookup, lists: Record<string, unknown>, memo?: LeafMemo): Node {
  // json-rules-engine cannot build a condition from anything but an object.
  if (!isPlainObject(node)) return ENGINE_ONLY;
  // json-rules-engine's reading of a node: `any`, else `all`, else `not`, else a condition reference, else a leaf.
  const kind = own(node, 'any') ? 'any' : own(node, 'all') ? 'all' : own(node, 'not') ? 'not' : null;
  if (kind === 'all' || kind === 'any') {
    const children = node[kind];
    if (!Array.isArray(children)) return ENGINE_ONLY;
    return compileGroup(children.map((c) => compileNode(c, ops, lists, memo)), kind === 'all' ? NO_MATCH : MATCH);
  }
  if (kind === 'not') {
    if (Array.isArray(node.not)) return ENGINE_ONLY;
    const inner = compileNode(node.not, ops, lists, memo);
    const check = inner.check;
    return { risky: inner.risky, check: (r) => { const v = check(r); return v === MATCH ? NO_MATCH : v === NO_MATCH ? MATCH : v; } };
  }
  // A shared condition reference: rekwatch registers none, and its engine reads an undefined one as false.
  if (own(node, 'condition')) return FALSE;
  if (!own(node, 'fact') || !own(node, 'operator') || !own(node, 'value')) return ENGINE_ONLY;
  return compileLeaf(node, ops, lists, memo);
}

/** Compiles a rule's `conditions` (as in a rule file) into a three-valued check. */
export function compileCheck(conditions: unknown, ops: OperatorLookup, lists: Record<string, unknown>, memo?: LeafMemo): Check {
  // json-rules-engine requires one of all/any/not/condition at the root.
  const rootOk = isPlainObject(conditions) && ['all', 'any', 'not', 'condition'].some((k) => own(conditions, k));
  const { check } = rootOk ? compileNode(conditions, ops, lists, memo) : ENGINE_ONLY;
  return (r) => {
    const v = check(r);
    return v === ERROR ? UNKNOWN : v;
  };
}
