/**
 * Stateful detection in `rekwatch replay` (issue 13): threshold windows and first-seen memory in
 * memory (`MemoryStateStore`, its clock the detect stage's event-time watermark), with the same
 * reducers as watch and the Lambda (functions/core/detect/).
 *
 *   - Threshold rules: their selections (from stage 1, here or in workers) go, after `settle`, into
 *     the `DetectStage`, which reorders them by event time within the lateness bound (`--lateness`,
 *     default 15m) and holds each fired alert until its window closes, so it says the final count.
 *   - firstSeen rules: a record's firstSeen value depends on the records before it in event time, so
 *     in-scope records themselves are reordered (`ReorderBuffer`) before stage 1 and evaluated in this
 *     thread, one at a time, with the fact computed and learned first (`firstSeenFor`); with
 *     `--workers N` such a pack is evaluated in one thread, and replay says so.
 *   - Late input (older than the newest event seen minus the lateness bound) is evaluated all the
 *     same (a record is never lost: stateless rules still alert on it) but not applied to windows or
 *     memory; it is counted and the first `LATE_SAMPLES` are named, in the report and the summary.
 * Output is a pure function of the set of records whenever no input is late, whatever the file and
 * record order (test/integration/detect-replay.test.ts).
 */
import { DetectStage, firstSeenFor, lateRecordNote, lateSelectionNote, lateSelectionsOf, type LateSelection } from '../core/detect/stage';
import { formatDuration } from '../core/common/duration';
import { DEFAULT_LATENESS_MS } from '../core/detect/reorder';
import { RecordOrder } from '../core/detect/record-order';
import { MemoryStateStore } from '../core/detect/state-store';
import { toRecord } from '../core/input/record';
import type { Evaluator } from '../core/match/evaluator';
import type { Precompute } from '../core/pipeline/record-pipeline';
import type { RuleDefinition } from '../core/common/types';
import type { Selection } from '../core/detect/selection';
import type { Alert } from '../core/common/types';

export const LATE_SAMPLES = 20;

export interface DetectSummary {
  latenessMs: number;
  /** Selections applied to windows, and duplicates ignored. */
  selections: number;
  duplicateSelections: number;
  /** Inputs later than the bound: threshold selections and records not applied to first-seen memory. */
  late: number;
  lateSamples: string[];
  /** Whether firstSeen forced evaluation into one thread. */
  singleThread: boolean;
}

/** A record waiting in the reorder buffer. */
export interface Pending<T> {
  value: unknown;
  extra: T;
}

export class ReplayDetect<T> {
  private readonly stage: DetectStage;
  private readonly records: RecordOrder<T> | undefined;
  readonly precompute: Precompute | undefined;
  private clock = 0;
  private late = 0;
  private readonly lateSamples: string[] = [];
  readonly singleThread: boolean;

  constructor(private readonly evaluator: Evaluator, rules: readonly RuleDefinition[], private readonly latenessMs = DEFAULT_LATENESS_MS, memoryMs?: number) {
    // The reducers are pure (threshold.ts, first-seen.ts): the stores can keep values by reference,
    // with no JSON copy per selection. A threshold state stays far below the store's size limit
    // (MAX_ENTRIES entries of a few dozen bytes each), which watch's and the Lambda's stores check.
    const store = new MemoryStateStore(() => this.clock, { copy: false });
    this.stage = new DetectStage(store, rules, { latenessMs, holdUntilClosed: true });
    this.singleThread = evaluator.usesFirstSeen;
    if (evaluator.usesFirstSeen) {
      const memory = new MemoryStateStore(() => this.clock, { copy: false });
      this.records = new RecordOrder<T>((r) => evaluator.inScope(r), latenessMs);
      this.precompute = async (record) => ({ firstSeen: await firstSeenFor(memory, record, memoryMs === undefined ? {} : { memoryMs }) });
    }
  }

  /** Whether the pack has anything stateful for this module to do. */
  static needed(evaluator: Evaluator): boolean {
    return evaluator.hasThresholds || evaluator.usesFirstSeen;
  }

  /**
   * A parsed value read in input order. Returns the values to take through the pipeline now, in
   * order: the value itself when records are not reordered (or it is not an in-scope record with a
   * time), else those the buffer releases. A late record is returned at once, named, and marked.
   */
  take(value: unknown, extra: T): Array<Pending<T> & { late?: true }> {
    if (!this.records) return [{ value, extra }];
    const out = this.records.take(value, extra);
    this.tick(this.records.watermark);
    return out.map(({ value: v, extra: x, lateAt }) => {
      if (lateAt === undefined) return { value: v, extra: x };
      this.noteLate(lateRecordNote(eventIdText(v), new Date(lateAt).toISOString(), this.latenessMs));
      return { value: v, extra: x, late: true as const };
    });
  }

  /** End of input: every buffered record, in order. */
  flushRecords(): Array<Pending<T>> {
    return this.records ? this.records.flush() : [];
  }

  /** A record's threshold selections (after `settle`); returns the alerts ready to decide and the late notes. */
  selections(selections: readonly Selection[], lateRecord = false): { alerts: Alert[]; notes: string[] } {
    if (lateRecord) {
      // The record came too late for the record buffer: its selections are late as well.
      return { alerts: [], notes: lateSelectionsOf(selections).map((l) => this.noteLate(lateSelectionNote(l, this.latenessMs))).filter((n): n is string => n !== undefined) };
    }
    // The store is in memory: the detect stage runs without a promise per selection.
    const out = this.stage.pushNow(selections);
    this.tick(this.stage.watermark);
    return { alerts: out.alerts, notes: out.late.map((l) => this.noteLateSelection(l)).filter((n): n is string => n !== undefined) };
  }

  /** End of input: every remaining window applied and every held alert, with its final count. */
  flush(): { alerts: Alert[]; notes: string[] } {
    const out = this.stage.flushNow();
    return { alerts: out.alerts, notes: out.late.map((l) => this.noteLateSelection(l)).filter((n): n is string => n !== undefined) };
  }

  summary(): DetectSummary {
    const c = this.stage.counts;
    return { latenessMs: this.latenessMs, selections: c.applied, duplicateSelections: c.duplicate, late: this.late + c.late, lateSamples: [...this.lateSamples], singleThread: this.singleThread };
  }

  /** The readable report's lines. */
  reportLines(): string[] {
    const s = this.summary();
    const lines = [`Stateful rules: ${s.selections} selected events in windows (${s.duplicateSelections} duplicates ignored), reordered within ${formatDuration(s.latenessMs)}; ${s.late} late`];
    for (const l of s.lateSamples) lines.push(`  late: ${l}`);
    if (s.late > s.lateSamples.length) lines.push(`  and ${s.late - s.lateSamples.length} more late`);
    return lines;
  }

  private tick(watermark: number): void {
    if (Number.isFinite(watermark) && watermark > this.clock) this.clock = watermark;
  }

  private noteLateSelection(l: LateSelection): string | undefined {
    return this.noteLate(lateSelectionNote(l, this.latenessMs), false);
  }

  private noteLate(text: string, count = true): string | undefined {
    if (count) this.late++;
    if (this.lateSamples.length >= LATE_SAMPLES) return undefined;
    this.lateSamples.push(text);
    return `rekwatch: late: ${text}`;
  }
}


function eventIdText(value: unknown): string {
  const parsed = toRecord(value);
  return parsed.ok ? String(parsed.record.eventID ?? '(no eventID)') : '(unparsed)';
}
