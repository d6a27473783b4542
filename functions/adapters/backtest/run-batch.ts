/**
 * One backtest batch, where it runs (the worker Lambda; tests run it in-process): each object of the
 * batch is fetched from the trail bucket and streamed through the trail reader (gzip by magic bytes,
 * the record splitter; never held whole, never written to disk) and stage 1 of the record pipeline
 * (`evaluateValue`), in manifest order, into a BatchResult (core/backtest/batch-result.ts).
 *
 * Failures: an object that is broken (bad gzip, bad JSON, a record too large) is what the trail reader
 * says it is (malformed or unreadable, named), as in a local replay; an object S3 refuses for good
 * (a 4xx: access denied, no such key) is unreadable by name, as `replay s3://` counts it. Anything
 * else (throttling, a 5xx, the network) throws `RetryableS3Error`, for the state machine to retry the
 * batch. Delivery keys are hashed (SHA-256, 128 bits): the merge only compares them.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BATCH_RESULT_FORMAT, BATCH_RESULT_VERSION, FileResultBuilder, type BatchResult } from '../../core/backtest/batch-result';
import type { ManifestBatch } from '../../core/backtest/manifest';
import type { Evaluator } from '../../core/match/evaluator';
import { evaluateValue } from '../../core/pipeline/record-pipeline';
import { awsErrorText, isThrottling } from '../sources/aws-error-text';
import { readStream } from '../trail-reader';

export class RetryableS3Error extends Error {
  override readonly name = 'RetryableS3Error';
}

export interface BatchJob {
  client: S3Client;
  trailBucket: string;
  run: string;
  batch: ManifestBatch;
  evaluator: Evaluator;
  maxRecordBytes?: number;
}

const HINTS: Record<string, string> = {
  AccessDenied: 'the worker role needs s3:GetObject on this object (and kms:Decrypt for a KMS-encrypted trail: backtestTrailKey)',
  Forbidden: 'the worker role needs s3:GetObject on this object (and kms:Decrypt for a KMS-encrypted trail: backtestTrailKey)',
};

export const hashDeliveryKey = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 22);

/** A 4xx from S3 other than throttling: retrying gives the same answer. */
function permanent(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (isThrottling(e) || /RequestTimeout/i.test((e as { name?: string }).name ?? '')) return false;
  return status !== undefined && status >= 400 && status < 500;
}

export async function runBatch(job: BatchJob): Promise<BatchResult> {
  const files = [];
  let bytes = 0;
  for (const object of job.batch.objects) {
    const name = `s3://${job.trailBucket}/${object.key}`;
    const builder = new FileResultBuilder(name, hashDeliveryKey);
    let body: Readable;
    try {
      const out = await job.client.send(new GetObjectCommand({ Bucket: job.trailBucket, Key: object.key }));
      if (!(out.Body instanceof Readable)) throw new RetryableS3Error(`${name}: the object has no readable body`);
      body = out.Body;
    } catch (e) {
      if (e instanceof RetryableS3Error) throw e;
      if (!permanent(e)) throw new RetryableS3Error(`${name}: cannot read (${awsErrorText(e, HINTS)})`);
      builder.note({ kind: 'unreadable', file: name, reason: `cannot read (${awsErrorText(e, HINTS)})`, argument: false });
      files.push(builder.build());
      continue;
    }
    for await (const items of readStream(name, body, { maxRecordBytes: job.maxRecordBytes })) {
      for (const item of items) {
        if (item.kind !== 'value') {
          if (item.kind === 'bytes') bytes += item.bytes;
          builder.note(item);
          continue;
        }
        const r = evaluateValue(item.value, job.evaluator);
        const e = r instanceof Promise ? await r : r;
        if (e.status === 'outOfScope') builder.outOfScope();
        else if (e.status === 'malformed') builder.note({ kind: 'malformed', file: item.file, where: item.where, reason: e.reason });
        else builder.inScope(e.key, e.alerts, e.errors, item.where, e.eventId, e.selections);
      }
    }
    files.push(builder.build());
  }
  return { format: BATCH_RESULT_FORMAT, version: BATCH_RESULT_VERSION, run: job.run, batch: job.batch.index, objects: job.batch.objects.length, bytes, files };
}
