/**
 * What a rule needs to find in a record's raw JSON text before it can match: the raw-text pre-filter
 * of issue 12 §2, which lets a reader skip `JSON.parse` for records no rule can match.
 *
 * A rule's *requirement* is a list of clauses, each a list of literal strings: if the rule matches a
 * record, then for every clause at least one of its literals occurs in the record's text. It is
 * read from the conditions with json-rules-engine's semantics (all clauses of an `all`; one clause
 * joining a literal of each alternative of an `any`; nothing from `not` or from operators it cannot
 * read exactly), and it holds for a record's text only under two conditions that the reader checks
 * (functions/core/input/raw-document.ts):
 *
 *   - the text has no backslash, so every string value of the record appears in it verbatim (JSON
 *     escapes are the only way a string's text can differ from its value);
 *   - the fact a literal comes from is *verbatim*: a string taken from the record unchanged (a record
 *     field, with or without a path, or principalArn / principalType / accountId / sessionIssuerArn),
 *     never a computed one (mfaAuthenticated, projectPolicy), the pack's lists or a precomputed fact.
 *
 * Ruling a rule out must also rule out a *rule error*, since json-rules-engine evaluates every leaf
 * of an `all` before it combines them (precheck.ts explains): a requirement is given only for rules
 * in which no leaf can throw for any record (a known operator whose value it accepts, facts read with
 * simple paths, fact references to the pack's lists, or to another fact only where the operator
 * takes any value, as equal and notEqual do). Any other rule gets none (null), and a
 * record it could see is always parsed and evaluated as before.
 *
 * Which literals a leaf gives (its fact verbatim, its value resolved when it names a list):
 *   equal V          V (a non-empty string)
 *   in [V...]        one of V... (all non-empty strings)
 *   contains V       V (json-rules-engine's contains holds only for an array fact holding V)
 *   startsWith/endsWith V...   one of V...
 *   matches P...     for each glob P, its longest run without `*` or `?` (glob.ts: all else is literal)
 * Everything else (notEqual, notIn, matchesIgnoreCase, matchesRegex, IP ranges, decorators, ...)
 * gives no clause, and neither do eventName (the evaluator asks only about the rules its eventName
 * index gives for the record's eventName, so that clause would always hold) and eventSource (the
 * record is in scope, and rules name the sources in scope). The property test (test/unit/raw-prefilter.property.test.ts) checks the claim
 * against json-rules-engine on generated rules and records.
 */
import type { OperatorLookup } from './engine';
import { cannotThrow, isFactReference } from './precheck';
import { parseSimplePath, resolveSteps, UNRESOLVED } from '../common/json-path';
import { isPlainObject } from '../common/json-value';
import { DERIVED_FACTS, FIRST_SEEN_FACT, LISTS_FACT, PRECOMPUTED_FACTS } from '../input/facts';

/** At least one of these literals occurs in the text of any record the rule matches. */
export type Clause = readonly string[];

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** Derived facts whose value is a string of the record, unchanged (facts.ts). */
const VERBATIM_DERIVED = new Set(['principalArn', 'principalType', 'accountId', 'sessionIssuerArn']);
const NOT_VERBATIM = new Set<string>([...DERIVED_FACTS.filter((f) => !VERBATIM_DERIVED.has(f)), LISTS_FACT, ...PRECOMPUTED_FACTS]);

/**
 * The requirement of a rule's `conditions`, or null when the rule cannot be ruled out from a
 * record's text (a leaf may throw, or no clause can be read).
 */
export function textRequirement(conditions: unknown, ops: OperatorLookup, lists: Readonly<Record<string, readonly string[]>>): Clause[] | null {
  // json-rules-engine requires one of all/any/not/condition at the root (as compileCheck reads it).
  if (!isPlainObject(conditions) || !['all', 'any', 'not', 'condition'].some((k) => own(conditions, k))) return null;
  if (!cannotThrowAnywhere(conditions, ops, lists)) return null;
  const clauses = clausesOf(conditions, lists);
  return clauses.length > 0 ? clauses : null;
}

/** The node kind json-rules-engine reads: `any` before `all` before `not` (precheck.ts compileNode). */
function kindOf(node: Record<string, unknown>): 'any' | 'all' | 'not' | 'condition' | 'leaf' {
  if (own(node, 'any')) return 'any';
  if (own(node, 'all')) return 'all';
  if (own(node, 'not')) return 'not';
  if (own(node, 'condition')) return 'condition';
  return 'leaf';
}

/** The value a leaf compares with, as json-rules-engine will see it; null when not known statically. */
function staticValue(value: unknown, lists: Readonly<Record<string, readonly string[]>>): { value: unknown } | null {
  if (!isFactReference(value)) return { value };
  // The pack's lists are one constant fact; any other fact reference depends on the record.
  if (value.fact !== LISTS_FACT) return null;
  if (!value.path) return { value: lists };
  if (typeof value.path !== 'string') return null;
  const steps = parseSimplePath(value.path);
  if (!steps) return null;
  const v = resolveSteps(lists, steps);
  return v === UNRESOLVED || v === undefined ? null : { value: v };
}

