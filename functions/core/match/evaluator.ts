/**
 * The evaluation core shared by the Lambda, the CLI and the tests:
 * parsed JSON value -> scope check -> per-rule pre-check -> json-rules-engine -> alerts.
 *
 * json-rules-engine decides every alert. The eventName index (event-name-index.ts) and the pre-check
 * (precheck.ts) only let the evaluator skip a rule for a record when they can prove the rule's
 * conditions are false for it; this is what keeps
 * the high-volume Detect and Search calls that match nothing cheap. Each rule runs in its own engine,
 * so a rule that throws is isolated and reported while the others still alert.
 *
 * Stateful rules (issue 13). A threshold rule's match is a *selection* (detect/selection.ts), not an
 * alert: the detect stage (detect/stage.ts) turns selections into alerts over the window state.
 * `firstSeen` depends on state too: when `usesFirstSeen`, the caller computes the record's firstSeen
 * fact (detect/stage.ts `firstSeenFor`, one state read and write per in-scope record) and passes it
 * as a precomputed fact to `evaluateNow`/`evaluateRecord`; otherwise no state is read at all.
 */
import type { Engine } from 'json-rules-engine';
import { buildAlert } from '../alert/alert';
import { CopyWindow } from '../alert/copies';
import { createEngine, operatorsOf, type OperatorLookup } from './engine';
import { EventNameIndex, possibleEventNames } from './event-name-index';
import { FIRST_SEEN_FACT, LISTS_FACT, RecordFacts, type Precomputed } from '../input/facts';
import { selectionOf, type Selection } from '../detect/selection';
import { compileCheck, LeafMemo, NO_MATCH, UNKNOWN, type Check, type Verdict } from './precheck';
import { textRequirement, type Clause } from './text-requirement';
import { toRecord } from '../input/record';
import { asciiText, bytesAre } from '../input/ascii-bytes';
import type { Alert, CloudTrailRecord, RuleDefinition, RulePack, ThresholdSpec } from '../common/types';

export const DEFAULT_EVENT_SOURCES: readonly string[] = ['rekognition.amazonaws.com'];

export interface EvaluatorOptions {
  /** eventSource values in scope; `'*'` for every service. Default: Rekognition only. */
  eventSources?: readonly string[] | '*';
  /** Turn the pre-check off (every in-scope rule goes to json-rules-engine). For tests and benchmarks. */
  precheck?: boolean;
  /**
   * The copies of one cross-account call (records with one `sharedEventID`): `'merge'` (default: one
   * process sees every copy, as replay and watch do) returns each rule's alert for the first copy only
   * and folds the others into it (copies.ts); `'each'` returns every copy's alert (the Lambda, where
   * the state table decides which copy delivers; and rule tests, whose cases are independent).
   */
  copies?: 'merge' | 'each';
}

export interface RuleError {
  ruleId: string;
  message: string;
}

export type Evaluation =
  | { status: 'malformed'; reason: string; alerts: []; errors: []; selections?: undefined }
  | { status: 'outOfScope'; record: CloudTrailRecord; alerts: []; errors: []; selections?: undefined }
  | {
      status: 'evaluated';
      record: CloudTrailRecord;
      alerts: Alert[];
      errors: RuleError[];
      /** Matches of threshold rules, for the detect stage; absent when there are none. */
      selections?: Selection[];
    };

interface CompiledRule {
  rule: RuleDefinition;
  check: Check;
  facts: string[];
  /** What the rule needs in a record's raw text (text-requirement.ts); null: it cannot be ruled out so. */
  requirement: Clause[] | null;
  engine?: Engine;
  /** json-rules-engine's verdicts for this rule by the values of its facts (recall, ask). */
  verdicts: Map<string, RememberedVerdict>;
}

/** A remembered verdict: matched or not, or the error json-rules-engine threw. */
type RememberedVerdict = boolean | { error: string };

