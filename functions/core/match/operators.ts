/**
 * rekwatch's operators, added to json-rules-engine's own (equal, notEqual, in, notIn, contains,
 * doesNotContain, lessThan[Inclusive], greaterThan[Inclusive], and the someFact/someValue/
 * everyFact/everyValue/swap/not decorators).
 *
 * Each operator is a pure function of (factValue, value). A fact value of the wrong type makes the
 * operator false (never an error). A missing value (`undefined` or `null`: a fact reference to a
 * field the record lacks) makes the operator false too, never an error. Any other malformed `value`
 * throws, which the evaluator reports as a rule error (validation rejects such literal values before
 * they get here; a fact reference can still produce one, e.g. a number where a string belongs).
 */
import type { RE2JS } from 're2js';
import { compileGlob } from './glob';
import { parseCidrList, parseIp, ipInRange, type Cidr, type IpAddress } from './ip';

export type OperatorFn = (factValue: unknown, value: unknown) => boolean;

export interface CustomOperator {
  name: string;
  /** Shape the rule's `value` must have; used by validation and documentation. */
  valueKind: 'cidrs' | 'strings' | 'regex' | 'boolean';
  evaluate: OperatorFn;
}

const cidrCache = new WeakMap<object, Cidr[]>();
const cidrStringCache = new Map<string, Cidr[]>();
const regexCache = new Map<string, StringTest>();
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

const ipCache = new Map<string, IpAddress | null>();

/**
 * `parseIp` of a fact, remembered by its text: a trail repeats the same few source addresses, and
 * every in-scope record meets each IP condition of its candidate rules. Parsed addresses are only
 * read (ipInRange), never changed, so sharing one is safe.
 */
function ipOf(fact: unknown): IpAddress | null {
  if (typeof fact !== 'string') return null;
  let ip = ipCache.get(fact);
  if (ip === undefined) {
    ip = parseIp(fact);
    if (ipCache.size > CACHE_LIMIT) ipCache.clear();
    ipCache.set(fact, ip);
  }
  return ip;
}

function stringsOf(value: unknown, operator: string): readonly string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new Error(`${operator}: value must be a string or an array of strings`);
}

// re2js is loaded on first use: most packs never use matchesRegex, and its load shows in cold starts.
let re2: typeof import('re2js') | undefined;
function re2js(): typeof import('re2js') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  re2 ??= require('re2js') as typeof import('re2js');
  return re2;
}

/** The pattern's test (RE2 syntax, its answers remembered); throws for a value that is not a valid pattern. */
function regexOf(value: unknown, operator: string): StringTest {
  if (typeof value !== 'string') throw new Error(`${operator}: value must be a regular expression string`);
  let test = regexCache.get(value);
  if (!test) {
    const re: RE2JS = re2js().RE2JS.compile(value);
    test = remembered((fact) => re.matcher(fact).find());
    if (regexCache.size > CACHE_LIMIT) regexCache.clear();
    regexCache.set(value, test);
  }
  return test;
}

type StringTest = (fact: string) => boolean;

/**
 * Answers of the costlier string tests (globs, RE2 regular expressions), remembered. The facts rules
 * test are a small set of values seen again and again (principal ARNs, account ids, user agents),
 * and a glob list or an re2js match (linear time whatever the pattern, unlike the native engine)
 * costs a microsecond or more; the tests are pure, so a remembered answer is the answer. Bounded
 * for any input: short facts only, at most ANSWERS_LIMIT answers over all tests, all forgotten when
 * full. Keys are a test's number, a colon and the fact, so no two tests' answers can meet.
 */
const answers = new Map<string, boolean>();
const ANSWERS_LIMIT = 4096;
const MAX_REMEMBERED_FACT = 256;
let testsRemembered = 0;

function remembered(test: StringTest): StringTest {
  const prefix = `${testsRemembered++}:`;
  return (fact) => {
    if (fact.length > MAX_REMEMBERED_FACT) return test(fact);
    const key = prefix + fact;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = test(fact);
      if (answers.size >= ANSWERS_LIMIT) answers.clear();
      answers.set(key, answer);
    }
    return answer;
  };
}

