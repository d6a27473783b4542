/**
 * Reads CloudTrail Event history (LookupEvents: the last 90 days of management events, no trail
 * needed) as TrailItem batches, one "file" per region and stream (core/input/lookup-streams.ts),
 * one batch per page; each event's `CloudTrailEvent` (a JSON string) is the record.
 *
 * Pacing: LookupEvents allows about 2 requests a second per account and region, so each region's
 * calls go through an IntervalLimiter (every attempt counts), and a ThrottlingException is retried
 * after 1 s, 2 s, 4 s … (at most 30 s, 8 attempts; no jitter: one process, already paced), the wait
 * shown through `status`. Clock and sleep are injected.
 *
 * Accounting: a stream that cannot be read (access denied, no credentials, throttled past the last
 * attempt) is unreadable as a named input (replay exits 2), naming the page it stopped at; after an
 * error that is not throttling, the region's other streams are not tried (they would fail alike) and
 * are named in the same line. An event without a parseable `CloudTrailEvent` is malformed.
 */
import { LookupEventsCommand, type CloudTrailClient, type LookupEventsCommandInput, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { streamLabel, type LookupAttribute } from '../../core/input/lookup-streams';
import { textItem, type TrailItem } from '../trail-reader';
import { awsErrorText, isThrottling } from './aws-error-text';
import { IntervalLimiter } from './rate-limiter';

export interface LookupEventsOptions {
  regions: readonly string[];
  streams: ReadonlyArray<LookupAttribute | null>;
  /** Epoch ms bounds (StartTime, EndTime); absent: Event history's whole 90 days / until now. */
  startTime?: number;
  endTime?: number;
  /** The client for a region (created once per region by the caller). */
  client: (region: string) => Pick<CloudTrailClient, 'send'>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Requests per second per region (default 2). */
  requestsPerSecond?: number;
  /** Attempts per request when throttled (default 8). */
  attempts?: number;
  /** Progress for a terminal: the stream and page being read, a throttling wait. */
  status?: (text: string) => void;
}

/** At most 50 events per page: LookupEvents' maximum. */
export const LOOKUP_PAGE_SIZE = 50;

const HINTS: Record<string, string> = {
  AccessDeniedException: 'needs cloudtrail:LookupEvents',
};

/** Calls LookupEvents once, paced, retrying throttling with doubling waits. */
async function lookup(
  send: (input: LookupEventsCommandInput) => Promise<LookupEventsCommandOutput>,
  input: LookupEventsCommandInput,
  limiter: IntervalLimiter,
  options: LookupEventsOptions,
  label: string,
): Promise<{ ok: true; out: LookupEventsCommandOutput } | { ok: false; error: unknown; attempts: number }> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    await limiter.take();
    try {
      return { ok: true, out: await send(input) };
    } catch (e) {
      if (!isThrottling(e) || attempt >= attempts) return { ok: false, error: e, attempts: attempt };
      const wait = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      options.status?.(`${label}: throttled, retrying in ${wait / 1000}s`);
      await options.sleep(wait);
    }
  }
}

/** Every event of every stream in every region, in that order, as TrailItem batches. */
export async function* readLookupEvents(options: LookupEventsOptions): AsyncGenerator<TrailItem[]> {
  const interval = 1000 / (options.requestsPerSecond ?? 2);
  for (const region of options.regions) {
    const client = options.client(region);
    const send = (input: LookupEventsCommandInput) => client.send(new LookupEventsCommand(input));
    const limiter = new IntervalLimiter(interval, options.now, options.sleep);
    for (const [s, attribute] of options.streams.entries()) {
      const file = `LookupEvents ${region} ${streamLabel(attribute)}`;
      let token: string | undefined;
      let page = 0;
      let failed = false;
      do {
        page++;
        const input: LookupEventsCommandInput = {
          ...(attribute ? { LookupAttributes: [attribute] } : {}),
          ...(options.startTime !== undefined ? { StartTime: new Date(options.startTime) } : {}),
          ...(options.endTime !== undefined ? { EndTime: new Date(options.endTime) } : {}),
          MaxResults: LOOKUP_PAGE_SIZE,
          ...(token ? { NextToken: token } : {}),
        };
        options.status?.(`${file}: page ${page}`);
        const res = await lookup(send, input, limiter, options, file);
        if (!res.ok) {
          const rest = options.streams.length - s - 1;
          const throttled = isThrottling(res.error);
          const why = `${throttled ? `still throttled after ${res.attempts} attempts: ` : ''}${awsErrorText(res.error, HINTS)}`;
          const skipped = !throttled && rest > 0 ? `; the region's ${rest} other stream${rest === 1 ? '' : 's'} not tried` : '';
          yield [{ kind: 'unreadable', file, reason: `${page > 1 ? `page ${page}: ` : ''}${why}${page > 1 ? '; the rest of this stream was not read' : ''}${skipped}`, argument: true }];
          failed = !throttled;
          break;
        }
        if (page === 1) yield [{ kind: 'file', file }];
        const batch: TrailItem[] = [];
        let bytes = 0;
        for (const [i, event] of (res.out.Events ?? []).entries()) {
          const where = `page ${page}, event ${i + 1}${event.EventId ? ` (${event.EventId})` : ''}`;
          if (typeof event.CloudTrailEvent !== 'string') {
            batch.push({ kind: 'malformed', file, where, reason: 'no CloudTrailEvent in the LookupEvents result' });
            continue;
          }
          bytes += Buffer.byteLength(event.CloudTrailEvent);
          batch.push(textItem(file, where, event.CloudTrailEvent));
        }
        if (bytes) batch.push({ kind: 'bytes', bytes });
        if (batch.length) yield batch;
        token = res.out.NextToken;
      } while (token);
      if (failed) break;
    }
  }
}
