/**
 * The first-seen reducer: per principal (`principalArn`), what it has been seen using recently, and
 * the `firstSeen` fact of a record computed from it before the record's conditions run.
 *
 * State (one item per principal, bounded): for each attribute in `FIRST_SEEN_ATTRIBUTES` a map of
 * value hash -> `[last seen (ms), id of the event that introduced it]`, at most `MAX_VALUES` values
 * (the least recently seen is forgotten first), plus the principal's own `[last seen, introducer]`.
 *
 * The fact for a record at time t: `{ sourceIPAddress, userAgent, awsRegion, eventName, principal }`,
 * each true when that value (or the principal) was not seen within the memory period before t
 * (default 30 days), i.e. it has no entry, or its last sighting is older than t - memory; an entry
 * seen at or after t (learned from a later event delivered first) counts as seen, and an attribute
 * the record lacks is false. The event that introduced a value keeps getting `true` for it, so a
 * retry or duplicate delivery of that event gets the same answer as the first delivery.
 *
 * Learning: every in-scope record evaluated updates its principal's item (`learnFirstSeen`),
 * whether or not a rule matched; last-seen times only move forward (max), so learning is
 * idempotent and commutative. A last-seen time is only moved when it gains more than
 * `memory / RESOLUTION` (7.2 hours for 30 days): a value can be forgotten that much early, and a
 * record that teaches nothing new changes nothing (`learnFirstSeen` returns undefined: no write),
 * which is most records. The item expires `memory` after its newest sighting.
 *
 * Values are kept as written when short (IP addresses, regions, operations), hashed when longer
 * than `RAW_MAX` (user agents), so an item stays small.
 */
import { hexHash } from '../common/hex-hash';
import { eventIdOf } from '../alert/alert';
import { principalArn } from '../input/facts';
import type { CloudTrailRecord } from '../common/types';

export const FIRST_SEEN_ATTRIBUTES = ['sourceIPAddress', 'userAgent', 'awsRegion', 'eventName'] as const;
export type FirstSeenAttribute = (typeof FIRST_SEEN_ATTRIBUTES)[number];
export const DEFAULT_FIRST_SEEN_MEMORY_MS = 30 * 86_400_000;
export const MAX_VALUES = 200;
export const RESOLUTION = 100;
const RAW_MAX = 64;

export type Sighting = [number, string];

export interface FirstSeenState {
  v: 1;
  principal: Sighting;
  values: Record<FirstSeenAttribute, Record<string, Sighting>>;
}

export type FirstSeenFact = Record<FirstSeenAttribute | 'principal', boolean>;

/** What one record tells about its principal. */
export interface Observation {
  principal: string;
  /** Event time, ms. */
  t: number;
  /** Hash of the event's id (for the introducer). */
  id: string;
  /** Hashes of the attribute values the record has. */
  values: Partial<Record<FirstSeenAttribute, string>>;
}

const hash = (text: string) => hexHash(text, 20);
/** A value as the state keeps it: itself when short, else `#` and a hash (no short value starts with `#`). */
const keep = (text: string) => (text.length <= RAW_MAX && !text.startsWith('#') ? text : `#${hash(text)}`);

/** The observation of a record, or undefined when it has no principal or no usable eventTime. */
export function observationOf(record: CloudTrailRecord): Observation | undefined {
  const principal = principalArn(record);
  const t = Date.parse(String(record.eventTime));
  if (principal === undefined || Number.isNaN(t)) return undefined;
  const values: Partial<Record<FirstSeenAttribute, string>> = {};
  for (const a of FIRST_SEEN_ATTRIBUTES) {
    const v = record[a];
    if (typeof v === 'string' && v !== '') values[a] = keep(v);
  }
  return { principal, t, id: keep(eventIdOf(record)), values };
}

/** The state key of a principal's memory. */
export function firstSeenStateKey(principal: string): string {
  return `firstseen#${hexHash(principal, 32)}`;
}

function isNew(s: Sighting | undefined, obs: Observation, memoryMs: number): boolean {
  if (!s) return true;
  if (s[1] === obs.id) return true; // this very event introduced it (a retry or a duplicate)
  return s[0] < obs.t - memoryMs;
}

/** The `firstSeen` fact of an observation against the state before it. */
export function firstSeenFact(state: FirstSeenState | undefined, obs: Observation, memoryMs = DEFAULT_FIRST_SEEN_MEMORY_MS): FirstSeenFact {
  const fact = { principal: isNew(state?.principal, obs, memoryMs) } as FirstSeenFact;
  for (const a of FIRST_SEEN_ATTRIBUTES) {
    const v = obs.values[a];
    fact[a] = v !== undefined && isNew(state?.values[a][v], obs, memoryMs);
  }
  return fact;
}

/** The sighting after `obs`, or the same object when it would not change (within the resolution). */
function learnOne(s: Sighting | undefined, obs: Observation, memoryMs: number): Sighting {
  if (!s || (s[1] !== obs.id && s[0] < obs.t - memoryMs)) return [obs.t, obs.id];
  return obs.t > s[0] + memoryMs / RESOLUTION ? [obs.t, s[1]] : s;
}

/**
 * The state after learning an observation, and its expiry (ms); undefined when the observation
 * changes nothing (see the header). Pure.
 */
export function learnFirstSeen(state: FirstSeenState | undefined, obs: Observation, memoryMs = DEFAULT_FIRST_SEEN_MEMORY_MS): { value: FirstSeenState; expiresAt: number } | undefined {
  const principal = learnOne(state?.principal, obs, memoryMs);
  let changed = !state || principal !== state.principal;
  const learned: Partial<Record<FirstSeenAttribute, Sighting>> = {};
  for (const a of FIRST_SEEN_ATTRIBUTES) {
    const v = obs.values[a];
    if (v === undefined) continue;
    const before = state?.values[a][v];
    const after = learnOne(before, obs, memoryMs);
    if (after !== before) {
      learned[a] = after;
      changed = true;
    }
  }
  if (!changed) return undefined;
  const values = {} as FirstSeenState['values'];
  let newest = principal[0];
  for (const a of FIRST_SEEN_ATTRIBUTES) {
    const map: Record<string, Sighting> = { ...(state?.values[a] ?? {}) };
    const v = obs.values[a];
    if (v !== undefined && learned[a]) map[v] = learned[a] as Sighting;
    // Forget what is past the memory period, then the least recently seen beyond the cap.
    let kept = Object.entries(map).filter(([, s]) => s[0] >= principal[0] - memoryMs);
    if (kept.length > MAX_VALUES) kept = kept.sort((x, y) => y[1][0] - x[1][0] || (x[0] < y[0] ? -1 : 1)).slice(0, MAX_VALUES);
    values[a] = Object.fromEntries(kept);
    for (const [, s] of kept) newest = Math.max(newest, s[0]);
  }
  return { value: { v: 1, principal, values }, expiresAt: newest + memoryMs };
}
