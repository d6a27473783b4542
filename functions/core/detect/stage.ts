/**
 * The detect stage: selections in, alerts out, over a `DetectionStateStore`. It sits after stage 1 of
 * the record pipeline (pipeline/record-pipeline.ts: the evaluator turns a threshold rule's match
 * into a `Selection`, selection.ts) and before suppression (mutes, dedupe).
 *
 * Entry points (every runtime uses these, so windows and memory behave the same everywhere):
 *   - `detectSelection(store, selection, spec, options)`: one selection through the threshold reducer
 *     (threshold.ts) in one optimistic read-modify-write (`updateState`) of the key's item; returns
 *     the alerts that fired (each with its stable window id and `threshold` field), or says the
 *     selection was late or a duplicate, and the fired window it was counted into. One read and at
 *     most one conditional write per selection; a duplicate or late selection writes nothing.
 *   - `firstSeenFor(store, record, options)`: the record's `firstSeen` fact from its principal's
 *     memory, learning from the record in the same read-modify-write (first-seen.ts). Call it only
 *     when the evaluator's pack uses firstSeen (`Evaluator.usesFirstSeen`), once per in-scope record,
 *     and pass the result to the evaluator as a precomputed fact.
 *   - `DetectStage` (replay and watch): a reorder buffer (reorder.ts) in front of `detectSelection`, so
 *     selections are applied in event-time order within the lateness bound; late ones are counted and
 *     named. With `holdUntilClosed`, a fired alert is held until its window has closed (the watermark
 *     passed its end, or the input ended) and then released with `threshold.final`, the window's final
 *     count; otherwise it is released when it fires. Over a store that answers at once (the
 *     in-memory one: `ImmediateStateStore`), `pushNow` / `flushNow` (and `detectSelectionNow`) do the
 *     same without a promise per selection: replay's hot path.
 * Errors of the store propagate (the caller decides to fail open); nothing here reads a clock.
 */
import { formatDuration } from '../common/duration';
import type { Alert, RuleDefinition, ThresholdSpec } from '../common/types';
import type { CloudTrailRecord } from '../common/types';
import { DEFAULT_FIRST_SEEN_MEMORY_MS, firstSeenFact, firstSeenStateKey, learnFirstSeen, observationOf, type FirstSeenFact, type FirstSeenState } from './first-seen';
import { DEFAULT_LATENESS_MS, ReorderBuffer } from './reorder';
import type { Selection } from './selection';
import { updateState, updateStateNow, type DetectionStateStore, type ImmediateStateStore, type StateChange } from './state-store';
import { stepThreshold, thresholdAlertId, type ThresholdState, type ThresholdStep } from './threshold';

export interface DetectOptions {
  /** How late (event time, ms) a selection may arrive and still be applied; default 15 minutes. */
  latenessMs?: number;
}

export interface DetectResult {
  outcome: 'applied' | 'late' | 'duplicate';
  /** Alerts that fired with this selection (normally at most one). */
  alerts: Alert[];
  /** The fired window this selection was counted into, with its count so far. */
  counted?: { alertId: string; total: number };
}

/** The state key of a threshold rule's key. */
export function thresholdStateKey(ruleId: string, key: string): string {
  return `threshold#${ruleId}#${key}`;
}

/** The alert of a window that fired, built from the selection's candidate. */
export function windowAlert(selection: Selection, spec: ThresholdSpec, fire: { windowStart: number; alertId: string; reached: number }): Alert {
  return {
    ...selection.alert,
    id: fire.alertId,
    threshold: {
      count: spec.count,
      window: spec.window,
      key: selection.keyValues,
      windowStart: new Date(fire.windowStart).toISOString(),
      reached: fire.reached,
      ...(spec.distinct ? { distinct: spec.distinct } : {}),
    },
  };
}

/**
 * One selection's read-modify-write of its key's window state: the state key, the change
 * (`stepThreshold`), and what it gave once applied. Shared by the store-agnostic `detectSelection` and
 * the immediate `detectSelectionNow`.
 */
