/**
 * Where a backtest run keeps its objects in the results bucket, and how they are written and read:
 * `runs/RUN/manifest.json` (the batches, written by the CLI, read by the state machine's ItemReader)
 * and `runs/RUN/batches/NNNNNNNN.json.gz` (one batch result each, gzip JSON, written by a worker, read
 * by the CLI's merge). The bucket's lifecycle rule expires `runs/` (infra/backtest/).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseBatchResult, type BatchResult } from '../../core/backtest/batch-result';

export const RUNS_PREFIX = 'runs/';
export const runPrefix = (run: string) => `${RUNS_PREFIX}${run}/`;
export const manifestKey = (run: string) => `${runPrefix(run)}manifest.json`;
export const batchResultKey = (run: string, batch: number) => `${runPrefix(run)}batches/${String(batch).padStart(8, '0')}.json.gz`;

export async function putBatchResult(client: S3Client, bucket: string, result: BatchResult): Promise<string> {
  const key = batchResultKey(result.run, result.batch);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(JSON.stringify(result)), ContentType: 'application/json', ContentEncoding: 'gzip' }));
  return key;
}

/** A batch result read back and checked; `{ok: false}` names the object and the field. */
export async function getBatchResult(client: S3Client, bucket: string, run: string, batch: number): Promise<{ ok: true; result: BatchResult } | { ok: false; reason: string }> {
  const key = batchResultKey(run, batch);
  const name = `s3://${bucket}/${key}`;
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const raw = Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  let text: string;
  try {
    text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    return { ok: false, reason: `${name}: not gzip (${(e as Error).message})` };
  }
  return parseBatchResult(text, name);
}