/**
 * json-rules-engine's verdict on a rule is a function of the values of the facts the rule reads
 * (the evaluator hands it nothing else, and rekwatch's facts and operators are pure), so the evaluator
 * asks it once per distinct list of values and remembers the answer: the high-volume calls a rule
 * selects (a threshold rule's IndexFaces, say) repeat a handful of value lists. Only short lists are
 * kept (a large request body is rarely seen twice), at most MAX_VERDICTS per rule: under 1 MB per
 * rule however varied the input (a long-lived Lambda container keeps them). Off with the
 * pre-check (`precheck: false`: every record goes to json-rules-engine, the tests' oracle).
 */
const MAX_VERDICT_KEY = 512;
const MAX_VERDICTS = 1024;

/**
 * `key` with value `v` appended (undefined as 0, a value as [its JSON]), or undefined when no verdict
 * may be kept under it: the key is already too long, or `v` holds what JSON text cannot tell apart
 * (a non-finite number, which JSON.stringify writes as null: `1e400` parses to Infinity) or cannot
 * write at all.
 */
function verdictKey(key: string, v: unknown): string | undefined {
  if (key.length > MAX_VERDICT_KEY) return undefined;
  let text: string;
  if (v === undefined) {
    text = '0';
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    text = `[${v}]`;
  } else if (typeof v === 'string' || typeof v === 'boolean' || v === null) {
    text = `[${JSON.stringify(v)}]`;
  } else {
    let exact = true;
    try {
      // Not kept when JSON text would make two values one that json-rules-engine can tell apart: a
      // non-finite number (written null) or -0 (written 0), undefined, a function or a symbol inside
      // (left out, or written null in a list), or an object that is not a plain object or array (a
      // null-prototype object cannot be turned into a string, a Date is written as one). Values
      // parsed from JSON have none of these (but for 1e400, Infinity); values built in code can.
      text = `[${JSON.stringify(v, function (this: Record<string, unknown>, k: string, x: unknown) {
        if (typeof x === 'number' ? !Number.isFinite(x) || Object.is(x, -0) : x === undefined || typeof x === 'function' || typeof x === 'symbol') exact = false;
        const original = this[k];
        if (typeof original === 'object' && original !== null) {
          const proto: unknown = Object.getPrototypeOf(original);
          if (proto !== Object.prototype && proto !== Array.prototype) exact = false;
        }
        return x;
      })}]`;
    } catch {
      return undefined;
    }
    if (!exact) return undefined;
  }
  return key === '' ? text : `${key},${text}`;
}

function remember(verdicts: Map<string, RememberedVerdict>, key: string, v: RememberedVerdict): void {
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, v);
}

/** Every fact name a condition tree mentions, in leaves and in fact-reference values. */
export function factsUsed(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) factsUsed(n, out);
  } else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    if (typeof obj.fact === 'string') out.add(obj.fact);
    for (const v of Object.values(obj)) if (typeof v === 'object' && v !== null) factsUsed(v, out);
  }
  return out;
}

export class Evaluator {
  private readonly compiled: CompiledRule[];
  private readonly scope: Set<string> | null;
  /** The same sources as a list, for `inScopeSourceAt`. */
  private readonly scopeList: readonly string[];
  private readonly lists: Record<string, string[]>;
  private readonly usePrecheck: boolean;
  private readonly index: EventNameIndex<CompiledRule>;
  private readonly memo = new LeafMemo();
  private readonly copyWindow: CopyWindow | null;
  /** Display names of accounts for alerts (the pack's `accountNames`). */
  readonly accountNames: Readonly<Record<string, string>> | undefined;