function thresholdUpdate(selection: Selection, spec: ThresholdSpec, options: DetectOptions) {
  const params = { count: spec.count, windowMs: spec.windowMs, distinct: spec.distinct !== undefined, latenessMs: options.latenessMs ?? DEFAULT_LATENESS_MS };
  const event = { id: selection.id, t: selection.eventTime, ...(selection.distinct === undefined ? {} : { d: selection.distinct }) };
  const alertIdOf = (start: number) => thresholdAlertId(selection.ruleId, selection.key, start);
  let step: ThresholdStep | undefined;
  return {
    key: thresholdStateKey(selection.ruleId, selection.key),
    change: (current: ThresholdState | undefined): StateChange<ThresholdState> => {
      step = stepThreshold(current, event, params, alertIdOf);
      return step.outcome === 'applied' ? { value: step.state, expiresAt: step.expiresAt } : undefined;
    },
    result: (): DetectResult => {
      const s = step as ThresholdStep;
      if (s.outcome !== 'applied') return { outcome: s.outcome, alerts: [] };
      return {
        outcome: 'applied',
        alerts: s.fired.map((f) => windowAlert(selection, spec, f)),
        ...(s.counted ? { counted: { alertId: s.counted.alertId, total: s.counted.total } } : {}),
      };
    },
  };
}

export async function detectSelection(store: DetectionStateStore, selection: Selection, spec: ThresholdSpec, options: DetectOptions = {}): Promise<DetectResult> {
  const u = thresholdUpdate(selection, spec, options);
  await updateState<ThresholdState>(store, u.key, u.change);
  return u.result();
}

/** `detectSelection` on a store that answers at once (replay's in-memory one): no promise. */
export function detectSelectionNow(store: ImmediateStateStore, selection: Selection, spec: ThresholdSpec, options: DetectOptions = {}): DetectResult {
  const u = thresholdUpdate(selection, spec, options);
  updateStateNow<ThresholdState>(store, u.key, u.change);
  return u.result();
}

export interface FirstSeenOptions {
  /** How long a value is remembered (ms); default 30 days. */
  memoryMs?: number;
}

/**
 * The record's `firstSeen` fact, learning from it. Undefined (the fact is then undefined and a
 * condition on it false) when the record has no principal or no usable eventTime.
 */
export async function firstSeenFor(store: DetectionStateStore, record: CloudTrailRecord, options: FirstSeenOptions = {}): Promise<FirstSeenFact | undefined> {
  const obs = observationOf(record);
  if (!obs) return undefined;
  const memoryMs = options.memoryMs ?? DEFAULT_FIRST_SEEN_MEMORY_MS;
  let fact: FirstSeenFact | undefined;
  await updateState<FirstSeenState>(store, firstSeenStateKey(obs.principal), (current) => {
    fact = firstSeenFact(current, obs, memoryMs);
    return learnFirstSeen(current, obs, memoryMs);
  });
  return fact;
}

/** A selection that arrived later than the lateness bound: not applied, counted and named. */
export interface LateSelection {
  ruleId: string;
  eventId: string;
  eventTime: string;
}

/** How replay and watch name a late selection (one wording, the bound as a duration: `15m`, `30s`). */
export function lateSelectionNote(l: LateSelection, latenessMs: number): string {
  return `${l.ruleId}: event ${l.eventId} at ${l.eventTime}: later than the ${formatDuration(latenessMs)} bound; not counted in its window`;
}

/** How replay and watch name a record later than the bound (evaluated, without first-seen memory). */
export function lateRecordNote(eventId: string, eventTime: string, latenessMs: number): string {
  return `record ${eventId} at ${eventTime}: later than the ${formatDuration(latenessMs)} bound; evaluated without first-seen memory`;
}

/** A late record's selections, as late selections. */
export function lateSelectionsOf(selections: readonly Selection[]): LateSelection[] {
  return selections.map((s) => ({ ruleId: s.ruleId, eventId: s.alert.eventId, eventTime: s.alert.eventTime }));
}

export interface StageOutput {
  alerts: Alert[];
  late: LateSelection[];
}

interface Held {
  alert: Alert;
  end: number;
}

/** Replay's and watch's detect stage: reorder, apply, hold fired alerts for their final counts. */
export class DetectStage {
  private readonly buffer: ReorderBuffer<Selection>;
  private readonly specs = new Map<string, ThresholdSpec>();
  private readonly held = new Map<string, Held>();
  private readonly latenessMs: number;
  /** Selections applied, duplicates ignored, late ones (counted). */
  readonly counts = { applied: 0, duplicate: 0, late: 0 };

  constructor(
    private readonly store: DetectionStateStore,
    rules: readonly RuleDefinition[],
    private readonly options: DetectOptions & { holdUntilClosed?: boolean } = {},
  ) {
    this.latenessMs = options.latenessMs ?? DEFAULT_LATENESS_MS;
    for (const r of rules) if (r.threshold) this.specs.set(r.id, r.threshold);
    this.buffer = new ReorderBuffer<Selection>(this.latenessMs, (s) => `${s.ruleId}\u0000${s.key}\u0000${s.id}`);
  }

