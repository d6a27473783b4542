/**
 * Meaning checks for a rule's `conditions` beyond its JSON shape: node structure, known facts and
 * operators (with did-you-mean), JSONPath syntax, fact references and named lists, CIDRs, regular
 * expressions and value types the operators need. Every problem is reported, not just the first.
 *
 * Each error names why it is refused (`Problem.code`): either one of `STRICTER_THAN_ENGINE`, things
 * json-rules-engine 7.3.1 would load and run but rekwatch refuses, or `engine-refuses-too`, things
 * json-rules-engine (with rekwatch's operators) would refuse or throw on as well. README's "What
 * rekwatch refuses beyond json-rules-engine" lists exactly `STRICTER_THAN_ENGINE`, and
 * test/unit/validation.test.ts checks that list, and an example per code against json-rules-engine.
 *
 * Warnings (valid, but rarely meant): empty lists (with what the operator then means), ranges that
 * cover a whole address family or both, and, in a rule scoped to Rekognition, an eventName that is
 * no Rekognition operation (with did-you-mean).
 */
import { JSONPath } from 'jsonpath-plus';
import { FIRST_SEEN_FACT, KNOWN_FACTS, LISTS_FACT } from '../input/facts';
import { cidrCoverage, parseCidr } from '../match/ip';
import { parseSimplePath } from '../common/json-path';
import { CUSTOM_OPERATORS, ENGINE_DECORATORS, OPERATOR_NAMES, regexError } from '../match/operators';
import { isPlainObject } from '../common/json-value';
import { isRekognitionOperation, REKOGNITION_EVENT_SOURCE, REKOGNITION_OPERATIONS } from '../common/rekognition';
import type { NamedList } from '../common/types';
import { didYouMean } from '../common/did-you-mean';
import { fieldPath, type Problem } from './problem';

/**
 * What rekwatch refuses although json-rules-engine 7.3.1 accepts it (loads the rule and evaluates it
 * without an error), and why. Keep README.md's list in step: a test compares them.
 */
export const STRICTER_THAN_ENGINE = {
  'empty-group': 'an empty "all" or "any": json-rules-engine treats it as always true, which is never what a detection means',
  'ambiguous-node': 'a node with more than one of "all", "any", "not": json-rules-engine silently uses one ("any", else "all", else "not") and ignores the rest',
  'unknown-field': 'unknown fields in a condition or fact reference (a misspelt "path" or "value" would be ignored silently)',
  params: 'fact "params": rekwatch facts are plain values, so params would be ignored silently',
  'condition-reference': 'shared condition references ({"condition": "name"}): rekwatch registers none, so the reference could only be false',
  priority: 'a "priority" that is not an integer >= 1 (json-rules-engine parses anything, and falls back to 1)',
  name: 'a condition "name" that is not a string',
  'unknown-fact': 'a fact that is neither a CloudTrail record field, a derived fact nor "lists" (a misspelt fact would be undefined on every record)',
  'path-syntax': 'a "path" string that does not start with "$" (jsonpath-plus reads "collectionId" as "$.collectionId", and json-rules-engine ignores an empty path)',
  'object-value': 'an object "value" that is not a fact reference (json-rules-engine compares objects by identity: never equal)',
  'list-reference': 'a "lists" reference that does not name exactly one existing list (it would be undefined, or every list at once)',
  'in-needs-array': '"in" / "notIn" with a string value (json-rules-engine would test the string for a substring)',
  'numeric-needs-number': 'lessThan, lessThanInclusive, greaterThan, greaterThanInclusive with a value that is not a number (strings compare alphabetically)',
  'boolean-fact-string': 'comparing mfaAuthenticated or readOnly (booleans, after normalisation) with strings like "false", which never equal a boolean',
  'exists-needs-boolean-literal': '"exists" with a fact reference or null instead of a literal true or false (its meaning would depend on the record)',
  'null-value': 'a null value for one of rekwatch\'s operators (ipInCidr, startsWith, matches, ...), which makes it false on every record',
  'fact-path': 'a "firstSeen" condition or reference whose path is not one of its keys ($.sourceIPAddress, $.userAgent, $.awsRegion, $.eventName, $.principal): the value would be undefined, or the whole object',
} as const;

