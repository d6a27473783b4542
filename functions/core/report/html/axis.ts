/**
 * The time axis shared by every timeline of one report (pure): a bucket width chosen from a short
 * list of round intervals (1 minute ... 1 week) so the period spans at most `maxBuckets` buckets,
 * never finer than the coarsest resolution any rule's counts were kept at, and buckets aligned to
 * UTC multiples of the width. A period too long for weekly buckets (years, or forged times) gets
 * the multiple of that resolution that fits. Undefined when no alert had a readable time.
 */
import type { TimeCounts } from './time-counts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Round bucket widths, finest first. */
export const INTERVALS: ReadonlyArray<{ ms: number; label: string }> = [
  { ms: MINUTE, label: '1 minute' },
  { ms: 5 * MINUTE, label: '5 minutes' },
  { ms: 15 * MINUTE, label: '15 minutes' },
  { ms: HOUR, label: '1 hour' },
  { ms: 6 * HOUR, label: '6 hours' },
  { ms: DAY, label: '1 day' },
  { ms: 7 * DAY, label: '1 week' },
];

export interface Axis {
  /** Start of the first bucket (ms, UTC). */
  from: number;
  /** Bucket width (ms). */
  width: number;
  /** "1 hour" */
  label: string;
  buckets: number;
}

/**
 * `minBuckets`: a short period (a burst within one minute) is drawn as that many buckets around it,
 * so one bucket is a column, not the whole chart.
 */
export function chooseAxis(counts: readonly TimeCounts[], maxBuckets = 60, minBuckets = 24): Axis | undefined {
  const timed = counts.filter((c) => Number.isFinite(c.min));
  if (timed.length === 0) return undefined;
  const min = Math.min(...timed.map((c) => c.min));
  const max = Math.max(...timed.map((c) => c.max));
  const finest = Math.max(...timed.map((c) => c.resolution));
  const usable = INTERVALS.filter((i) => i.ms >= finest && i.ms % finest === 0);
  const spanFor = (ms: number) => Math.floor(max / ms) - Math.floor(min / ms) + 1;
  const pick = usable.find((i) => spanFor(i.ms) <= maxBuckets) ?? wide(min, max, finest, maxBuckets);
  const span = spanFor(pick.ms);
  const pad = Math.max(0, minBuckets - span);
  const from = (Math.floor(min / pick.ms) - Math.floor(pad / 2)) * pick.ms;
  return { from, width: pick.ms, label: pick.label, buckets: span + pad };
}

/**
 * Whole weeks (or whole multiples of a coarser resolution) that span [min, max] in at most
 * `maxBuckets` buckets, named ("3 weeks").
 */
function wide(min: number, max: number, finest: number, maxBuckets: number): { ms: number; label: string } {
  const base = Math.max(finest, 7 * DAY); // every resolution divides a week or is a multiple of one
  const ms = base * Math.max(1, Math.ceil((max - min + 1) / base / Math.max(1, maxBuckets - 2)));
  return { ms, label: describe(ms) };
}

/** "3 weeks", "2 days" (the largest whole unit). */
function describe(ms: number): string {
  const units: Array<[number, string]> = [[7 * DAY, 'week'], [DAY, 'day'], [HOUR, 'hour'], [MINUTE, 'minute']];
  const [size, unit] = units.find(([u]) => ms % u === 0) ?? [MINUTE, 'minute'];
  const k = Math.round(ms / size);
  return `${k.toLocaleString('en-US')} ${unit}${k === 1 ? '' : 's'}`;
}
