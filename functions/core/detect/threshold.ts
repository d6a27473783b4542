/**
 * The threshold window reducer: a pure function from one key's window state and one selected event
 * to the next state and the windows that reached the rule's count. Every runtime (replay in memory,
 * watch on the local store, the Lambda on DynamoDB) runs it through `DetectionStateStore` (stage.ts).
 *
 * Semantics (issue 13). Per rule and key (a hash of the rule's `by` fact values, selection.ts) the
 * state keeps the recent selections as entries `[id, eventTime, distinct?]`, sorted by (time, id).
 * Windows are computed from that set, greedily in event-time order: the first entry opens
 * [t, t + window); the first entry at or after its end opens the next. A window whose count (entries,
 * or distinct values with `distinct`) reaches the rule's count fires once: it is recorded in `fired`
 * (its start, end and alert id) under the same conditional write, and from then on is an *anchor*:
 * entries in its range belong to it whatever arrives later, and a greedy window is cut short where
 * an anchor begins, so an out-of-order arrival can never fire a window twice or re-cut a fired one.
 * Given the same set of entries in time order, the result does not depend on arrival order; the
 * replay and watch reorder buffer (reorder.ts) delivers them in time order within the lateness bound.
 *
 *   - Duplicate: an entry with the same id changes nothing (no write).
 *   - Late: an event older than `newest - lateness` (newest: the latest event time applied to this
 *     key) is not applied; the caller counts and names it.
 *   - Pruning: a window that ends at or before `newest - lateness` can gain no entry (every later
 *     event is either late or after it) and is dropped with its entries; that never changes the
 *     windows after it (the next window is opened by its own first entry either way).
 *   - Bound: at most `MAX_ENTRIES` entries. Over it, entries that cannot change a count are dropped
 *     first (a fired window's entries beyond its first, kept as a counter in `overflow`; repeats of a
 *     distinct value beyond the first), then the oldest entries (counted in `dropped`). Only then can a
 *     duplicate be counted twice or a final count be approximate; firing below the cap stays exact.
 *   - Alert id: a stable hash of (rule id, key, window start): retries and duplicates name the same alert.
 */
import { hexHash } from '../common/hex-hash';

/** `[id hash, event time (ms), distinct value hash]`: compact, because DynamoDB bills item size. */
export type Entry = [string, number] | [string, number, string];

export interface FiredWindow {
  /** End of the window (exclusive), ms. */
  end: number;
  alertId: string;
  /** Count when it fired, and the latest count since (entries or distinct values, plus overflow). */
  reached: number;
  total: number;
}

export interface ThresholdState {
  v: 1;
  /** The latest event time applied (ms). */
  newest: number;
  entries: Entry[];
  /** Fired windows still live, by start time (ms, as a string key). */
  fired: Record<string, FiredWindow>;
  /** Entries of a fired window dropped by the cap, counted (count rules only), by start time. */
  overflow: Record<string, number>;
  /** Oldest entries dropped because the state was full even after compaction. */
  dropped: number;
}

export interface ThresholdParams {
  count: number;
  windowMs: number;
  /** Whether the rule counts distinct values (entries carry their hash). */
  distinct: boolean;
  latenessMs: number;
}

/** One selected event as the reducer sees it. */
export interface WindowEvent {
  id: string;
  t: number;
  /** Hash of the distinct value (distinct-count rules). */
  d?: string;
}

export interface WindowFire {
  windowStart: number;
  windowEnd: number;
  alertId: string;
  reached: number;
}

export type ThresholdStep =
  | { outcome: 'late' | 'duplicate'; state: ThresholdState | undefined }
  | {
      outcome: 'applied';
      state: ThresholdState;
      /** Windows that reached the count with this event (normally one or none). */
      fired: WindowFire[];
      /** The already fired window this event was counted into, with its new total. */
      counted?: { alertId: string; windowStart: number; total: number };
      /** Event time after which the state is of no use (ms): the last window's end plus the lateness. */
      expiresAt: number;
    };

