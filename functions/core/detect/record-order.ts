/**
 * In-scope records in event-time order, for packs whose firstSeen fact depends on the records before
 * each one (replay and watch share it; the Lambda sees one event at a time). A value that is not an
 * in-scope record with a usable eventTime passes straight through; an in-scope record waits in a
 * `ReorderBuffer` (ties broken by delivery key) until the watermark passes it; one older than the
 * watermark comes back at once, marked late, with its time. `watermark` only grows: replay's and
 * watch's state stores use it as their clock.
 */
import { deliveryKeyOf } from '../alert/alert';
import type { CloudTrailRecord } from '../common/types';
import { toRecord } from '../input/record';
import { ReorderBuffer } from './reorder';

/** A value as read, with what the caller keeps beside it (file, position). */
export interface Ordered<T> {
  value: unknown;
  extra: T;
  /** Set when the record came later than the bound: its event time (ms). */
  lateAt?: number;
}

export class RecordOrder<T> {
  private readonly buffer: ReorderBuffer<Ordered<T>>;

  constructor(private readonly inScope: (record: CloudTrailRecord) => boolean, latenessMs: number) {
    this.buffer = new ReorderBuffer<Ordered<T>>(latenessMs, (p) => keyOf(p.value));
  }

  /** The latest watermark reached (ms; 0 before any record). */
  get watermark(): number {
    // The buffer's watermark only grows (its newest time only does): no need to keep a copy.
    return Math.max(0, this.buffer.watermark);
  }

  /** A value in read order -> the values to take through the pipeline now, in event-time order. */
  take(value: unknown, extra: T): Array<Ordered<T>> {
    const t = inScopeTime(value, this.inScope);
    if (t === undefined) return [{ value, extra }];
    if (!this.buffer.push(t, { value, extra })) return [{ value, extra, lateAt: t }];
    return this.buffer.release();
  }

  /** End of input (or of a file): every buffered record, in order. */
  flush(): Array<Ordered<T>> {
    return this.buffer.flush();
  }
}

/** The event time of an in-scope record (the ones firstSeen learns from), else undefined. */
function inScopeTime(value: unknown, inScope: (record: CloudTrailRecord) => boolean): number | undefined {
  const parsed = toRecord(value);
  if (!parsed.ok || !inScope(parsed.record)) return undefined;
  const t = Date.parse(String(parsed.record.eventTime));
  return Number.isNaN(t) ? undefined : t;
}

function keyOf(value: unknown): string {
  const parsed = toRecord(value);
  return parsed.ok ? deliveryKeyOf(parsed.record) : '';
}
