/**
 * Meaning checks for a rule's `conditions` beyond its JSON shape: node structure, known facts and
 * operators (with did-you-mean), JSONPath syntax, fact references and named lists, CIDRs, regular
 * expressions and value types the operators need. Every problem is reported, not just the first.
 */
import { JSONPath } from 'jsonpath-plus';
import { KNOWN_FACTS, LISTS_FACT } from '../facts';
import { parseCidr } from '../ip';
import { parseSimplePath } from '../json-path';
import { CUSTOM_OPERATORS, ENGINE_DECORATORS, OPERATOR_NAMES, regexError } from '../operators';
import { isPlainObject } from '../record';
import type { NamedList } from '../types';
import { didYouMean } from './did-you-mean';
import { fieldPath, type Problem } from './problem';

type Seg = string | number;
type Report = (segs: Seg[], message: string, level?: Problem['level']) => void;

const BOOLEAN_KEYS = ['all', 'any', 'not'];
const NODE_META = ['priority', 'name'];
const LEAF_KEYS = ['fact', 'operator', 'value', 'path', ...NODE_META];
const NUMERIC = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const BOOLEAN_FACTS = new Set(['mfaAuthenticated', 'readOnly']);

/** The list name a `lists` fact reference points at (`$.name` or `$['name']`), or null. */
export function listNameOfPath(path: unknown): string | null {
  if (typeof path !== 'string') return null;
  const steps = parseSimplePath(path);
  return steps && steps.length === 1 && steps[0]?.kind === 'name' ? steps[0].name : null;
}

function checkPath(path: unknown, segs: Seg[], report: Report): void {
  if (typeof path !== 'string' || !path.startsWith('$')) {
    report(segs, 'must be a JSONPath string starting with "$" (e.g. "$.collectionId")');
    return;
  }
  if (parseSimplePath(path)) return;
  try {
    JSONPath({ path, json: {}, wrap: false });
  } catch (e) {
    report(segs, `invalid JSONPath: ${(e as Error).message}`);
  }
}

function checkFactName(fact: unknown, segs: Seg[], report: Report): boolean {
  if (typeof fact !== 'string' || fact === '') {
    report(segs, 'must be a non-empty string naming a fact');
    return false;
  }
  if (!KNOWN_FACTS.includes(fact)) {
    report(segs, `unknown fact "${fact}"${didYouMean(fact, KNOWN_FACTS)}`);
    return false;
  }
  return true;
}

interface ValueInfo {
  /** The literal value, or the list's items when the value references a named list. */
  literal?: unknown;
  /** True when the value is a fact reference whose value is only known per record. */
  dynamic: boolean;
  /** The named list the value references, if any. */
  list?: NamedList;
}

function checkValue(value: unknown, segs: Seg[], lists: Record<string, NamedList>, report: Report): ValueInfo {
  if (!isPlainObject(value)) return { literal: value, dynamic: false };
  if (!Object.prototype.hasOwnProperty.call(value, 'fact')) {
    report(segs, 'an object value must be a fact reference like {"fact": "lists", "path": "$.trusted-networks"}');
    return { dynamic: true };
  }
  for (const key of Object.keys(value)) {
    if (key !== 'fact' && key !== 'path') report([...segs, key], `unknown field in fact reference${didYouMean(key, ['fact', 'path'])}`);
  }
  if (!checkFactName(value.fact, [...segs, 'fact'], report)) return { dynamic: true };
  if (value.path !== undefined) checkPath(value.path, [...segs, 'path'], report);
  if (value.fact === LISTS_FACT) {
    const name = listNameOfPath(value.path);
    if (name === null) {
      report([...segs, 'path'], 'a lists reference needs "path": "$.LIST-NAME"');
      return { dynamic: true };
    }
    // Own keys only: `$.constructor` or `$.__proto__` must not find Object's built-ins.
    const list = Object.prototype.hasOwnProperty.call(lists, name) ? lists[name] : undefined;
    if (!list) {
      const known = Object.keys(lists);
      report([...segs, 'path'], `unknown list "${name}"${didYouMean(name, known)}${known.length ? '' : ' (no lists under rules/lists/)'}`);
      return { dynamic: true };
    }
    return { literal: list.items, dynamic: false, list };
  }
  return { dynamic: true };
}