/** True when json-rules-engine cannot throw anywhere in this node, whatever the record. */
function cannotThrowAnywhere(node: unknown, ops: OperatorLookup, lists: Readonly<Record<string, readonly string[]>>): boolean {
  if (!isPlainObject(node)) return false;
  switch (kindOf(node)) {
    case 'any':
    case 'all': {
      const children = node[own(node, 'any') ? 'any' : 'all'];
      return Array.isArray(children) && children.every((c) => cannotThrowAnywhere(c, ops, lists));
    }
    case 'not':
      return !Array.isArray(node.not) && cannotThrowAnywhere(node.not, ops, lists);
    case 'condition':
      return true; // rekwatch registers no shared conditions: the engine reads one as false
    default: {
      if (!own(node, 'fact') || !own(node, 'operator') || !own(node, 'value')) return false;
      const { fact, path, operator } = node;
      if (typeof fact !== 'string' || fact === '' || fact === FIRST_SEEN_FACT) return false;
      if (typeof operator !== 'string' || !ops.get(operator)) return false;
      if (path && (typeof path !== 'string' || !parseSimplePath(path))) return false;
      const value = staticValue(node.value, lists);
      if (value !== null) return cannotThrow(operator, value.value, false);
      // A reference to a record's fact: safe only for operators that accept any value (equal, ...).
      const ref = node.value as Record<string, unknown>;
      if (!isFactReference(ref) || ref.fact === LISTS_FACT || typeof ref.fact !== 'string' || ref.fact === '' || ref.fact === FIRST_SEEN_FACT) return false;
      if (ref.path && (typeof ref.path !== 'string' || !parseSimplePath(ref.path))) return false;
      return cannotThrow(operator, ref, true);
    }
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** One or more strings (a string or an array of strings), all non-empty; null otherwise. */
function strings(v: unknown): string[] | null {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
  return list && list.length > 0 && list.every(nonEmpty) ? (list as string[]) : null;
}

/** The longest run of a glob pattern without a wildcard (every other character is literal: glob.ts). */
export function longestLiteral(pattern: string): string {
  let best = '';
  for (const run of pattern.split(/[*?]/)) if (run.length > best.length) best = run;
  return best;
}

function leafClauses(node: Record<string, unknown>, lists: Readonly<Record<string, readonly string[]>>): Clause[] {
  const { fact, operator } = node;
  if (typeof fact !== 'string' || NOT_VERBATIM.has(fact) || typeof operator !== 'string') return [];
  // eventName constraints are the eventName index's (event-name-index.ts): the evaluator only asks
  // about rules that can match the record's eventName, so such a clause would always hold, and each
  // literal costs a search through the text. (Leaving a clause out only weakens a requirement.)
  if (fact === 'eventName' && !node.path) return [];
  // eventSource likewise: every record the filter is asked about is in scope, and rules name the
  // sources in scope (Rekognition), which every such record's text holds.
  if (fact === 'eventSource' && !node.path) return [];
  const resolved = staticValue(node.value, lists);
  if (!resolved) return [];
  const v = resolved.value;
  switch (operator) {
    case 'equal':
    case 'contains':
      return nonEmpty(v) ? [[v]] : [];
    case 'in':
      return Array.isArray(v) && v.length > 0 && v.every(nonEmpty) ? [[...(v as string[])]] : [];
    case 'startsWith':
    case 'endsWith': {
      const s = strings(v);
      return s ? [s] : [];
    }
    case 'matches': {
      const s = strings(v);
      const literals = s?.map(longestLiteral);
      return literals && literals.every((l) => l !== '') ? [literals] : [];
    }
    default:
      return [];
  }
}

function clausesOf(node: unknown, lists: Readonly<Record<string, readonly string[]>>): Clause[] {
  if (!isPlainObject(node)) return [];
  switch (kindOf(node)) {
    case 'all':
      return (node.all as unknown[]).flatMap((c) => clausesOf(c, lists));
    case 'any': {
      // Some alternative holds, so one of the alternatives' literals occurs: one clause joining a
      // clause of each (the shortest). An alternative with no clause leaves nothing to require.
      const alternatives = (node.any as unknown[]).map((c) => clausesOf(c, lists));
      if (alternatives.length === 0 || alternatives.some((a) => a.length === 0)) return [];
      const joined = new Set<string>();
      for (const a of alternatives) for (const l of [...a].sort((x, y) => x.length - y.length)[0] as Clause) joined.add(l);
      return [[...joined]];
    }
    case 'leaf':
      return leafClauses(node, lists);
    default:
      return []; // not, condition
  }
}
