/**
 * rekwatch's operators, added to json-rules-engine's own (equal, notEqual, in, notIn, contains,
 * doesNotContain, lessThan[Inclusive], greaterThan[Inclusive], and the someFact/someValue/
 * everyFact/everyValue/swap/not decorators).
 *
 * Each operator is a pure function of (factValue, value). A fact value of the wrong type makes the
 * operator false (never an error); a malformed rule `value` throws, which the evaluator reports
 * as a rule error (validation rejects such values before they get here).
 */
import { RE2JS } from 're2js';
import { globMatch } from './glob';
import { parseCidrList, parseIp, ipInRange, type Cidr } from './ip';

export type OperatorFn = (factValue: unknown, value: unknown) => boolean;

export interface CustomOperator {
  name: string;
  /** Shape the rule's `value` must have; used by validation and documentation. */
  valueKind: 'cidrs' | 'strings' | 'regex';
  evaluate: OperatorFn;
}

const cidrCache = new WeakMap<object, Cidr[]>();
const cidrStringCache = new Map<string, Cidr[]>();
const regexCache = new Map<string, RE2JS>();
const CACHE_LIMIT = 10_000;

function cidrsOf(value: unknown, operator: string): Cidr[] {
  if (typeof value === 'string') {
    let hit = cidrStringCache.get(value);
    if (!hit) {
      hit = parseCidrList(value) ?? undefined;
      if (!hit) throw new Error(`${operator}: value ${JSON.stringify(value)} is not a CIDR`);
      if (cidrStringCache.size > CACHE_LIMIT) cidrStringCache.clear();
      cidrStringCache.set(value, hit);
    }
    return hit;
  }
  if (Array.isArray(value)) {
    let hit = cidrCache.get(value);
    if (!hit) {
      hit = parseCidrList(value) ?? undefined;
      if (!hit) throw new Error(`${operator}: value is not a CIDR or a list of CIDRs`);
      cidrCache.set(value, hit);
    }
    return hit;
  }
  throw new Error(`${operator}: value must be a CIDR string or an array of them`);
}

function stringsOf(value: unknown, operator: string): readonly string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new Error(`${operator}: value must be a string or an array of strings`);
}

function regexOf(value: unknown, operator: string): RE2JS {
  if (typeof value !== 'string') throw new Error(`${operator}: value must be a regular expression string`);
  let re = regexCache.get(value);
  if (!re) {
    re = RE2JS.compile(value);
    if (regexCache.size > CACHE_LIMIT) regexCache.clear();
    regexCache.set(value, re);
  }
  return re;
}

function anyString(name: string, test: (fact: string, pattern: string) => boolean): OperatorFn {
  return (fact, value) => {
    const patterns = stringsOf(value, name);
    if (typeof fact !== 'string') return false;
    for (const p of patterns) if (test(fact, p)) return true;
    return false;
  };
}

export const CUSTOM_OPERATORS: readonly CustomOperator[] = [
  {
    name: 'ipInCidr',
    valueKind: 'cidrs',
    evaluate: (fact, value) => {
      const ranges = cidrsOf(value, 'ipInCidr');
      const ip = parseIp(fact);
      return ip !== null && ranges.some((r) => ipInRange(ip, r));
    },
  },
  {
    name: 'ipNotInCidr',
    valueKind: 'cidrs',
    evaluate: (fact, value) => {
      const ranges = cidrsOf(value, 'ipNotInCidr');
      const ip = parseIp(fact);
      return ip !== null && !ranges.some((r) => ipInRange(ip, r));
    },
  },
  { name: 'startsWith', valueKind: 'strings', evaluate: anyString('startsWith', (f, p) => f.startsWith(p)) },
  { name: 'endsWith', valueKind: 'strings', evaluate: anyString('endsWith', (f, p) => f.endsWith(p)) },
  { name: 'matches', valueKind: 'strings', evaluate: anyString('matches', (f, p) => globMatch(p, f)) },
  { name: 'matchesIgnoreCase', valueKind: 'strings', evaluate: anyString('matchesIgnoreCase', (f, p) => globMatch(p, f, true)) },
  {
    name: 'matchesRegex',
    valueKind: 'regex',
    evaluate: (fact, value) => {
      const re = regexOf(value, 'matchesRegex');
      return typeof fact === 'string' && re.matcher(fact).find();
    },
  },
];

/** json-rules-engine's built-in operators and decorators (v7). */
export const ENGINE_OPERATORS = [
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain',
  'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
] as const;
export const ENGINE_DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;

export const OPERATOR_NAMES: readonly string[] = [...ENGINE_OPERATORS, ...CUSTOM_OPERATORS.map((o) => o.name)];

/** Checks that a regular expression compiles under RE2 (linear-time) syntax. Returns the error or null. */
export function regexError(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
