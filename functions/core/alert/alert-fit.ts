/**
 * An alert cut down to fit a message size limit (pure), for the messages that carry the alert as
 * JSON: the SNS message (`sns-message.ts`, where the alert JSON is a string inside the message
 * JSON: `levels` 2) and the EventBridge alert event (`alert-event.ts`, `levels` 1). A CloudTrail
 * record can be 256 KB, nearly all of it one value (userAgent, sourceIPAddress, a principal ARN,
 * errorMessage, a resource name in requestParameters), so any field can be the one that does not fit.
 *
 * The largest fields are cut first: every field whose JSON is over a cap is cut to the cap, with the
 * largest cap for which the alert fits, so smaller fields are left whole. A cut string keeps its
 * start and ends with `…(N more chars)`; a list keeps its first items (a list of strings ends with
 * `…(N more items)`); the record (or any other object) becomes a smaller excerpt, and
 * `recordTruncated` is set. `trimmed` names the cut fields, largest first, so every message built
 * from the alert says so. An alert that fits is returned as it is (the same object).
 *
 * Sizes are exact, not estimated: at either level an object's JSON size is the sum of its members'
 * (json-bytes.ts), so the cap is found by arithmetic and the result is measured only once.
 */
import { excerpt } from './excerpt';
import { cutString, valueBytes } from '../common/json-bytes';
import type { Alert } from '../common/types';

const TRIMMED_MAX_NAMES = 40;
const TRIMMED_NAME_MAX = 64;

/** Names of fields an earlier fit (or a sender) listed, kept short. */
function previousTrimmed(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .slice(0, TRIMMED_MAX_NAMES)
    .map((v) => v.slice(0, TRIMMED_NAME_MAX));
}

/** A container as a value `JSON.stringify` can always write: an excerpt when it nests too deep. */
function safeValue(value: unknown): { value: unknown; cut: boolean } {
  if (typeof value !== 'object' || value === null) return { value, cut: false };
  const ex = excerpt(value, Number.POSITIVE_INFINITY);
  return { value: ex.value, cut: ex.truncated };
}

function cutArray(items: unknown[], maxBytes: number, levels: number): unknown[] {
  const strings = items.every((v) => typeof v === 'string');
  const marker = valueBytes(`…(${items.length} more items)`, levels);
  let used = valueBytes([], levels) + (strings ? marker + 1 : 0);
  const kept: unknown[] = [];
  for (const item of items) {
    const cost = valueBytes(item, levels) + (kept.length > 0 || strings ? 1 : 0);
    if (used + cost > maxBytes) break;
    used += cost;
    kept.push(item);
  }
  if (kept.length === 0 && strings && items.length > 0) {
    // One string too long on its own: its start, then how many more.
    const first = cutString(items[0] as string, maxBytes - used - 1, levels);
    if (first !== undefined) kept.push(first);
  }
  if (strings && kept.length < items.length) kept.push(`…(${items.length - kept.length} more items)`);
  return kept;
}

/** An excerpt of `value` whose JSON is at most `maxBytes` at `levels` (null when nothing fits). */
function cutObject(value: unknown, maxBytes: number, levels: number): unknown {
  let budget = maxBytes;
  while (budget > 0) {
    const ex = excerpt(value, budget);
    const cost = valueBytes(ex.value, levels);
    if (cost <= maxBytes) return ex.value;
    // At level 2 escaping can double the size: aim lower by the overshoot.
    budget = Math.min(budget - 1, Math.floor((budget * maxBytes) / cost));
  }
  return null;
}

function cutValue(value: unknown, maxBytes: number, levels: number): unknown {
  if (typeof value === 'string') return cutString(value, maxBytes, levels) ?? '';
  if (Array.isArray(value)) return cutArray(value, maxBytes, levels);
  return cutObject(value, maxBytes, levels);
}

/** The largest cap with base + Σ min(cost, cap) <= budget (0 when even that is too much). */
function waterLevel(costs: readonly number[], base: number, budget: number): number {
  let lo = 0;
  let hi = Math.max(0, ...costs);
  const total = (cap: number) => costs.reduce((sum, c) => sum + Math.min(c, cap), base);
  if (total(hi) <= budget) return hi;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (total(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The alert, or a copy cut so that `JSON.stringify` of it is at most `maxBytes` UTF-8 bytes once
 * encoded `levels` times (see json-bytes.ts). Budgets of a few kilobytes and up always fit.
 */
export function fitAlert(alert: Alert, maxBytes: number, levels: number): Alert {
  const previous = previousTrimmed(alert.trimmed);
  const fields: Record<string, unknown> = {};
  const cut = new Set<string>();
  for (const [key, value] of Object.entries(alert)) {
    if (key === 'trimmed' || value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    const safe = safeValue(value);
    fields[key] = safe.value;
    if (safe.cut) cut.add(key);
  }
  const costs = new Map(Object.entries(fields).map(([k, v]) => [k, valueBytes(v, levels)]));
  // Braces, commas, and each `"key":` (the punctuation is never escaped): the members' sizes add up.
  const base = 1 + Object.keys(fields).reduce((n, k) => n + valueBytes(k, levels) + 2, 0);
  const total = base + [...costs.values()].reduce((a, b) => a + b, 0);
  const listed = alert.trimmed;
  const wellFormed =
    listed === undefined || (Array.isArray(listed) && listed.length === previous.length && previous.every((n, i) => n === listed[i]));
  const listedBytes = listed !== undefined ? valueBytes('trimmed', levels) + 2 + valueBytes(previous, levels) : 0;
  if (cut.size === 0 && wellFormed && total + listedBytes <= maxBytes) return alert;
  // Room for the list of cut fields and recordTruncated turning true.
  const reserve = valueBytes({ trimmed: [...Object.keys(fields), ...previous], recordTruncated: true }, levels);
  const cap = waterLevel([...costs.values()], base, maxBytes - reserve);
  const out: Record<string, unknown> = { ...fields };
  for (const [key, cost] of costs) {
    if (cost <= cap) continue;
    out[key] = cutValue(fields[key], cap, levels);
    cut.add(key);
  }
  if (cut.has('record')) out.recordTruncated = true;
  const names = [...cut].sort((a, b) => (costs.get(b) ?? 0) - (costs.get(a) ?? 0));
  const trimmed = [...new Set([...names, ...previous])];
  if (trimmed.length > 0) out.trimmed = trimmed;
  return out as unknown as Alert;
}