export type StricterCode = keyof typeof STRICTER_THAN_ENGINE;
/** json-rules-engine (with rekwatch's operators) refuses or throws on it as well. */
export const ENGINE_REFUSES_TOO = 'engine-refuses-too';
type Code = StricterCode | typeof ENGINE_REFUSES_TOO;

type Seg = string | number;

interface Reporter {
  error(segs: Seg[], message: string, code: Code): void;
  warn(segs: Seg[], message: string): void;
  /**
   * A problem with an item of a named list (or with the whole list, `index` undefined): reported
   * where the items were written (the list file, or the config field that overrides it), once,
   * however many rules use the list.
   */
  atList(list: NamedList, index: number | undefined, level: Problem['level'], message: string, code?: Code): void;
  /** How messages name the lists directory. */
  readonly listsDir: string;
}

const BOOLEAN_KEYS = ['all', 'any', 'not'];
const NODE_META = ['priority', 'name'];
const LEAF_KEYS = ['fact', 'operator', 'value', 'path', ...NODE_META];
const NUMERIC = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const BOOLEAN_FACTS = new Set(['mfaAuthenticated', 'readOnly']);
const EVENT_NAME_OPERATORS = new Set(['equal', 'notEqual', 'in', 'notIn']);
const REKOGNITION_OPERATION_NAMES = Object.keys(REKOGNITION_OPERATIONS);

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** The list name a `lists` fact reference points at (`$.name` or `$['name']`), or null. */
export function listNameOfPath(path: unknown): string | null {
  if (typeof path !== 'string') return null;
  const steps = parseSimplePath(path);
  return steps && steps.length === 1 && steps[0]?.kind === 'name' ? steps[0].name : null;
}

function checkPath(path: unknown, segs: Seg[], r: Reporter): void {
  if (typeof path !== 'string' || !path.startsWith('$')) {
    // jsonpath-plus throws on a path that is not a string; it reads "collectionId" as "$.collectionId".
    r.error(segs, 'must be a JSONPath string starting with "$" (e.g. "$.collectionId")', typeof path === 'string' ? 'path-syntax' : ENGINE_REFUSES_TOO);
    return;
  }
  if (parseSimplePath(path)) return;
  try {
    JSONPath({ path, json: {}, wrap: false });
  } catch (e) {
    r.error(segs, `invalid JSONPath: ${(e as Error).message}`, ENGINE_REFUSES_TOO);
  }
}

/** The keys of the firstSeen fact (functions/core/detect/first-seen.ts), as paths must name them. */
export const FIRST_SEEN_KEYS = ['sourceIPAddress', 'userAgent', 'awsRegion', 'eventName', 'principal'] as const;

/** A firstSeen fact must be read through one of its keys: `$.KEY`. */
function checkFirstSeenPath(path: unknown, segs: Seg[], r: Reporter): void {
  const name = listNameOfPath(path);
  if (name !== null && (FIRST_SEEN_KEYS as readonly string[]).includes(name)) return;
  const named = name ?? (typeof path === 'string' ? path.replace(/^\$\.?/, '') : '');
  r.error(
    segs,
    path === undefined
      ? `firstSeen is an object: name one of its keys, e.g. "path": "$.sourceIPAddress" (keys: ${FIRST_SEEN_KEYS.join(', ')})`
      : `firstSeen has no key ${JSON.stringify(path)}${didYouMean(named, FIRST_SEEN_KEYS)} (keys: ${FIRST_SEEN_KEYS.join(', ')})`,
    'fact-path',
  );
}