  constructor(pack: RulePack, options: EvaluatorOptions = {}) {
    const sources = options.eventSources ?? DEFAULT_EVENT_SOURCES;
    this.scope = sources === '*' || sources.includes('*') ? null : new Set(sources);
    this.scopeList = this.scope ? [...this.scope] : [];
    this.usePrecheck = options.precheck ?? true;
    this.copyWindow = (options.copies ?? 'merge') === 'merge' ? new CopyWindow() : null;
    this.accountNames = pack.accountNames;
    this.lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
    const ops: OperatorLookup = operatorsOf(createEngine());
    this.compiled = pack.rules
      .filter((r) => r.enabled)
      .map((rule) => ({
        rule,
        check: compileCheck(rule.conditions, ops, this.lists, this.memo),
        facts: [...factsUsed(rule.conditions)],
        requirement: this.usePrecheck ? textRequirement(rule.conditions, ops, this.lists) : null,
        verdicts: new Map<string, RememberedVerdict>(),
      }));
    const named = this.compiled.map((c) => ({ item: c, names: possibleEventNames(c.rule.conditions, this.lists) }));
    this.index = new EventNameIndex(named);
    this.eventNames = named.some((n) => n.names === null) ? null : new Set(named.flatMap((n) => [...(n.names as Set<string>)]));
    this.usesFirstSeen = this.compiled.some((c) => c.facts.includes(FIRST_SEEN_FACT));
    this.hasThresholds = this.compiled.some((c) => c.rule.threshold !== undefined);
    this.filtersText = this.usePrecheck && !this.usesFirstSeen;
  }

  /**
   * Whether `mayMatchText` may be used to skip records: with the pre-check on, and when no rule reads
   * `firstSeen` (first-seen memory learns from every in-scope record, matched or not).
   */
  readonly filtersText: boolean;

  /**
   * The raw-text pre-filter (text-requirement.ts): false only when no enabled rule can match, nor
   * throw for, an in-scope record with this eventName whose JSON text has no backslash and
   * contains only what `contains` says it contains. Then evaluating the record gives no alert, no
   * selection and no rule error, so a reader may count it without parsing it. Only meaningful when
   * `filtersText`; `eventName` is the record's (undefined when it has none).
   */
  mayMatchText(eventName: string | undefined, contains: (literal: string) => boolean): boolean {
    if (!this.filtersText) return true;
    return this.mayMatchAny(this.index.candidates(eventName), contains);
  }

  /**
   * `mayMatchText` for the eventName held by the bytes `b[start, end)` of an ASCII text
   * (core/input/raw-ascii.ts), without making a string of it.
   */
  mayMatchTextAt(b: Uint8Array, start: number, end: number, contains: (literal: string) => boolean): boolean {
    if (!this.filtersText) return true;
    return this.mayMatchAny(this.index.candidatesAt(b, start, end), contains);
  }

