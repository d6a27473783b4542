/**
 * Meaning checks and loading for the stateful parts of a rule file (issue 13), beyond their JSON
 * shape (schema/rule.schema.json):
 *   - `threshold`: the window is a duration from 1s to 1d; `distinct.fact` is a known fact (with
 *     did-you-mean) other than `lists`, and its `path` valid JSONPath (firstSeen through its keys).
 *   - test cases: exactly one of `event` / `events`; `repeat` only with `event`; a threshold rule's
 *     case expecting an alert is a sequence; `alerts` and
 *     `alertOn` only for a sequence (`events` or `repeat`), in range, in order, agreeing with each
 *     other and with `expect`.
 * `testCaseOf` expands a valid case (a sequence's events when they are first read): partial events
 * get their own eventID (unless they give one: two events with one eventID are one call delivered
 * twice) and, unless they give one, an eventTime `every` (default 1s) apart from the base record's;
 * full records are used as written.
 * Problems are `FILE: field: message`, like every validator's (problem.ts).
 */
import { DURATION_PATTERN, parseDuration } from '../common/duration';
import { isPlainObject } from '../common/json-value';
import type { DedupeField, RuleTestCase, ThresholdSpec } from '../common/types';
import { BASE_TEST_RECORD } from '../testing/base-record';
import { factReferenceProblems } from './conditions';
import type { Problem } from './problem';

export const MAX_THRESHOLD_WINDOW_MS = 86_400_000;
/** A sequence's default spacing; `0s` is allowed (CloudTrail times have one-second resolution, so calls in one second share a time). */
const DEFAULT_EVERY_MS = 1000;

/** Problems of a schema-valid `threshold` value. */
export function thresholdProblems(value: Record<string, unknown>, file: string): Problem[] {
  const problems: Problem[] = [];
  if (typeof value.window === 'string' && DURATION_PATTERN.test(value.window)) {
    const ms = parseDuration(value.window);
    if (ms === null || ms > MAX_THRESHOLD_WINDOW_MS) problems.push({ file, field: 'threshold.window', message: 'must be a duration from 1s to 1d (like 5m, 1h)', level: 'error' });
  }
  if (isPlainObject(value.distinct)) problems.push(...factReferenceProblems(value.distinct.fact, value.distinct.path, file, ['threshold', 'distinct']));
  return problems;
}

/** The loaded spec of a valid `threshold` value. */
export function thresholdSpecOf(value: Record<string, unknown>): ThresholdSpec {
  const distinct = isPlainObject(value.distinct) ? value.distinct : undefined;
  return {
    count: value.count as number,
    window: String(value.window),
    windowMs: parseDuration(String(value.window)) as number,
    by: (value.by as DedupeField[] | undefined) ?? [],
    ...(distinct ? { distinct: { fact: String(distinct.fact), ...(typeof distinct.path === 'string' ? { path: distinct.path } : {}) } } : {}),
  };
}

const isSequence = (tc: Record<string, unknown>) => Array.isArray(tc.events) || tc.repeat !== undefined;
const lengthOf = (tc: Record<string, unknown>) => (Array.isArray(tc.events) ? tc.events.length : typeof tc.repeat === 'number' ? tc.repeat : 1);

