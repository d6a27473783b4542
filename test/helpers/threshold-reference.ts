/**
 * The threshold reducer as first written (functions/core/detect/threshold.ts before it found windows
 * as ranges in one pass): windows rebuilt with member lists, three times a step. Kept as the
 * reference the shipped reducer is held to (test/unit/detect-threshold-reference.property.test.ts):
 * the same outcome, state, fired windows, counted window and expiry for every step.
 */
import { emptyThresholdState, MAX_ENTRIES, type Entry, type FiredWindow, type ThresholdParams, type ThresholdState, type ThresholdStep, type Window, type WindowEvent, type WindowFire } from '../../functions/core/detect/threshold';

const byTimeThenId = (a: Entry, b: Entry) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The windows of a state's entries (greedy in time order, fired windows as anchors), by start. */
function windowsOf(state: ThresholdState, windowMs: number): Window[] {
  const anchors: Window[] = Object.entries(state.fired)
    .map(([s, f]) => ({ start: Number(s), end: f.end, members: [] as Entry[], fired: f }))
    .sort((a, b) => a.start - b.start);
  const greedy: Window[] = [];
  let ai = 0;
  let cur: Window | undefined;
  for (const e of state.entries) {
    const t = e[1];
    while (ai < anchors.length && (anchors[ai] as Window).end <= t) ai++;
    const anchor = anchors[ai];
    if (anchor && anchor.start <= t) {
      anchor.members.push(e);
      continue;
    }
    if (cur && t < cur.end) {
      cur.members.push(e);
      continue;
    }
    cur = { start: t, end: Math.min(t + windowMs, anchor ? anchor.start : Number.POSITIVE_INFINITY), members: [e] };
    greedy.push(cur);
  }
  return [...anchors, ...greedy].sort((a, b) => a.start - b.start);
}

/** A window's count: entries (plus a fired window's overflow), or distinct values. */
function countOf(w: Window, state: ThresholdState, distinct: boolean): number {
  if (distinct) return new Set(w.members.map((e) => e[2] ?? '')).size;
  return w.members.length + (state.overflow[String(w.start)] ?? 0);
}

function copyState(s: ThresholdState): ThresholdState {
  return { v: 1, newest: s.newest, entries: [...s.entries], fired: { ...s.fired }, overflow: { ...s.overflow }, dropped: s.dropped };
}

function insertSorted(entries: Entry[], e: Entry): void {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byTimeThenId(entries[mid] as Entry, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  entries.splice(lo, 0, e);
}

/**
 * Applies one selected event. Pure: `prev` is not modified. `alertIdOf` names a window's alert
 * (normally `thresholdAlertId` for the rule and key).
 */
export function referenceStepThreshold(prev: ThresholdState | undefined, ev: WindowEvent, p: ThresholdParams, alertIdOf: (windowStart: number) => string): ThresholdStep {
  const base = prev ?? emptyThresholdState(ev.t);
  if (ev.t < Math.max(base.newest, ev.t) - p.latenessMs) return { outcome: 'late', state: prev };
  if (base.entries.some((e) => e[0] === ev.id)) return { outcome: 'duplicate', state: prev };
  const state = copyState(base);
  const entry: Entry = p.distinct ? [ev.id, ev.t, ev.d ?? ''] : [ev.id, ev.t];
  insertSorted(state.entries, entry);
  state.newest = Math.max(state.newest, ev.t);

  const fired: WindowFire[] = [];
  let counted: { alertId: string; windowStart: number; total: number } | undefined;
  for (const w of windowsOf(state, p.windowMs)) {
    const n = countOf(w, state, p.distinct);
    const key = String(w.start);
    if (w.fired) {
      if (n !== w.fired.total) state.fired[key] = { ...w.fired, total: Math.max(n, w.fired.total) };
      if (w.members.includes(entry)) counted = { alertId: w.fired.alertId, windowStart: w.start, total: Math.max(n, w.fired.total) };
    } else if (n >= p.count && w.end - w.start < p.windowMs && firedAt(state, w.end)) {
      // A window cut short by a fired one exists only because its events arrived after that window
      // fired (in time order they would have opened the window the fired one is part of): the burst
      // already alerted, so they are counted into the fired window rather than alerting again.
      const anchor = state.fired[String(w.end)] as FiredWindow;
      if (w.members.includes(entry)) counted = { alertId: anchor.alertId, windowStart: w.end, total: anchor.total };
    } else if (n >= p.count) {
      const alertId = alertIdOf(w.start);
      state.fired[key] = { end: w.end, alertId, reached: n, total: n };
      fired.push({ windowStart: w.start, windowEnd: w.end, alertId, reached: n });
    }
  }
  prune(state, p);
  compact(state, p);
  const windows = windowsOf(state, p.windowMs);
  const lastEnd = windows.length ? (windows[windows.length - 1] as Window).end : state.newest + p.windowMs;
  return { outcome: 'applied', state, fired, ...(counted ? { counted } : {}), expiresAt: lastEnd + p.latenessMs };
}

/** Whether a fired window starts exactly at `start`. */
function firedAt(state: ThresholdState, start: number): boolean {
  return Object.prototype.hasOwnProperty.call(state.fired, String(start));
}

/** Drops the windows no later event can reach: those ending at or before `newest - lateness`. */
function prune(state: ThresholdState, p: ThresholdParams): void {
  const horizon = state.newest - p.latenessMs;
  const dead = windowsOf(state, p.windowMs).filter((w) => w.end <= horizon);
  if (dead.length === 0) return;
  const gone = new Set<Entry>(dead.flatMap((w) => w.members));
  state.entries = state.entries.filter((e) => !gone.has(e));
  for (const w of dead) {
    delete state.fired[String(w.start)];
    delete state.overflow[String(w.start)];
  }
}

/** Keeps the state within MAX_ENTRIES (see the header for what that costs in exactness). */
function compact(state: ThresholdState, p: ThresholdParams): void {
  if (state.entries.length <= MAX_ENTRIES) return;
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
      state.overflow[key] = (state.overflow[key] ?? 0) + w.members.length - 1;
      for (const e of w.members.slice(1)) drop.add(e);
    }
  }
  state.entries = state.entries.filter((e) => !drop.has(e));
  const over = state.entries.length - MAX_ENTRIES;
  if (over > 0) {
    state.entries = state.entries.slice(over);
    state.dropped += over;
  }
}