  private mayMatchAny(candidates: readonly CompiledRule[], contains: (literal: string) => boolean): boolean {
    for (const c of candidates) {
      const clauses = c.requirement;
      if (clauses === null) return true;
      let all = true;
      for (const clause of clauses) {
        let some = false;
        for (const literal of clause) {
          if (contains(literal)) {
            some = true;
            break;
          }
        }
        if (!some) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  }

  /**
   * Whether some enabled rule reads the `firstSeen` fact: only then must the caller compute it
   * (and read first-seen state) before evaluating a record.
   */
  readonly usesFirstSeen: boolean;

  /** Whether some enabled rule has a threshold (its matches are selections for the detect stage). */
  readonly hasThresholds: boolean;

  /**
   * Every eventName some enabled rule can match (the index's union), or null when some rule can
   * match any eventName: what a history source needs to fetch (lookup-streams.ts).
   */
  readonly eventNames: ReadonlySet<string> | null;

  /** The eventSources in scope, or null for every service. */
  get eventSourceScope(): ReadonlySet<string> | null {
    return this.scope;
  }

  /**
   * The alert of a selection of enabled rule `ruleId` for the record whose JSON text is `text`:
   * what evaluating the record builds (the same rule, record, envelope and account names), for a
   * selection whose alert was left to be built where the text is (replay-workers/chunk.ts).
   */
  selectionAlert(ruleId: string, text: string): Alert {
    const rule = this.compiled.find((c) => c.rule.id === ruleId)?.rule;
    const value: unknown = JSON.parse(text);
    const parsed = toRecord(value);
    if (!rule || !parsed.ok) throw new Error(`selectionAlert: no rule ${ruleId} or no record in the text`);
    return buildAlert(rule, parsed.record, parsed.envelope ? (value as Record<string, unknown>) : undefined, this.accountNames);
  }

  /** Enabled rules, in pack order. */
  get rules(): readonly RuleDefinition[] {
    return this.compiled.map((c) => c.rule);
  }

  inScope(record: CloudTrailRecord): boolean {
    return this.inScopeSource(record.eventSource);
  }

  /** `inScope` of a record with this eventSource. */
  inScopeSource(eventSource: unknown): boolean {
    return this.scope === null || (typeof eventSource === 'string' && this.scope.has(eventSource));
  }

  /**
   * `inScopeSource(text.slice(start, end))`, compared in place for a scope of a few sources (the
   * raw-text reader's question for every record it does not parse: a slice and a hash of it per
   * record cost more than comparing the one or two sources a pack normally has). `text` may be the
   * bytes of an ASCII text (core/input/raw-ascii.ts), positions the same.
   */
  inScopeSourceAt(text: string | Buffer, start: number, end: number): boolean {
    if (this.scope === null) return true;
    const list = this.scopeList;
    const bytes = typeof text !== 'string';
    if (list.length > 4) return this.scope.has(bytes ? asciiText(text, start, end) : text.slice(start, end));
    const n = end - start;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as string;
      if (s.length === n && (bytes ? bytesAre(text, start, s) : text.startsWith(s, start))) return true;
    }
    return false;
  }

  /** Evaluates one parsed JSON value (CloudTrail record or EventBridge event). Never rejects. */
  evaluate(input: unknown): Promise<Evaluation> {
    const parsed = toRecord(input);
    if (!parsed.ok) return Promise.resolve({ status: 'malformed', reason: parsed.reason, alerts: [], errors: [] });
    return this.evaluateRecord(parsed.record, parsed.envelope ? (input as Record<string, unknown>) : undefined);
  }

  /**
   * Evaluates a record already checked by `toRecord`. Never rejects. Synchronous up to the point
   * where some rule survives the pre-check, so the common no-match case costs no async work.
   */
  evaluateRecord(record: CloudTrailRecord, envelope?: Record<string, unknown>, precomputed?: Precomputed): Promise<Evaluation> {
    return Promise.resolve(this.evaluateNow(record, envelope, precomputed));
  }

  /**
   * `evaluateRecord` without the promise when no rule survives the pre-check (most records) or each
   * survivor's verdict is a remembered one: the evaluation itself, else a promise of it. Never
   * rejects. `precomputed`: the state-dependent facts (firstSeen) the caller computed for this record;
   * absent ones are undefined.
   */
  evaluateNow(record: CloudTrailRecord, envelope?: Record<string, unknown>, precomputed?: Precomputed): Evaluation | Promise<Evaluation> {
    if (!this.inScope(record)) return { status: 'outOfScope', record, alerts: [], errors: [] };
    const facts = new RecordFacts(record, this.lists, precomputed);
    this.memo.next();
    const candidates = this.usePrecheck ? this.index.candidates(record.eventName) : this.compiled;
    let survivors: CompiledRule[] | undefined;
    for (const c of candidates) {
      if (this.usePrecheck) {
        let verdict: Verdict;
        try {
          verdict = c.check(facts);
        } catch {
          verdict = UNKNOWN;
        }
        if (verdict === NO_MATCH) continue;
      }
      (survivors ??= []).push(c);
    }
    if (!survivors) return { status: 'evaluated', record, alerts: [], errors: [] };
    return this.runEngines(survivors, facts, envelope);
  }

  /**
   * json-rules-engine on the rules that survived the pre-check, in pack order. Synchronous while every
   * verdict is one remembered (`recall`: the common case for the high-volume calls a threshold rule
   * selects); from the first rule the engine must decide, the rest are run asynchronously, in order.
   */
  private runEngines(rules: readonly CompiledRule[], facts: RecordFacts, envelope?: Record<string, unknown>): Evaluation | Promise<Evaluation> {
    const found: Found = { alerts: [], errors: [] };
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i] as CompiledRule;
      const asked = this.recall(c, facts);
      if (asked instanceof EngineQuestion) return this.runEnginesFrom(rules, i, asked, facts, envelope, found);
      this.take(c, asked, facts, envelope, found);
    }
    return evaluationOf(facts.record, found);
  }

  private async runEnginesFrom(rules: readonly CompiledRule[], from: number, first: EngineQuestion, facts: RecordFacts, envelope: Record<string, unknown> | undefined, found: Found): Promise<Evaluation> {
    for (let i = from; i < rules.length; i++) {
      const c = rules[i] as CompiledRule;
      const asked = i === from ? first : this.recall(c, facts);
      this.take(c, asked instanceof EngineQuestion ? await this.ask(c, asked) : asked, facts, envelope, found);
    }
    return evaluationOf(facts.record, found);
  }

  /** A rule's verdict as evaluation output: an alert, a selection (threshold rules), or a rule error. */
  private take(c: CompiledRule, verdict: RememberedVerdict, facts: RecordFacts, envelope: Record<string, unknown> | undefined, found: Found): void {
    if (verdict === false) return;
    if (verdict !== true) {
      found.errors.push({ ruleId: c.rule.id, message: verdict.error });
      return;
    }
    try {
      if (c.rule.threshold) {
        // Copies of one call share a selection id: the detect stage counts them once. Its alert is
        // built only when something reads it (most selections never fire).
        const rule = c.rule;
        const record = facts.record;
        const selection = selectionOf(rule as RuleDefinition & { threshold: ThresholdSpec }, facts, () => buildAlert(rule, record, envelope, this.accountNames));
        if (selection) (found.selections ??= []).push(selection);
      } else {
        const alert = buildAlert(c.rule, facts.record, envelope, this.accountNames);
        if (!this.copyWindow?.fold(alert)) found.alerts.push(alert);
      }
    } catch (e) {
      found.errors.push({ ruleId: c.rule.id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * The rule's remembered verdict for the values of the facts it reads, or the question to put to
   * json-rules-engine: those values (the facts object it is run with) and the key to remember its
   * answer under (undefined: not kept, see verdictKey; always so with the pre-check off).
   */
  private recall(c: CompiledRule, recordFacts: RecordFacts): RememberedVerdict | EngineQuestion {
    const facts: Record<string, unknown> = Object.create(null);
    // The values json-rules-engine will see, as one JSON text: undefined as 0, a value as [value], so
    // two different lists of values never share a text (the lists are the pack's, the same for every record).
    let key: string | undefined = this.usePrecheck ? '' : undefined;
    for (const name of c.facts) {
      const v = recordFacts.get(name);
      if (v !== undefined) facts[name] = v;
      // Once no verdict can be kept for this record, its values are not written out any further.
      if (key !== undefined && name !== LISTS_FACT) key = verdictKey(key, v);
    }
    if (key !== undefined && key.length <= MAX_VERDICT_KEY) {
      const known = c.verdicts.get(key);
      if (known !== undefined) return known;
      return new EngineQuestion(facts, key);
    }
    return new EngineQuestion(facts, undefined);
  }

  /** json-rules-engine's verdict (remembered under the question's key, when it has one). */
  private async ask(c: CompiledRule, q: EngineQuestion): Promise<RememberedVerdict> {
    let verdict: RememberedVerdict;
    try {
      // A rule json-rules-engine refuses (possible only for rules not loaded from validated files)
      // is a rule error, as a run that throws is.
      c.engine ??= createEngine([c.rule]);
      verdict = (await c.engine.run(q.facts)).results.length > 0;
    } catch (e) {
      verdict = { error: e instanceof Error ? e.message : String(e) };
    }
    if (q.key !== undefined) remember(c.verdicts, q.key, verdict);
    return verdict;
  }
}

/** What a record's rules gave so far (runEngines). */
interface Found {
  alerts: Alert[];
  errors: RuleError[];
  selections?: Selection[];
}

function evaluationOf(record: CloudTrailRecord, found: Found): Evaluation {
  return { status: 'evaluated', record, alerts: found.alerts, errors: found.errors, ...(found.selections ? { selections: found.selections } : {}) };
}

/** A rule to put to json-rules-engine: the facts it is run with, and the key its verdict is kept under. */
class EngineQuestion {
  constructor(
    readonly facts: Record<string, unknown>,
    readonly key: string | undefined,
  ) {}
}

