/**
 * Selections: what a threshold rule's match produces instead of an alert. The evaluator decides the
 * rule's conditions (json-rules-engine, as for every rule) and, on a match, builds a `Selection`:
 * plain JSON data, so workers (replay threads, AWS backtest batches) can post it to the one place
 * that holds the window state (the detect stage, stage.ts).
 *
 *   - `key`: a hash of the `by` facts' values, `[[name, value], ...]` JSON-encoded (injective, so two
 *     different value lists never share a key; `undefined` is encoded as null); `keyValues` keeps
 *     them readable for the alert.
 *   - `id`: a hash of the call (`callIdOf`: sharedEventID, else eventID, else the record's hash) with
 *     the rule, so a duplicate delivery, a retry or another account's copy of one call counts once.
 *   - `distinct`: a hash of the distinct fact's value (path applied as json-rules-engine applies it);
 *     a record whose value is undefined or null is not selected (it has nothing to count).
 *   - `eventTime`: the record's eventTime in ms; a record without a usable one is not selected.
 */
import { hexHash as hash } from '../common/hex-hash';
import { JSONPath } from 'jsonpath-plus';
import { callIdOf } from '../alert/alert';
import { parseSimplePath, resolveSteps, UNRESOLVED } from '../common/json-path';
import type { Alert, RuleDefinition, ThresholdSpec } from '../common/types';
import type { RecordFacts } from '../input/facts';

export interface Selection {
  ruleId: string;
  /** Hash of the `by` fact values (32 hex digits). */
  key: string;
  keyValues: Record<string, unknown>;
  /** Event time, ms. */
  eventTime: number;
  /** Identity of the call for this rule (duplicates count once), 24 hex digits. */
  id: string;
  /** Hash of the distinct value (distinct-count rules), 24 hex digits. */
  distinct?: string;
  /**
   * The alert this event would raise if it reaches the count. Built on first read (`lazyAlert`):
   * most selections never fire, and building an alert (its record excerpt above all) is most of a
   * selection's cost; an enumerable property all the same, so copies and JSON carry it.
   */
  alert: Alert;
}

/** A selection before its alert is attached. */
export type SelectionData = Omit<Selection, 'alert'>;

/** Where a lazy selection keeps how to build its alert until it is first read (not enumerable: copies, JSON and clones leave it). */
const BUILD = Symbol('rekwatch: build the selection alert');

/**
 * Builds the alerts of the selections of one record from something they share (the record's text):
 * one object per record, where a function per selection would be a closure per selection.
 */
export interface AlertSource {
  alertOf(selection: SelectionData): Alert;
}

/** How a lazy selection builds its alert: a function of its own, or the source it shares with its record's other selections. */
export type AlertBuilder = (() => Alert) | AlertSource;

type Lazy = Selection & { [BUILD]?: AlertBuilder | undefined };

/**
 * The getter of every lazy selection's `alert`: one function for all of them. A getter made per
 * selection (a closure over its builder) cannot be shared by hidden classes, so V8 turned every
 * selection after the first into a dictionary-mode object, and what those held (the builder's
 * closure, and through it the parsed record) survived young-generation collections: over half the
 * 1 GB bench trail one thread's survivors were 42 MB instead of 7 and its scavenges took 80 ms
 * instead of 35. With one getter the selections share their hidden classes, keep fast properties
 * and die young; the builder is a non-enumerable property, let go once the alert is built.
 */
function alertOnFirstRead(this: Lazy): Alert {
  const build = this[BUILD] as AlertBuilder;
  const alert = typeof build === 'function' ? build() : build.alertOf(this);
  Object.defineProperty(this, 'alert', { value: alert, enumerable: true, writable: true, configurable: true });
  this[BUILD] = undefined;
  return alert;
}

/**
 * `data` with an `alert` built by `build` (or `build.alertOf(selection)`) on first read and kept
 * (the property then holds the value). Reading it, spreading the selection, JSON.stringify and
 * structured cloning all build it.
 */