export const MAX_ENTRIES = 2000;

/**
 * The `fired` and `overflow` of a state that has none, shared: most states never fire (a key's first
 * event, above all), and a step copies these only when it writes to them (`own`). Frozen, so a
 * write that forgot to copy fails loudly instead of changing every state at once.
 */
const NONE: Readonly<Record<string, never>> = Object.freeze({});

/** The state before a key's first event (at `t`). */
export function emptyThresholdState(t: number): ThresholdState {
  return { v: 1, newest: t, entries: [], fired: {}, overflow: {}, dropped: 0 };
}

/** The alert id of one window: stable per rule, key and window start. */
export function thresholdAlertId(ruleId: string, key: string, windowStart: number): string {
  return `${ruleId}:w${hexHash(JSON.stringify([ruleId, key, windowStart]), 32)}`;
}

export interface Window {
  start: number;
  end: number;
  members: Entry[];
  fired?: FiredWindow;
}

/**
 * A window as the range of the state's entries it holds: entries are sorted by time and windows do
 * not overlap, so each window's members are the contiguous run `entries[lo..hi)`.
 */
interface Span {
  start: number;
  end: number;
  lo: number;
  hi: number;
  fired?: FiredWindow;
}

const byTimeThenId = (a: Entry, b: Entry) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The windows of a state's entries as ranges, by start: greedy in time order, fired windows as
 * anchors (an entry inside a fired window's range belongs to it; a greedy window is cut short where
 * the next anchor begins). One pass over the entries; no member lists are built.
 */
function spansOf(state: ThresholdState, windowMs: number): Span[] {
  const anchors: Span[] = [];
  for (const s in state.fired) {
    const f = state.fired[s] as FiredWindow;
    anchors.push({ start: Number(s), end: f.end, lo: 0, hi: 0, fired: f });
  }
  if (anchors.length > 1) anchors.sort((a, b) => a.start - b.start);
  const entries = state.entries;
  const greedy: Span[] = [];
  let ai = 0;
  let cur: Span | undefined;
  /** The window the previous entry went to: the run of its members ends where another begins. */
  let open: Span | undefined;
  for (let i = 0; i < entries.length; i++) {
    const t = (entries[i] as Entry)[1];
    while (ai < anchors.length && (anchors[ai] as Span).end <= t) ai++;
    const anchor = anchors[ai];
    let into: Span;
    if (anchor && anchor.start <= t) {
      into = anchor;
    } else if (cur && t < cur.end) {
      into = cur;
    } else {
      cur = { start: t, end: Math.min(t + windowMs, anchor ? anchor.start : Number.POSITIVE_INFINITY), lo: i, hi: i };
      greedy.push(cur);
      into = cur;
    }
    if (into !== open) {
      into.lo = i;
      open = into;
    }
    into.hi = i + 1;
  }
  if (greedy.length === 0) return anchors;
  if (anchors.length === 0) return greedy;
  // Merged by start, anchors first on a tie (the order a stable sort of anchors then greedy gives).
  const out: Span[] = [];
  let g = 0;
  for (const a of anchors) {
    while (g < greedy.length && (greedy[g] as Span).start < a.start) out.push(greedy[g++] as Span);
    out.push(a);
  }
  while (g < greedy.length) out.push(greedy[g++] as Span);
  return out;
}

/** The windows of a state's entries (greedy in time order, fired windows as anchors), by start. */
export function windowsOf(state: ThresholdState, windowMs: number): Window[] {
  return spansOf(state, windowMs).map((s) => ({ start: s.start, end: s.end, members: state.entries.slice(s.lo, s.hi), ...(s.fired ? { fired: s.fired } : {}) }));
}

/** Whether a record (the state's `overflow`) has any key. */
function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * A window's count: entries (plus a fired window's overflow), or distinct values. `overflowed`:
 * whether the state has any overflow (most have none, and then no start is written as a key).
 */