/**
 * An operator over strings whose value is one pattern or an array of them (any may match). The
 * value is compiled once per distinct value (rule values and lists are the same objects on every
 * evaluation) into a single test function.
 */
function anyString(name: string, compile: (pattern: string) => StringTest, options: { prepare?: (fact: string) => string; remember?: boolean } = {}): OperatorFn {
  const prepare = options.prepare ?? ((f: string) => f);
  const byArray = new WeakMap<object, StringTest>();
  const byString = new Map<string, StringTest>();
  const build = (value: unknown): StringTest => {
    const tests = stringsOf(value, name).map(compile);
    const test = tests.length === 1 ? (tests[0] as StringTest) : (f: string) => tests.some((t) => t(f));
    return options.remember ? remembered(test) : test;
  };
  return (fact, value) => {
    if (value === undefined || value === null) return false;
    let test: StringTest | undefined;
    if (typeof value === 'string') {
      test = byString.get(value);
      if (!test) {
        test = build(value);
        if (byString.size > CACHE_LIMIT) byString.clear();
        byString.set(value, test);
      }
    } else if (Array.isArray(value)) {
      test = byArray.get(value);
      if (!test) {
        test = build(value);
        byArray.set(value, test);
      }
    } else {
      test = build(value); // throws: not a string or array of strings
    }
    return typeof fact === 'string' && test(prepare(fact));
  };
}

// Several rules often test the same string (a record's userAgent) case-insensitively in a row.
let lastLowerIn = '';
let lastLowerOut = '';
function lowerCased(s: string): string {
  if (s !== lastLowerIn) {
    lastLowerIn = s;
    lastLowerOut = s.toLowerCase();
  }
  return lastLowerOut;
}

const missing = (value: unknown): boolean => value === undefined || value === null;

/**
 * `exists`: with `true`, whether the fact (after its path) has a value; with `false`, whether it has
 * none. `null` counts as no value (CloudTrail writes `"requestParameters": null` for "none").
 */
function exists(fact: unknown, value: unknown): boolean {
  if (missing(value)) return false;
  if (typeof value !== 'boolean') throw new Error('exists: value must be true or false');
  return (fact !== undefined && fact !== null) === value;
}

export const CUSTOM_OPERATORS: readonly CustomOperator[] = [
  {
    name: 'ipInCidr',
    valueKind: 'cidrs',
    evaluate: (fact, value) => {
      if (missing(value)) return false;
      const ranges = cidrsOf(value, 'ipInCidr');
      const ip = ipOf(fact);
      return ip !== null && ranges.some((r) => ipInRange(ip, r));
    },
  },
  {
    name: 'ipNotInCidr',
    valueKind: 'cidrs',
    evaluate: (fact, value) => {
      if (missing(value)) return false;
      const ranges = cidrsOf(value, 'ipNotInCidr');
      const ip = ipOf(fact);
      return ip !== null && !ranges.some((r) => ipInRange(ip, r));
    },
  },
  { name: 'startsWith', valueKind: 'strings', evaluate: anyString('startsWith', (p) => (f) => f.startsWith(p)) },
  { name: 'endsWith', valueKind: 'strings', evaluate: anyString('endsWith', (p) => (f) => f.endsWith(p)) },
  { name: 'matches', valueKind: 'strings', evaluate: anyString('matches', (p) => compileGlob(p), { remember: true }) },
  {
    name: 'matchesIgnoreCase',
    valueKind: 'strings',
    evaluate: anyString('matchesIgnoreCase', (p) => compileGlob(p, true), { prepare: lowerCased, remember: true }),
  },
  {
    name: 'matchesRegex',
    valueKind: 'regex',
    evaluate: (fact, value) => {
      if (missing(value)) return false;
      // Compiled (or refused: not a string, not a valid pattern) whatever the fact is.
      const test = regexOf(value, 'matchesRegex');
      return typeof fact === 'string' && test(fact);
    },
  },
  { name: 'exists', valueKind: 'boolean', evaluate: exists },
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
    re2js().RE2JS.compile(pattern);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