/** Problems of a schema-valid test case `tests[i]` of a rule (`threshold`: whether it has one). */
export function testCaseProblems(tc: Record<string, unknown>, i: number, file: string, threshold = false): Problem[] {
  const out: Problem[] = [];
  const at = (field: string, message: string) => out.push({ file, field: `tests[${i}]${field ? `.${field}` : ''}`, message, level: 'error' });
  if (threshold && tc.expect === true && !isSequence(tc)) at('expect', 'a threshold rule alerts only when enough events arrive: give a sequence ("events", or "event" with "repeat")');
  const hasEvent = 'event' in tc;
  const hasEvents = 'events' in tc;
  if (hasEvent === hasEvents) at('', hasEvent ? 'give either "event" or "events", not both' : 'is missing "event" (one event) or "events" (a sequence)');
  if (hasEvents && 'repeat' in tc) at('repeat', 'repeats "event"; with "events", list every event instead');
  if (typeof tc.every === 'string' && DURATION_PATTERN.test(tc.every) && parseDuration(tc.every, { allowZero: true }) === null) at('every', 'must be a duration (like 10s, 1m, or 0s for calls in the same second)');
  if ('every' in tc && !isSequence(tc)) at('every', 'spaces the events of a sequence ("events" or "repeat")');
  if (!isSequence(tc)) {
    if ('alerts' in tc) at('alerts', 'counts the alerts of a sequence ("events" or "repeat"); one event alerts or not ("expect")');
    if ('alertOn' in tc) at('alertOn', 'names events of a sequence ("events" or "repeat")');
    return out;
  }
  const n = lengthOf(tc);
  const alertOn = Array.isArray(tc.alertOn) ? (tc.alertOn as number[]) : undefined;
  const alerts = typeof tc.alerts === 'number' ? tc.alerts : undefined;
  if (alertOn) {
    alertOn.forEach((k, j) => {
      if (k >= n) at(`alertOn[${j}]`, `there is no event ${k}: the sequence has ${n} (0 to ${n - 1})`);
      if (j > 0 && k <= (alertOn[j - 1] as number)) at(`alertOn[${j}]`, 'list the events in order');
    });
    if (alerts !== undefined && alerts !== alertOn.length) at('alerts', `says ${alerts} but alertOn names ${alertOn.length} event${alertOn.length === 1 ? '' : 's'}`);
  }
  const expected = alerts ?? alertOn?.length;
  if (expected !== undefined && (expected > 0) !== tc.expect) at('expect', `is ${String(tc.expect)} but the case expects ${expected} alert${expected === 1 ? '' : 's'}`);
  return out;
}

function sequenceEvent(event: Record<string, unknown>, index: number, everyMs: number, start: number, fromRepeat: boolean): Record<string, unknown> {
  if ('detail-type' in event || 'eventVersion' in event) return event;
  const out = { ...event };
  // A repetition is a different call: it gets its own id even when the repeated event names one.
  if (fromRepeat || !('eventID' in out)) out.eventID = `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;
  if (fromRepeat || !('eventTime' in out)) out.eventTime = new Date(start + index * everyMs).toISOString().replace('.000Z', 'Z');
  return out;
}

/** The loaded case of a valid test case value. */
export function testCaseOf(tc: Record<string, unknown>): RuleTestCase {
  const base = { name: tc.name as string, expect: tc.expect as boolean };
  if (!isSequence(tc)) return { ...base, event: tc.event as Record<string, unknown> };
  const everyMs = typeof tc.every === 'string' ? (parseDuration(tc.every, { allowZero: true }) ?? DEFAULT_EVERY_MS) : DEFAULT_EVERY_MS;
  const fromRepeat = !Array.isArray(tc.events);
  const given = fromRepeat ? (tc.event as Record<string, unknown>) : undefined;
  const startText = fromRepeat && typeof given?.eventTime === 'string' ? given.eventTime : String(BASE_TEST_RECORD.eventTime);
  const start = Number.isNaN(Date.parse(startText)) ? Date.parse(String(BASE_TEST_RECORD.eventTime)) : Date.parse(startText);
  const n = fromRepeat ? (tc.repeat as number) : (tc.events as unknown[]).length;
  const rawAt = (i: number) => (fromRepeat ? given : (tc.events as Record<string, unknown>[])[i]) as Record<string, unknown>;
  const last = sequenceEvent(rawAt(n - 1), n - 1, everyMs, start, fromRepeat);
  return {
    ...base,
    event: last,
    sequence: {
      // Expanded when first read (rekwatch test, validate's test run): a `repeat` of hundreds of
      // events cost every command's start-up, replay's among them, which never reads them.
      get events(): Record<string, unknown>[] {
        const events = Array.from({ length: n }, (_, i) => (i === n - 1 ? last : sequenceEvent(rawAt(i), i, everyMs, start, fromRepeat)));
        Object.defineProperty(this, 'events', { value: events, enumerable: true, writable: true, configurable: true });
        return events;
      },
      ...(typeof tc.alerts === 'number' ? { alerts: tc.alerts } : {}),
      ...(Array.isArray(tc.alertOn) ? { alertOn: tc.alertOn as number[] } : {}),
    },
  };
}
