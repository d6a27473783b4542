/**
 * A bounded count of alert times, for the report's timelines (pure). Times are counted per bucket of
 * the finest resolution that keeps at most `maxBuckets` distinct buckets: one minute to start with,
 * coarsened (an hour, a day, a week, then doubling: two weeks, four...) when the alerts spread over
 * more buckets than that, so memory stays bounded however many alerts and whatever times records
 * claim (a forged eventTime in the year 275760 included). Unparseable times
 * (attacker-controlled records can carry any string) are counted apart, never dropped.
 */

/** Bucket widths, finest first, in milliseconds. */
export const RESOLUTIONS: readonly number[] = [60_000, 3_600_000, 86_400_000, 7 * 86_400_000];

export class TimeCounts {
  private level = 0;
  private width = RESOLUTIONS[0]!;
  private readonly counts = new Map<number, number>();
  /** Alerts whose eventTime could not be read as a time. */
  untimed = 0;
  /** Earliest and latest time counted (ms), NaN before the first. */
  min = NaN;
  max = NaN;

  constructor(private readonly maxBuckets = 4096) {}

  get resolution(): number {
    return this.width;
  }

  add(eventTime: string): void {
    const t = Date.parse(eventTime);
    if (!Number.isFinite(t)) {
      this.untimed++;
      return;
    }
    if (!(t >= this.min)) this.min = t;
    if (!(t <= this.max)) this.max = t;
    const key = t - mod(t, this.resolution);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    while (this.counts.size > this.maxBuckets) this.coarsen();
  }

  /** Total of timed alerts. */
  get total(): number {
    let sum = 0;
    for (const c of this.counts.values()) sum += c;
    return sum;
  }

  /**
   * Counts per bucket of `width` ms (a multiple of this resolution) from `from` (aligned to
   * `width`) for `buckets` buckets; times outside are left out (they cannot be, when `from` and
   * `buckets` cover [min, max]).
   */
  histogram(from: number, width: number, buckets: number): number[] {
    const out = new Array<number>(buckets).fill(0);
    for (const [key, c] of this.counts) {
      const i = Math.floor((key - from) / width);
      if (i >= 0 && i < buckets) out[i]! += c;
    }
    return out;
  }

  private coarsen(): void {
    this.level++;
    // Each width is a multiple of the one before, so buckets merge whole.
    this.width = RESOLUTIONS[this.level] ?? this.width * 2;
    const width = this.width;
    const old = [...this.counts];
    this.counts.clear();
    for (const [key, c] of old) {
      const k = key - mod(key, width);
      this.counts.set(k, (this.counts.get(k) ?? 0) + c);
    }
  }
}

/** Modulo that is never negative (times before 1970 are valid input too). */
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
