/**
 * The backtest worker's handler: one Distributed Map item (one manifest batch, with the run's
 * settings the state machine's ItemSelector adds) → the batch result in the results bucket, and a
 * small summary as the task's output. Input is checked first (`input.FIELD: message`, a failure the
 * state machine does not retry); S3 trouble worth retrying throws RetryableS3Error (the task's Retry).
 * One evaluator per scope is kept for the container's life.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { runBatch } from '../adapters/backtest/run-batch';
import { putBatchResult } from '../adapters/backtest/results';
import type { ManifestBatch } from '../core/backtest/manifest';
import type { RulePack } from '../core/common/types';
import { Evaluator } from '../core/match/evaluator';

/** What the state machine hands the worker (infra/backtest/backtest.ts ItemSelector). */
export interface BacktestBatchInput {
  run: string;
  batch: ManifestBatch;
  /** The CLI's evaluation scope (`--event-source`, the config file), as a local replay uses it. */
  eventSources?: readonly string[] | '*' | null;
  maxRecordBytes?: number | null;
}

export interface BacktestBatchOutput {
  run: string;
  batch: number;
  objects: number;
  bytes: number;
  resultKey: string;
}

export interface BacktestDeps {
  s3: () => S3Client;
  pack: () => RulePack;
  trailBucket: string;
  resultsBucket: string;
  logger: Logger;
}

export class BadBatchInput extends Error {
  override readonly name = 'BadBatchInput';
}

/** The worker's environment variable names (infra/backtest/backtest.ts sets them). */
export const BACKTEST_ENV = { trailBucket: 'TRAIL_BUCKET', resultsBucket: 'RESULTS_BUCKET' } as const;

const RUN = /^[A-Za-z0-9_-]{1,80}$/;

export function checkInput(event: unknown): BacktestBatchInput {
  const bad = (field: string, message: string) => new BadBatchInput(`input.${field}: ${message}`);
  if (typeof event !== 'object' || event === null) throw new BadBatchInput('input: not an object');
  const e = event as Record<string, unknown>;
  if (typeof e.run !== 'string' || !RUN.test(e.run)) throw bad('run', 'not a run id');
  const batch = e.batch as Record<string, unknown> | undefined;
  if (typeof batch !== 'object' || batch === null) throw bad('batch', 'not an object');
  if (typeof batch.index !== 'number' || !Number.isInteger(batch.index) || batch.index < 0) throw bad('batch.index', 'not a batch index');
  if (!Array.isArray(batch.objects)) throw bad('batch.objects', 'not a list');
  batch.objects.forEach((o: unknown, i: number) => {
    const obj = o as Record<string, unknown>;
    if (typeof obj !== 'object' || obj === null || typeof obj.key !== 'string' || !obj.key) throw bad(`batch.objects[${i}].key`, 'not an object key');
    if (typeof obj.size !== 'number' || obj.size < 0) throw bad(`batch.objects[${i}].size`, 'not a size');
  });
  const sources = e.eventSources;
  if (sources !== undefined && sources !== null && sources !== '*' && !(Array.isArray(sources) && sources.every((s) => typeof s === 'string'))) throw bad('eventSources', "not a list of eventSource names or '*'");
  if (e.maxRecordBytes !== undefined && e.maxRecordBytes !== null && (typeof e.maxRecordBytes !== 'number' || e.maxRecordBytes < 1)) throw bad('maxRecordBytes', 'not a byte count');
  return e as unknown as BacktestBatchInput;
}

export function createBacktestHandler(deps: BacktestDeps): (event: unknown) => Promise<BacktestBatchOutput> {
  const evaluators = new Map<string, Evaluator>();
  const evaluatorFor = (sources: BacktestBatchInput['eventSources']) => {
    const id = JSON.stringify(sources ?? null);
    let ev = evaluators.get(id);
    if (!ev) {
      // copies: 'each', as replay's own workers: copies are folded in the CLI's stage 2.
      ev = new Evaluator(deps.pack(), { ...(sources ? { eventSources: sources } : {}), copies: 'each' });
      evaluators.set(id, ev);
    }
    return ev;
  };
  return async (event) => {
    const input = checkInput(event);
    const started = Date.now();
    const result = await runBatch({
      client: deps.s3(),
      trailBucket: deps.trailBucket,
      run: input.run,
      batch: input.batch,
      evaluator: evaluatorFor(input.eventSources),
      ...(typeof input.maxRecordBytes === 'number' ? { maxRecordBytes: input.maxRecordBytes } : {}),
    });
    const resultKey = await putBatchResult(deps.s3(), deps.resultsBucket, result);
    const found = result.files.reduce((n, f) => n + f.found.length, 0);
    deps.logger.info({ run: input.run, batch: input.batch.index, objects: result.objects, bytes: result.bytes, found, ms: Date.now() - started }, 'backtest batch done');
    return { run: input.run, batch: input.batch.index, objects: result.objects, bytes: result.bytes, resultKey };
  };
}
