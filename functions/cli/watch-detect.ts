/**
 * Stateful detection in `rekwatch watch` (issue 13): threshold windows and first-seen memory on the
 * local state store (the embedded dynalite of the state directory, `DynamoStateStore` as in AWS, so
 * windows and 30 days of first-seen memory survive restarts), with the same reducers and the same
 * reorder and lateness semantics as replay (cli/replay-detect.ts):
 *
 *   - firstSeen packs: in-scope records are reordered by event time (`ReorderBuffer`, lateness bound
 *     `--lateness`, default 15m) before they are evaluated, and each record's fact is computed and
 *     learned first (`firstSeenFor`); a record later than the bound is evaluated without first-seen
 *     memory (it would rewrite the past), counted and named.
 *   - threshold rules: selections go through the `DetectStage` (reorder buffer, then the window
 *     reducer); a window's alert is delivered when it reaches its count (watch is live: it does not
 *     hold alerts until their window closes, as replay's report does, so `threshold.final` is absent,
 *     as in the Lambda); a late selection is counted and named, not applied.
 *   - `endOfFile`: what the buffers hold is applied when a file has been read, before watch records
 *     the file as done, so a crash never loses a selection that was read (the file is read again).
 *     Reordering is therefore within a file (trail files are unordered inside); across files the
 *     watermark carries on, so a file older than the bound is late, and within the bound the
 *     reducers tolerate order (fired windows are anchors, learning is commutative).
 *   - The store's clock is the event-time watermark (as replay's in-memory store), so history read
 *     with --from-start/--since keeps its windows, and live input expires them as in AWS.
 *   - Fail open: state that cannot be read or written is reported (`failures`, with rule and event
 *     ids); stateless alerts are delivered all the same and watch reads the file again later.
 */
import { DynamoStateStore } from '../adapters/detection-state/dynamo-state-store';
import { firstSeenFacts, type StateFailure } from '../adapters/detection-state/stateful-step';
import { DEFAULT_LATENESS_MS } from '../core/detect/reorder';
import { RecordOrder } from '../core/detect/record-order';
import type { Selection } from '../core/detect/selection';
import { DetectStage, lateSelectionNote, lateSelectionsOf } from '../core/detect/stage';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Precomputed } from '../core/input/facts';
import type { Evaluator } from '../core/match/evaluator';
import type { Alert, CloudTrailRecord, RuleDefinition } from '../core/common/types';

export interface WatchDetectOptions {
  latenessMs?: number;
  firstSeenMemoryMs?: number;
}

/** A value read from a file, with where it was, waiting in the reorder buffer. */
export interface PendingValue {
  value: unknown;
  where: string;
  late?: true;
}

export class WatchDetect {
  private readonly stage: DetectStage;
  private readonly records: RecordOrder<string> | undefined;
  private readonly store: DynamoStateStore;
  private eventClock = 0;
  readonly latenessMs: number;
  /** Counted over the run: late inputs, and state failures. */
  readonly counts = { late: 0, failures: 0 };

  constructor(
    private readonly evaluator: Evaluator,
    rules: readonly RuleDefinition[],
    client: DynamoDBClient,
    tableName: string,
    private readonly options: WatchDetectOptions = {},
  ) {
    this.latenessMs = options.latenessMs ?? DEFAULT_LATENESS_MS;
    this.store = new DynamoStateStore(client, { tableName, now: () => this.eventClock });
    this.stage = new DetectStage(this.store, rules, { latenessMs: this.latenessMs });
    if (evaluator.usesFirstSeen) this.records = new RecordOrder<string>((r) => evaluator.inScope(r), this.latenessMs);
  }

  /** The store's clock: the event-time watermark (epoch ms; 0 before any record), which detection state expires on. */
  get clock(): number {
    return this.eventClock;
  }

  static needed(evaluator: Evaluator): boolean {
    return evaluator.hasThresholds || evaluator.usesFirstSeen;
  }

  /** A value in read order -> the values to evaluate now, in event-time order (a late one at once, marked). */
  take(value: unknown, where: string): PendingValue[] {
    if (!this.records) return [{ value, where }];
    const out = this.records.take(value, where);
    this.tick(this.records.watermark);
    return out.map(({ value: v, extra, lateAt }) => {
      if (lateAt === undefined) return { value: v, where: extra };
      this.counts.late++;
      return { value: v, where: extra, late: true as const };
    });
  }

  /** The end of a file: every buffered record, in order (then `flushSelections`). */
  flushRecords(): PendingValue[] {
    return this.records ? this.records.flush().map(({ value, extra }) => ({ value, where: extra })) : [];
  }

  /** The record's firstSeen fact (learning from it), unless it is late; failures are pushed. */
  async precompute(record: CloudTrailRecord, late: boolean, failures: StateFailure[]): Promise<Precomputed | undefined> {
    if (!this.evaluator.usesFirstSeen || late) return undefined;
    const before = failures.length;
    const facts = await firstSeenFacts(() => this.store, record, this.options.firstSeenMemoryMs === undefined ? {} : { firstSeenMemoryMs: this.options.firstSeenMemoryMs }, failures);
    this.counts.failures += failures.length - before;
    return facts;
  }

  /**
   * A record's threshold selections: the alerts that fired, and the late ones' notes. A record that
   * came too late for the record buffer has late selections too (as replay counts them): not applied.
   */
  async selections(selections: readonly Selection[], failures: StateFailure[], lateRecord = false): Promise<{ alerts: Alert[]; notes: string[] }> {
    if (lateRecord) {
      this.counts.late += selections.length;
      return { alerts: [], notes: lateSelectionsOf(selections).map((l) => lateSelectionNote(l, this.latenessMs)) };
    }
    return this.guard(selections, failures, () => this.stage.push(selections));
  }

  /** The end of a file: every buffered selection applied. */
  async flushSelections(failures: StateFailure[]): Promise<{ alerts: Alert[]; notes: string[] }> {
    return this.guard([], failures, () => this.stage.flush());
  }

  private async guard(selections: readonly Selection[], failures: StateFailure[], run: () => ReturnType<DetectStage['push']>): Promise<{ alerts: Alert[]; notes: string[] }> {
    try {
      const out = await run();
      this.tick(this.stage.watermark);
      this.counts.late += out.late.length;
      return { alerts: out.alerts, notes: out.late.map((l) => lateSelectionNote(l, this.latenessMs)) };
    } catch (error) {
      // The stage applies buffered selections in order; the first failure stops the rest, which are read again with the file.
      this.counts.failures++;
      failures.push({ step: 'threshold', ...(selections[0] ? { ruleId: selections[0].ruleId, eventId: selections[0].alert.eventId } : {}), error });
      return { alerts: [], notes: [] };
    }
  }

  private tick(watermark: number): void {
    if (Number.isFinite(watermark) && watermark > this.eventClock) this.eventClock = watermark;
  }
}