function checkFactName(fact: unknown, segs: Seg[], r: Reporter): boolean {
  if (typeof fact !== 'string' || fact === '') {
    r.error(segs, 'must be a non-empty string naming a fact', 'unknown-fact');
    return false;
  }
  if (!KNOWN_FACTS.includes(fact)) {
    r.error(segs, `unknown fact "${fact}"${didYouMean(fact, KNOWN_FACTS)}`, 'unknown-fact');
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

function checkValue(value: unknown, segs: Seg[], lists: Record<string, NamedList>, r: Reporter): ValueInfo {
  if (!isPlainObject(value)) return { literal: value, dynamic: false };
  if (!own(value, 'fact')) {
    r.error(segs, 'an object value must be a fact reference like {"fact": "lists", "path": "$.trusted-networks"}', 'object-value');
    return { dynamic: true };
  }
  for (const key of Object.keys(value)) {
    if (key === 'params') r.error([...segs, key], 'rekwatch facts take no params', 'params');
    else if (key !== 'fact' && key !== 'path') r.error([...segs, key], `unknown field in fact reference${didYouMean(key, ['fact', 'path'])}`, 'unknown-field');
  }
  if (!checkFactName(value.fact, [...segs, 'fact'], r)) return { dynamic: true };
  if (value.path !== undefined) checkPath(value.path, [...segs, 'path'], r);
  if (value.fact === FIRST_SEEN_FACT) checkFirstSeenPath(value.path, [...segs, 'path'], r);
  if (value.fact === LISTS_FACT) {
    const name = listNameOfPath(value.path);
    if (name === null) {
      r.error([...segs, 'path'], 'a lists reference needs "path": "$.LIST-NAME"', 'list-reference');
      return { dynamic: true };
    }
    // Own keys only: `$.constructor` or `$.__proto__` must not find Object's built-ins.
    const list = own(lists, name) ? lists[name] : undefined;
    if (!list) {
      const known = Object.keys(lists);
      r.error([...segs, 'path'], `unknown list "${name}"${didYouMean(name, known)}${known.length ? '' : ` (no lists under ${r.listsDir})`}`, 'list-reference');
      return { dynamic: true };
    }
    return { literal: list.items, dynamic: false, list };
  }
  return { dynamic: true };
}

/** What a leaf is about, for the checks of its value. */
interface LeafContext {
  fact: unknown;
  /** The leaf has a `path` (so `eventName` is not the record's eventName). */
  pathed: boolean;
  /** The rule can only see Rekognition records (pinned eventSource, or the configured scope). */
  rekognitionScoped: boolean;
}

/** What an operator that tests membership in a list means when the list is empty. */
function emptyMeaning(operator: string): string | null {
  switch (operator) {
    case 'ipInCidr': return 'ipInCidr [] is false for every value, so this condition never holds';
    case 'ipNotInCidr': return 'ipNotInCidr [] is true for every IP address (and false for values that are not IPs)';
    case 'in': return 'in [] is false for every value: this condition can never match';
    case 'notIn': return 'notIn [] is true for every value: this condition always holds';
    case 'startsWith':
    case 'endsWith':
    case 'matches':
    case 'matchesIgnoreCase': return `${operator} [] is false for every value, so this condition never holds`;
    default: return null;
  }
}

function checkOperatorValue(operator: string, ctx: LeafContext, info: ValueInfo, segs: Seg[], r: Reporter): void {
  const custom = CUSTOM_OPERATORS.find((o) => o.name === operator);
  if (info.dynamic) {
    // A fact reference (not a list): only known per record. `exists` must say what it means itself.
    if (custom?.valueKind === 'boolean') r.error(segs, `${operator} needs a literal true or false, not a fact reference`, 'exists-needs-boolean-literal');
    return;
  }
  const v = info.literal;
  if (custom && v === null) {
    r.error(segs, custom.valueKind === 'boolean' ? `${operator} needs true or false` : `${operator} needs a value: null makes it false on every record`, custom.valueKind === 'boolean' ? 'exists-needs-boolean-literal' : 'null-value');
    return;
  }
  const where = (i: number): Seg[] => (Array.isArray(v) ? [...segs, i] : segs);
  // An item's problem is reported where the item was written: in the rule, or once at the list.
  const item = {
    error: (i: number, message: string, code: Code) => (info.list ? r.atList(info.list, i, 'error', message, code) : r.error(where(i), message, code)),
    warn: (i: number, message: string) => (info.list ? r.atList(info.list, i, 'warning', message) : r.warn(where(i), message)),
  };
  if (Array.isArray(v) && v.length === 0) {
    const meaning = emptyMeaning(operator);
    if (meaning) {
      if (info.list) r.atList(info.list, undefined, 'warning', `is empty: ${meaning}`);
      else r.warn(segs, `is empty: ${meaning}`);
    }
  }
  if (custom?.valueKind === 'cidrs') {
    const items = Array.isArray(v) ? v : [v];
    items.forEach((entry, i) => {
      const cidr = parseCidr(entry);
      if (!cidr) {
        item.error(i, `invalid CIDR ${JSON.stringify(entry)}`, ENGINE_REFUSES_TOO);
        return;
      }
      const coverage = cidrCoverage(cidr);
      if (coverage) {
        item.warn(
          i,
          `${JSON.stringify(entry)} covers ${coverage} (IPv4 addresses are ::ffff:0:0/96 of the IPv6 space)` +
            (operator === 'ipNotInCidr' ? `: used with ipNotInCidr, no such address is ever "not in" ${info.list ? 'this list' : 'it'}` : ''),
        );
      }
    });
  } else if (custom?.valueKind === 'strings') {
    const ok = typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) r.error(segs, `${operator} needs a string or an array of strings`, ENGINE_REFUSES_TOO);
  } else if (custom?.valueKind === 'regex') {
    if (typeof v !== 'string') r.error(segs, `${operator} needs a regular expression string`, ENGINE_REFUSES_TOO);
    else {
      const err = regexError(v);
      if (err) r.error(segs, `invalid regular expression (RE2 syntax): ${err}`, ENGINE_REFUSES_TOO);
    }
  } else if (custom?.valueKind === 'boolean') {
    if (typeof v !== 'boolean') r.error(segs, `${operator} needs true or false`, ENGINE_REFUSES_TOO);
  } else if (operator === 'in' || operator === 'notIn') {
    // json-rules-engine calls value.indexOf(fact): a substring test on a string, a throw on anything else.
    if (!Array.isArray(v)) r.error(segs, `${operator} needs an array (or a list reference)`, typeof v === 'string' ? 'in-needs-array' : ENGINE_REFUSES_TOO);
    else if (typeof ctx.fact === 'string' && BOOLEAN_FACTS.has(ctx.fact) && v.some((x) => typeof x === 'string')) {
      r.error(segs, `${ctx.fact} is a boolean (true/false${ctx.fact === 'mfaAuthenticated' ? ', or null when unknown' : ''}): list booleans, not strings`, 'boolean-fact-string');
    }
  } else if (NUMERIC.has(operator)) {
    if (typeof v !== 'number') r.error(segs, `${operator} needs a number`, 'numeric-needs-number');
  } else if ((operator === 'equal' || operator === 'notEqual') && typeof ctx.fact === 'string' && BOOLEAN_FACTS.has(ctx.fact)) {
    if (typeof v === 'string') {
      r.error(
        segs,
        `${ctx.fact} is a boolean (true/false${ctx.fact === 'mfaAuthenticated' ? ', or null when unknown' : ''}): compare it with ${v.toLowerCase() === 'true'} rather than the string ${JSON.stringify(v)}`,
        'boolean-fact-string',
      );
    }
  }
  if (ctx.fact === 'eventName' && !ctx.pathed && ctx.rekognitionScoped && EVENT_NAME_OPERATORS.has(operator)) {
    const names = Array.isArray(v) ? v : [v];
    names.forEach((name, i) => {
      if (typeof name !== 'string' || isRekognitionOperation(name)) return;
      item.warn(i, `"${name}" is not a Rekognition operation${didYouMean(name, REKOGNITION_OPERATION_NAMES)}: no Rekognition call has this eventName`);
    });
  }
}

/**
 * Checks the value against the base operator behind any decorators: `not:`, `someFact:` and
 * `everyFact:` keep the base operator's value; `someValue:` / `everyValue:` take an array of them;
 * after `swap:` fact and value trade places, so the value is not checked.
 */
function checkDecoratedValue(operator: string, ctx: LeafContext, info: ValueInfo, segs: Seg[], r: Reporter): void {
  const parts = operator.split(':');
  const base = parts.pop() as string;
  if (parts.includes('swap')) return;
  if (parts.includes('someValue') || parts.includes('everyValue')) {
    if (info.dynamic) return;
    if (!Array.isArray(info.literal)) {
      r.error(segs, `${operator} needs an array of values`, ENGINE_REFUSES_TOO);
      return;
    }
    info.literal.forEach((v, i) => checkOperatorValue(base, ctx, { literal: v, dynamic: false }, [...segs, i], r));
    return;
  }
  checkOperatorValue(base, ctx, info, segs, r);
}

function checkOperator(operator: unknown, segs: Seg[], r: Reporter): string | null {
  if (typeof operator !== 'string' || operator === '') {
    r.error(segs, 'must be a non-empty string naming an operator', ENGINE_REFUSES_TOO);
    return null;
  }
  const parts = operator.split(':');
  const base = parts.pop() as string;
  let ok = true;
  for (const d of parts) {
    if (!(ENGINE_DECORATORS as readonly string[]).includes(d)) {
      r.error(segs, `unknown operator decorator "${d}"${didYouMean(d, ENGINE_DECORATORS)}`, ENGINE_REFUSES_TOO);
      ok = false;
    }
  }
  if (!OPERATOR_NAMES.includes(base)) {
    r.error(segs, `unknown operator "${base}"${didYouMean(base, OPERATOR_NAMES)}`, ENGINE_REFUSES_TOO);
    ok = false;
  }
  return ok ? operator : null;
}

function checkNode(node: unknown, segs: Seg[], lists: Record<string, NamedList>, scoped: boolean, r: Reporter): void {
  if (!isPlainObject(node)) {
    r.error(segs, 'must be a condition object', ENGINE_REFUSES_TOO);
    return;
  }
  const bools = BOOLEAN_KEYS.filter((k) => k in node);
  if (bools.length > 1) {
    r.error(segs, `has both ${bools.map((b) => `"${b}"`).join(' and ')}: nest them instead`, 'ambiguous-node');
    return;
  }
  if (bools.length === 1) {
    const kind = bools[0] as string;
    for (const key of Object.keys(node)) {
      if (key !== kind && !NODE_META.includes(key)) r.error([...segs, key], `unknown field in "${kind}" condition${didYouMean(key, [kind, ...NODE_META])}`, 'unknown-field');
    }
    checkMeta(node, segs, r);
    const child = node[kind];
    if (kind === 'not') {
      checkNode(child, [...segs, 'not'], lists, scoped, r);
    } else if (!Array.isArray(child)) {
      r.error([...segs, kind], 'must be an array of conditions', ENGINE_REFUSES_TOO);
    } else if (child.length === 0) {
      r.error([...segs, kind], `is empty: json-rules-engine treats an empty "${kind}" as always true`, 'empty-group');
    } else {
      child.forEach((c, i) => checkNode(c, [...segs, kind, i], lists, scoped, r));
    }
    return;
  }
  if ('condition' in node) {
    r.error([...segs, 'condition'], 'shared condition references are not supported; write the condition inline', 'condition-reference');
    return;
  }
  if (!('fact' in node) && !('operator' in node)) {
    r.error(segs, `must have "all", "any" or "not", or be a fact condition with "fact", "operator" and "value"`, ENGINE_REFUSES_TOO);
    return;
  }
  for (const key of Object.keys(node)) {
    if (key === 'params') r.error([...segs, key], 'rekwatch facts take no params', 'params');
    else if (!LEAF_KEYS.includes(key)) r.error([...segs, key], `unknown field${didYouMean(key, LEAF_KEYS)}`, 'unknown-field');
  }
  checkMeta(node, segs, r);
  if (!('fact' in node)) r.error([...segs, 'fact'], 'is required', ENGINE_REFUSES_TOO);
  else checkFactName(node.fact, [...segs, 'fact'], r);
  let op: string | null = null;
  if ('operator' in node) op = checkOperator(node.operator, [...segs, 'operator'], r);
  else r.error([...segs, 'operator'], 'is required', ENGINE_REFUSES_TOO);
  if ('path' in node) checkPath(node.path, [...segs, 'path'], r);
  if (node.fact === FIRST_SEEN_FACT) checkFirstSeenPath(node.path, [...segs, 'path'], r);
  if (!('value' in node)) {
    r.error([...segs, 'value'], 'is required', ENGINE_REFUSES_TOO);
    return;
  }
  const info = checkValue(node.value, [...segs, 'value'], lists, r);
  const ctx: LeafContext = { fact: node.fact, pathed: node.path !== undefined, rekognitionScoped: scoped };
  if (op) checkDecoratedValue(op, ctx, info, [...segs, 'value'], r);
}

function checkMeta(node: Record<string, unknown>, segs: Seg[], r: Reporter): void {
  if ('priority' in node && !(typeof node.priority === 'number' && Number.isInteger(node.priority) && node.priority >= 1)) {
    r.error([...segs, 'priority'], 'must be an integer >= 1', 'priority');
  }
  if ('name' in node && typeof node.name !== 'string') r.error([...segs, 'name'], 'must be a string', 'name');
}

/**
 * The eventSource values a rule is pinned to by `eventSource equal "X"` / `in [...]` leaves reachable
 * from the root through `all` only, or null when it pins none.
 */
function pinnedEventSources(conditions: Record<string, unknown>): Set<string> | null {
  let pinned: Set<string> | null = null;
  const visit = (node: unknown): void => {
    if (!isPlainObject(node)) return;
    if (own(node, 'all') && Array.isArray(node.all) && !own(node, 'any') && !own(node, 'not')) {
      node.all.forEach(visit);
      return;
    }
    if (node.fact !== 'eventSource' || node.path !== undefined) return;
    const values = node.operator === 'equal' && typeof node.value === 'string' ? [node.value] : node.operator === 'in' && Array.isArray(node.value) ? node.value : null;
    if (!values) return;
    const set = new Set(values.filter((x): x is string => typeof x === 'string'));
    pinned = pinned === null ? set : new Set([...pinned].filter((s) => set.has(s)));
  };
  visit(conditions);
  return pinned;
}

export interface ConditionOptions {
  /** eventSources the rules are evaluated for (the deployment's scope); default Rekognition only. */
  eventSources?: readonly string[];
  /** The lists directory as messages should name it; default `rules/lists/`. */
  listsDir?: string;
}

/** Where a list's item (or the list itself) was written, for a problem about it. */
export function listLocation(list: NamedList, index: number | undefined): { file: string; field: string } {
  const at = index === undefined ? '' : `[${index}]`;
  return list.origin ? { file: list.origin.file, field: `${list.origin.field}${at}` } : { file: list.file, field: `items${at}` };
}

/**
 * Checks a fact named outside `conditions` (a threshold's `distinct`): a known fact other than
 * `lists`, and a valid path (firstSeen through one of its keys). `field` is where it was written.
 */
export function factReferenceProblems(fact: unknown, path: unknown, file: string, field: Seg[]): Problem[] {
  const problems: Problem[] = [];
  const r: Reporter = {
    error: (segs, message, code) => problems.push({ file, field: fieldPath(segs), message, level: 'error', code }),
    warn: (segs, message) => problems.push({ file, field: fieldPath(segs), message, level: 'warning' }),
    atList: () => undefined,
    listsDir: 'rules/lists/',
  };
  if (fact === LISTS_FACT) r.error([...field, 'fact'], 'the lists are the same for every record: count a fact of the record', 'unknown-fact');
  else if (checkFactName(fact, [...field, 'fact'], r)) {
    if (path !== undefined) checkPath(path, [...field, 'path'], r);
    if (fact === FIRST_SEEN_FACT) checkFirstSeenPath(path, [...field, 'path'], r);
  }
  return problems;
}

/** Checks a rule's `conditions` value; problems are reported against `file`. */
export function conditionProblems(conditions: unknown, file: string, lists: Record<string, NamedList>, options: ConditionOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const r: Reporter = {
    error: (segs, message, code) => problems.push({ file, field: fieldPath(segs), message, level: 'error', code }),
    warn: (segs, message) => problems.push({ file, field: fieldPath(segs), message, level: 'warning' }),
    atList: (list, index, level, message, code) => problems.push({ ...listLocation(list, index), message, level, ...(code ? { code } : {}) }),
    listsDir: options.listsDir ?? 'rules/lists/',
  };
  const root = ['conditions'];
  if (!isPlainObject(conditions)) {
    r.error(root, 'must be an object with "all", "any" or "not"', ENGINE_REFUSES_TOO);
    return problems;
  }
  if (!BOOLEAN_KEYS.some((k) => k in conditions)) {
    if ('condition' in conditions) {
      r.error([...root, 'condition'], 'shared condition references are not supported; write the condition inline', 'condition-reference');
    } else {
      r.error(root, 'the top level must be "all", "any" or "not" (json-rules-engine requires it); wrap a single condition in {"all": [...]}', ENGINE_REFUSES_TOO);
    }
    return problems;
  }
  const pinned = pinnedEventSources(conditions);
  const scope = pinned ?? new Set(options.eventSources ?? [REKOGNITION_EVENT_SOURCE]);
  const scoped = scope.size > 0 && [...scope].every((s) => s === REKOGNITION_EVENT_SOURCE);
  checkNode(conditions, root, lists, scoped, r);
  return problems;
}