function checkOperatorValue(operator: string, fact: unknown, info: ValueInfo, segs: Seg[], report: Report): void {
  if (info.dynamic) return;
  const v = info.literal;
  const custom = CUSTOM_OPERATORS.find((o) => o.name === operator);
  if (custom?.valueKind === 'cidrs') {
    const items = Array.isArray(v) ? v : [v];
    if (items.length === 0) report(segs, `${operator} needs at least one CIDR`);
    items.forEach((item, i) => {
      if (parseCidr(item)) return;
      if (info.list) report(segs, `list "${info.list.name}" (${info.list.file}) items[${i}]: invalid CIDR ${JSON.stringify(item)}`);
      else report(Array.isArray(v) ? [...segs, i] : segs, `invalid CIDR ${JSON.stringify(item)}`);
    });
  } else if (custom?.valueKind === 'strings') {
    const ok = typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    if (!ok) report(segs, `${operator} needs a string or a non-empty array of strings`);
  } else if (custom?.valueKind === 'regex') {
    if (typeof v !== 'string') report(segs, `${operator} needs a regular expression string`);
    else {
      const err = regexError(v);
      if (err) report(segs, `invalid regular expression (RE2 syntax): ${err}`);
    }
  } else if (operator === 'in' || operator === 'notIn') {
    if (!Array.isArray(v)) report(segs, `${operator} needs an array (or a list reference)`);
    else if (typeof fact === 'string' && BOOLEAN_FACTS.has(fact) && v.some((x) => typeof x === 'string')) {
      report(segs, `${fact} is a boolean (true/false${fact === 'mfaAuthenticated' ? ', or null when unknown' : ''}): list booleans, not strings`);
    }
  } else if (NUMERIC.has(operator)) {
    if (typeof v !== 'number') report(segs, `${operator} needs a number`);
  } else if ((operator === 'equal' || operator === 'notEqual') && typeof fact === 'string' && BOOLEAN_FACTS.has(fact)) {
    if (typeof v === 'string') {
      report(segs, `${fact} is a boolean (true/false${fact === 'mfaAuthenticated' ? ', or null when unknown' : ''}): compare it with ${v.toLowerCase() === 'true'} rather than the string ${JSON.stringify(v)}`);
    }
  }
}

/**
 * Checks the value against the base operator behind any decorators: `not:`, `someFact:` and
 * `everyFact:` keep the base operator's value; `someValue:` / `everyValue:` take an array of them;
 * after `swap:` fact and value trade places, so the value is not checked.
 */
function checkDecoratedValue(operator: string, fact: unknown, info: ValueInfo, segs: Seg[], report: Report): void {
  const parts = operator.split(':');
  const base = parts.pop() as string;
  if (parts.includes('swap')) return;
  if (parts.includes('someValue') || parts.includes('everyValue')) {
    if (info.dynamic) return;
    if (!Array.isArray(info.literal)) {
      report(segs, `${operator} needs an array of values`);
      return;
    }
    info.literal.forEach((v, i) => checkOperatorValue(base, fact, { literal: v, dynamic: false }, [...segs, i], report));
    return;
  }
  checkOperatorValue(base, fact, info, segs, report);
}

function checkOperator(operator: unknown, segs: Seg[], report: Report): string | null {
  if (typeof operator !== 'string' || operator === '') {
    report(segs, 'must be a non-empty string naming an operator');
    return null;
  }
  const parts = operator.split(':');
  const base = parts.pop() as string;
  let ok = true;
  for (const d of parts) {
    if (!(ENGINE_DECORATORS as readonly string[]).includes(d)) {
      report(segs, `unknown operator decorator "${d}"${didYouMean(d, ENGINE_DECORATORS)}`);
      ok = false;
    }
  }
  if (!OPERATOR_NAMES.includes(base)) {
    report(segs, `unknown operator "${base}"${didYouMean(base, OPERATOR_NAMES)}`);
    ok = false;
  }
  return ok ? operator : null;
}