export function lazyAlert(data: SelectionData, build: AlertBuilder): Selection {
  Object.defineProperty(data, BUILD, { value: build, writable: true, configurable: true });
  return Object.defineProperty(data, 'alert', LAZY_ALERT) as Selection;
}
/** The `alert` property of every lazy selection (one descriptor: nothing made per selection but the builder's). */
const LAZY_ALERT: PropertyDescriptor = Object.freeze({ get: alertOnFirstRead, enumerable: true, configurable: true });

/** Whether a selection's alert has been built (or was given): false while `lazyAlert` has not run it. */
export function alertBuilt(selection: Selection): boolean {
  return Object.getOwnPropertyDescriptor(selection, 'alert')?.get === undefined;
}

/** A selection's data without its alert, leaving the alert unbuilt (for a reader that rebuilds it elsewhere). */
export function withoutAlert(selection: Selection): SelectionData {
  // Field by field: `const { alert, ...rest } = selection` would build the alert.
  const { ruleId, key, keyValues, eventTime, id, distinct } = selection;
  return distinct === undefined ? { ruleId, key, keyValues, eventTime, id } : { ruleId, key, keyValues, eventTime, id, distinct };
}
/** A field added to SelectionData and not copied by withoutAlert fails to compile here. */
const EVERY_FIELD_COPIED: [Exclude<keyof SelectionData, 'ruleId' | 'key' | 'keyValues' | 'eventTime' | 'id' | 'distinct'>] extends [never] ? true : never = true;
void EVERY_FIELD_COPIED;

/** Hex digits of a selection's key, id and distinct hashes (fixed: replay's workers post them side by side, chunk.ts). */
export const KEY_DIGITS = 32;
export const ID_DIGITS = 24;
export const DISTINCT_DIGITS = 24;

/** The key of a list of `by` values (exported for tests of its injectivity). */
export function thresholdKey(by: readonly string[], values: readonly unknown[]): string {
  return hash(JSON.stringify(by.map((name, i) => [name, values[i] ?? null])), KEY_DIGITS);
}

/** A fact value with a path applied the way json-rules-engine's Almanac applies it. */
export function valueAtPath(value: unknown, path: string | undefined): unknown {
  if (!path || value === null || typeof value !== 'object') return value;
  const steps = parseSimplePath(path);
  if (steps) {
    const v = resolveSteps(value, steps);
    if (v !== UNRESOLVED) return v;
  }
  try {
    return JSONPath({ path, json: value as object, wrap: false });
  } catch {
    return undefined;
  }
}

/** The distinct value of a record for a spec (undefined: nothing to count). */
export function distinctValueOf(spec: ThresholdSpec, facts: RecordFacts): unknown {
  if (!spec.distinct) return undefined;
  return valueAtPath(facts.get(spec.distinct.fact), spec.distinct.path);
}

/**
 * The selection for a matched threshold rule, or undefined when the record cannot be counted.
 * `alert`: the alert, or how to build it when it is first read (lazyAlert).
 */
export function selectionOf(rule: RuleDefinition & { threshold: ThresholdSpec }, facts: RecordFacts, alert: Alert | (() => Alert)): Selection | undefined {
  const spec = rule.threshold;
  const eventTime = Date.parse(String(facts.record.eventTime));
  if (Number.isNaN(eventTime)) return undefined;
  const values = spec.by.map((name) => facts.get(name));
  const keyValues: Record<string, unknown> = {};
  spec.by.forEach((name, i) => {
    keyValues[name] = values[i] ?? null;
  });
  const data: SelectionData = { ruleId: rule.id, key: thresholdKey(spec.by, values), keyValues, eventTime, id: hash(JSON.stringify([rule.id, callIdOf(facts.record)]), ID_DIGITS) };
  if (spec.distinct) {
    const d = distinctValueOf(spec, facts);
    if (d === undefined || d === null) return undefined;
    data.distinct = hash(JSON.stringify(d), DISTINCT_DIGITS);
  }
  return typeof alert === 'function' ? lazyAlert(data, alert) : { ...data, alert };
}