function countOf(w: Span, state: ThresholdState, distinct: boolean, overflowed: boolean): number {
  if (!distinct) return w.hi - w.lo + (overflowed ? (state.overflow[String(w.start)] ?? 0) : 0);
  const seen = new Set<string>();
  for (let i = w.lo; i < w.hi; i++) seen.add((state.entries[i] as Entry)[2] ?? '');
  return seen.size;
}

/** Where `e` goes in entries sorted by (time, id): after every entry that sorts at or before it. */
function insertionPoint(entries: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byTimeThenId(entries[mid] as Entry, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Applies one selected event. Pure: `prev` is not modified, and the new state may share parts with
 * it (its `fired` and `overflow` until they change), so both are to be treated as immutable.
 * `alertIdOf` names a window's alert (normally `thresholdAlertId` for the rule and key). Linear in the state's entries, with one pass
 * to find the windows (test/unit/detect-threshold-reference.property.test.ts holds it to a direct
 * writing of the semantics above, on arbitrary arrivals).
 */
export function stepThreshold(prev: ThresholdState | undefined, ev: WindowEvent, p: ThresholdParams, alertIdOf: (windowStart: number) => string): ThresholdStep {
  const base = prev ?? { v: 1, newest: ev.t, entries: [], fired: NONE, overflow: NONE, dropped: 0 };
  if (ev.t < Math.max(base.newest, ev.t) - p.latenessMs) return { outcome: 'late', state: prev };
  for (const e of base.entries) if (e[0] === ev.id) return { outcome: 'duplicate', state: prev };
  const entry: Entry = p.distinct ? [ev.id, ev.t, ev.d ?? ''] : [ev.id, ev.t];
  const at = insertionPoint(base.entries, entry);
  const entries = base.entries.slice();
  entries.splice(at, 0, entry);
  // `fired` and `overflow` are the previous state's until a write copies them (`own`): pure all the same.
  // (A state written by hand may lack them: the spread this replaced read that as empty.)
  const state: ThresholdState = { v: 1, newest: Math.max(base.newest, ev.t), entries, fired: base.fired ?? NONE, overflow: base.overflow ?? NONE, dropped: base.dropped };
  const own = new Owned(state);

  const fired: WindowFire[] = [];
  let counted: { alertId: string; windowStart: number; total: number } | undefined;
  // Firing turns a greedy window into an anchor with the same range, so these spans stay the
  // windows of the state through the loop and the pruning after it.
  const spans = spansOf(state, p.windowMs);
  const overflowed = hasKeys(state.overflow);
  for (const w of spans) {
    const n = countOf(w, state, p.distinct, overflowed);
    const holds = w.lo <= at && at < w.hi;
    if (w.fired) {
      if (n !== w.fired.total) own.fired()[String(w.start)] = { ...w.fired, total: Math.max(n, w.fired.total) };
      if (holds) counted = { alertId: w.fired.alertId, windowStart: w.start, total: Math.max(n, w.fired.total) };
    } else if (n >= p.count && w.end - w.start < p.windowMs && firedAt(state, w.end)) {
      // A window cut short by a fired one exists only because its events arrived after that window
      // fired (in time order they would have opened the window the fired one is part of): the burst
      // already alerted, so they are counted into the fired window rather than alerting again.
      const anchor = state.fired[String(w.end)] as FiredWindow;
      if (holds) counted = { alertId: anchor.alertId, windowStart: w.end, total: anchor.total };
    } else if (n >= p.count) {
      const alertId = alertIdOf(w.start);
      own.fired()[String(w.start)] = { end: w.end, alertId, reached: n, total: n };
      fired.push({ windowStart: w.start, windowEnd: w.end, alertId, reached: n });
    }
  }
  let live = prune(state, spans, p, own);
  if (compact(state, p, own)) live = null;
  const after = live ?? spansOf(state, p.windowMs);
  const lastEnd = after.length ? (after[after.length - 1] as Span).end : state.newest + p.windowMs;
  return { outcome: 'applied', state, fired, ...(counted ? { counted } : {}), expiresAt: lastEnd + p.latenessMs };
}

/** A step's new state's `fired` and `overflow` (borrowed from the previous state, or NONE), copied on the first write. */
class Owned {
  private firedOwn = false;
  private overflowOwn = false;

  constructor(private readonly state: ThresholdState) {}

  fired(): Record<string, FiredWindow> {
    if (!this.firedOwn) {
      this.state.fired = { ...this.state.fired };
      this.firedOwn = true;
    }
    return this.state.fired;
  }

  overflow(): Record<string, number> {
    if (!this.overflowOwn) {
      this.state.overflow = { ...this.state.overflow };
      this.overflowOwn = true;
    }
    return this.state.overflow;
  }
}

/** Whether a fired window starts exactly at `start`. */
function firedAt(state: ThresholdState, start: number): boolean {
  return Object.prototype.hasOwnProperty.call(state.fired, String(start));
}

/**
 * Drops the windows no later event can reach: those ending at or before `newest - lateness`.
 * Returns the windows left when they are the rest of `spans` (the dead ones a prefix: windows that
 * do not overlap end in start order), or null when they had to be found again. Fired windows the
 * reducer records never overlap; a state that holds overlapping ones (written by hand, say) still
 * gets exactly the first writing's answer, by the slower road.
 */
function prune(state: ThresholdState, spans: readonly Span[], p: ThresholdParams, own: Owned): readonly Span[] | null {
  const horizon = state.newest - p.latenessMs;
  let dead = 0;
  while (dead < spans.length && (spans[dead] as Span).end <= horizon) dead++;
  let scattered = false;
  for (let i = dead; i < spans.length && !scattered; i++) scattered = (spans[i] as Span).end <= horizon;
  if (dead === 0 && !scattered) return spans;
  const drop = (w: Span) => {
    const key = String(w.start);
    if (Object.prototype.hasOwnProperty.call(state.fired, key)) delete own.fired()[key];
    if (Object.prototype.hasOwnProperty.call(state.overflow, key)) delete own.overflow()[key];
  };
  if (!scattered) {
    let cut = 0;
    for (let i = 0; i < dead; i++) {
      const w = spans[i] as Span;
      if (w.hi > cut) cut = w.hi;
      drop(w);
    }
    if (cut > 0) state.entries = state.entries.slice(cut);
    return spans.slice(dead);
  }
  const gone = new Uint8Array(state.entries.length);
  for (const w of spans) {
    if (w.end > horizon) continue;
    gone.fill(1, w.lo, w.hi);
    drop(w);
  }
  state.entries = state.entries.filter((_, i) => gone[i] === 0);
  return null;
}

/** Keeps the state within MAX_ENTRIES (see the header for what that costs in exactness); whether it changed the entries. */
function compact(state: ThresholdState, p: ThresholdParams, own: Owned): boolean {
  if (state.entries.length <= MAX_ENTRIES) return false;
  const drop = new Set<Entry>();
  for (const w of windowsOf(state, p.windowMs)) {
    if (p.distinct) {
      const seen = new Set<string>();
      w.members.forEach((e, i) => {
        const d = e[2] ?? '';
        if (i > 0 && seen.has(d)) drop.add(e);
        seen.add(d);
      });
    } else if (w.fired && w.members.length > 1) {
      const key = String(w.start);
      own.overflow()[key] = (state.overflow[key] ?? 0) + w.members.length - 1;
      for (const e of w.members.slice(1)) drop.add(e);
    }
  }
  state.entries = state.entries.filter((e) => !drop.has(e));
  const over = state.entries.length - MAX_ENTRIES;
  if (over > 0) {
    state.entries = state.entries.slice(over);
    state.dropped += over;
  }
  return true;
}