function checkNode(node: unknown, segs: Seg[], lists: Record<string, NamedList>, report: Report): void {
  if (!isPlainObject(node)) {
    report(segs, 'must be a condition object');
    return;
  }
  const bools = BOOLEAN_KEYS.filter((k) => k in node);
  if (bools.length > 1) {
    report(segs, `has both ${bools.map((b) => `"${b}"`).join(' and ')}: nest them instead`);
    return;
  }
  if (bools.length === 1) {
    const kind = bools[0] as string;
    for (const key of Object.keys(node)) {
      if (key !== kind && !NODE_META.includes(key)) report([...segs, key], `unknown field in "${kind}" condition${didYouMean(key, [kind, ...NODE_META])}`);
    }
    checkMeta(node, segs, report);
    const child = node[kind];
    if (kind === 'not') {
      checkNode(child, [...segs, 'not'], lists, report);
    } else if (!Array.isArray(child)) {
      report([...segs, kind], 'must be an array of conditions');
    } else if (child.length === 0) {
      report([...segs, kind], `is empty: json-rules-engine treats an empty "${kind}" as always true`);
    } else {
      child.forEach((c, i) => checkNode(c, [...segs, kind, i], lists, report));
    }
    return;
  }
  if (!('fact' in node) && !('operator' in node)) {
    report(segs, `must have "all", "any" or "not", or be a fact condition with "fact", "operator" and "value"`);
    return;
  }
  for (const key of Object.keys(node)) {
    if (key === 'params') report([...segs, key], 'rekwatch facts take no params');
    else if (key === 'condition') report([...segs, key], 'shared condition references are not supported; write the condition inline');
    else if (!LEAF_KEYS.includes(key)) report([...segs, key], `unknown field${didYouMean(key, LEAF_KEYS)}`);
  }
  checkMeta(node, segs, report);
  if (!('fact' in node)) report([...segs, 'fact'], 'is required');
  else checkFactName(node.fact, [...segs, 'fact'], report);
  let op: string | null = null;
  if ('operator' in node) op = checkOperator(node.operator, [...segs, 'operator'], report);
  else report([...segs, 'operator'], 'is required');
  if ('path' in node) checkPath(node.path, [...segs, 'path'], report);
  if (!('value' in node)) {
    report([...segs, 'value'], 'is required');
    return;
  }
  const info = checkValue(node.value, [...segs, 'value'], lists, report);
  if (op) checkDecoratedValue(op, node.fact, info, [...segs, 'value'], report);
}

function checkMeta(node: Record<string, unknown>, segs: Seg[], report: Report): void {
  if ('priority' in node && !(typeof node.priority === 'number' && Number.isInteger(node.priority) && node.priority >= 1)) {
    report([...segs, 'priority'], 'must be an integer >= 1');
  }
  if ('name' in node && typeof node.name !== 'string') report([...segs, 'name'], 'must be a string');
}

/** Checks a rule's `conditions` value; problems are reported against `file`. */
export function conditionProblems(conditions: unknown, file: string, lists: Record<string, NamedList>): Problem[] {
  const problems: Problem[] = [];
  const report: Report = (segs, message, level = 'error') => problems.push({ file, field: fieldPath(segs), message, level });
  const root = ['conditions'];
  if (!isPlainObject(conditions)) {
    report(root, 'must be an object with "all", "any" or "not"');
    return problems;
  }
  if (!BOOLEAN_KEYS.some((k) => k in conditions)) {
    report(root, 'the top level must be "all", "any" or "not" (json-rules-engine requires it); wrap a single condition in {"all": [...]}');
    return problems;
  }
  checkNode(conditions, root, lists, report);
  return problems;
}