  /** The event time up to which everything has been applied (a clock for an in-memory store). */
  get watermark(): number {
    return this.buffer.watermark;
  }

  /** Takes the selections of one record; returns what is ready. */
  push(selections: readonly Selection[]): Promise<StageOutput> {
    return this.apply(this.buffered(selections), this.buffer.release(), false);
  }

  /** End of input: applies everything buffered and releases every held alert. */
  flush(): Promise<StageOutput> {
    return this.apply([], this.buffer.flush(), true);
  }

  /** `push` without a promise, for a stage over a store that answers at once (replay's in-memory one). */
  pushNow(selections: readonly Selection[]): StageOutput {
    const store = this.immediate();
    return this.applyNow(store, this.buffered(selections), this.buffer.release(), false);
  }

  /** `flush` without a promise (see `pushNow`). */
  flushNow(): StageOutput {
    return this.applyNow(this.immediate(), [], this.buffer.flush(), true);
  }

  /** Applies the released selections in order (after the late ones of this push); `end`: release every held alert. */
  private async apply(late: LateSelection[], ready: readonly Selection[], end: boolean): Promise<StageOutput> {
    const out: StageOutput = { alerts: [], late };
    for (const s of ready) this.took(s, await detectSelection(this.store, s, this.specOf(s), { latenessMs: this.latenessMs }), out);
    return this.closing(out, end);
  }

  /** `apply` over a store that answers at once. */
  private applyNow(store: ImmediateStateStore, late: LateSelection[], ready: readonly Selection[], end: boolean): StageOutput {
    const out: StageOutput = { alerts: [], late };
    for (const s of ready) this.took(s, detectSelectionNow(store, s, this.specOf(s), { latenessMs: this.latenessMs }), out);
    return this.closing(out, end);
  }

  private immediate(): ImmediateStateStore {
    const s = this.store as Partial<ImmediateStateStore>;
    if (typeof s.getNow !== 'function' || typeof s.putNow !== 'function') throw new Error('DetectStage: pushNow and flushNow need a store that answers at once (MemoryStateStore)');
    return this.store as ImmediateStateStore;
  }

  /** Buffers a record's selections of known rules; the late ones, counted. */
  private buffered(selections: readonly Selection[]): LateSelection[] {
    const late: LateSelection[] = [];
    for (const s of selections) {
      if (!this.specs.has(s.ruleId)) continue;
      if (!this.buffer.push(s.eventTime, s)) late.push(this.lateOf(s));
    }
    return late;
  }

  private specOf(s: Selection): ThresholdSpec {
    return this.specs.get(s.ruleId) as ThresholdSpec;
  }

  private lateOf(s: Selection): LateSelection {
    this.counts.late++;
    return { ruleId: s.ruleId, eventId: s.alert.eventId, eventTime: s.alert.eventTime };
  }

  /** What applying one released selection gave: counted, its alerts held or out, its fired window's final count. */
  private took(s: Selection, r: DetectResult, out: StageOutput): void {
    if (r.outcome === 'late') out.late.push(this.lateOf(s));
    else this.counts[r.outcome]++;
    for (const a of r.alerts) {
      if (this.options.holdUntilClosed) this.held.set(a.id, { alert: a, end: Date.parse(a.threshold!.windowStart) + this.specOf(s).windowMs });
      else out.alerts.push(a);
    }
    if (r.counted) {
      const h = this.held.get(r.counted.alertId);
      if (h) h.alert = { ...h.alert, threshold: { ...h.alert.threshold!, final: r.counted.total } };
    }
  }

  private closing(out: StageOutput, end: boolean): StageOutput {
    if (this.options.holdUntilClosed) out.alerts.push(...this.closed(end));
    return out;
  }

  /** Held alerts whose window has closed (all of them at the end), oldest window first. */
  private closed(end: boolean): Alert[] {
    const out: Held[] = [];
    for (const [id, h] of this.held) {
      if (end || h.end <= this.buffer.watermark) {
        out.push(h);
        this.held.delete(id);
      }
    }
    return out
      .sort((a, b) => a.end - b.end || (a.alert.id < b.alert.id ? -1 : 1))
      .map((h) => ({ ...h.alert, threshold: { ...h.alert.threshold!, final: h.alert.threshold!.final ?? h.alert.threshold!.reached } }));
  }
}
