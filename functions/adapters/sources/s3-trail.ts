/**
 * Reads a trail bucket in place: `s3://BUCKET/PREFIX` -> the same TrailItem batches the trail
 * reader yields for local files, object by object in key order.
 *
 * Listing follows core/input/trail-keys.ts `planPrefix`: the levels above a region are listed one
 * folder at a time (Delimiter `/`), pruned by `--accounts`/`--regions`; under a region, with a lower
 * time bound, one prefix per day in range is listed (a 90-day backtest never lists the years
 * before it), else the region is listed flat. `keepKey` decides each object (log files only, no
 * digests, delivery time in range).
 *
 * Reading: up to `concurrency` GetObject requests are in flight (default 8) while objects are
 * consumed in key order; each body is streamed through the trail reader (gzip by magic bytes, the
 * record splitter), never written to disk, never held whole: a body waiting its turn is paused
 * (backpressure). Accounting: a listing that fails is unreadable (the named prefix: `argument`, so
 * replay exits 2); an object that cannot be fetched is unreadable by name; a prefix with no log files
 * is unreadable as a named input, as an empty directory is.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { keepKey, planPrefix, type TrailKeyFilter } from '../../core/input/trail-keys';
import { readStream, type TrailItem } from '../trail-reader';
import { awsErrorText } from './aws-error-text';

export interface S3TrailOptions {
  filter: TrailKeyFilter;
  /** The clock's now, for a window without --until. */
  now: number;
  /** GetObject requests in flight (default 8). */
  concurrency?: number;
  /** Keys per listing page (default: S3's 1000). */
  pageSize?: number;
  maxRecordBytes?: number;
}

export const DEFAULT_S3_CONCURRENCY = 8;

const HINTS: Record<string, string> = {
  NoSuchBucket: 'no such bucket; check the name and the account',
  AccessDenied: 'needs s3:ListBucket on the bucket for this prefix and s3:GetObject on its objects; KMS-encrypted trails also need kms:Decrypt',
  Forbidden: 'needs s3:GetObject on this object (and kms:Decrypt for a KMS-encrypted trail)',
};

type Listed = { key: string; size: number } | { unreadable: string; reason: string; argument: boolean };

const url = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** One ListObjectsV2 page after another. */
async function* pages(client: S3Client, bucket: string, prefix: string, delimiter: boolean, pageSize?: number): AsyncGenerator<{ keys: Array<{ key: string; size: number }>; folders: string[] }> {
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: prefix,
      ...(delimiter ? { Delimiter: '/' } : {}),
      ...(pageSize ? { MaxKeys: pageSize } : {}),
      ...(token ? { ContinuationToken: token } : {}),
    }));
    yield {
      keys: (out.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0 }] : [])),
      folders: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
    };
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The log files under a prefix, in key order, as the plan for each folder says; failed listings as unreadable. */
export async function* listTrailKeys(client: S3Client, bucket: string, prefix: string, options: S3TrailOptions): AsyncGenerator<Listed> {
  let found = 0;
  let problems = 0;
  async function* walk(folder: string, named: boolean): AsyncGenerator<Listed> {
    const plan = planPrefix(folder, options.filter, options.now, named);
    if (plan.list === 'skip') return;
    for (const p of plan.list === 'days' ? plan.prefixes : [folder]) {
      try {
        for await (const page of pages(client, bucket, p, plan.list === 'children', options.pageSize)) {
          const entries = [...page.keys.map((k) => ({ name: k.key, size: k.size, folder: false })), ...page.folders.map((name) => ({ name, size: 0, folder: true }))].sort(byName);
          for (const e of entries) {
            if (e.folder) yield* walk(e.name, false);
            else if (keepKey(e.name, options.filter)) {
              found++;
              yield { key: e.name, size: e.size };
            }
          }
        }
      } catch (e) {
        problems++;
        yield { unreadable: url(bucket, p), reason: `cannot list (${awsErrorText(e, HINTS)})`, argument: named };
        return; // the same error would meet every other day of this plan
      }
    }
  }
  yield* walk(prefix, true);
  if (found === 0 && problems === 0) {
    const f = options.filter;
    const bounded = f.since !== undefined || f.until !== undefined || f.accounts !== undefined || f.regions !== undefined;
    yield { unreadable: url(bucket, prefix), reason: `no trail log files under this prefix${bounded ? ' for the --since/--until, --accounts and --regions given' : ''}`, argument: true };
  }
}

type Fetched = { name: string; body: Readable } | { unreadable: string; reason: string; argument: boolean };

async function fetchObject(client: S3Client, bucket: string, listed: Listed): Promise<Fetched> {
  if (!('key' in listed)) return listed;
  const name = url(bucket, listed.key);
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: listed.key }));
    if (!(out.Body instanceof Readable)) return { unreadable: name, reason: 'the object has no readable body', argument: false };
    return { name, body: out.Body };
  } catch (e) {
    return { unreadable: name, reason: `cannot read (${awsErrorText(e, HINTS)})`, argument: false };
  }
}

/** Every record of every log file under `s3://bucket/prefix`, in key order, as TrailItem batches. */
export async function* readS3Trail(client: S3Client, bucket: string, prefix: string, options: S3TrailOptions): AsyncGenerator<TrailItem[]> {
  const concurrency = options.concurrency ?? DEFAULT_S3_CONCURRENCY;
  const listed = listTrailKeys(client, bucket, prefix, options);
  const queue: Array<Promise<Fetched>> = [];
  let listing = true;
  try {
    for (;;) {
      while (listing && queue.length < concurrency) {
        const next = await listed.next();
        if (next.done) listing = false;
        else queue.push(fetchObject(client, bucket, next.value));
      }
      const head = queue.shift();
      if (!head) break;
      const got = await head;
      if ('unreadable' in got) {
        yield [{ kind: 'unreadable', file: got.unreadable, reason: got.reason, argument: got.argument }];
        continue;
      }
      yield* readStream(got.name, got.body, { maxRecordBytes: options.maxRecordBytes });
    }
  } finally {
    // Stopped early: release the bodies fetched ahead.
    for (const p of queue) void p.then((f) => ('body' in f ? f.body.destroy() : undefined));
    await listed.return(undefined);
  }
}
