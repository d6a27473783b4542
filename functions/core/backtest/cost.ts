/**
 * What a backtest on AWS will cost, estimated before it starts (the CLI prints it and asks): Lambda
 * GB-seconds at the worker's memory and an assumed throughput, Lambda requests, Step Functions state
 * transitions, S3 requests. An estimate from list prices, never a promise: the real throughput,
 * retries, the region's prices, free tiers, KMS requests on a KMS-encrypted trail and data transfer
 * are not in it.
 */

/**
 * List prices, US East (N. Virginia), as published on the dated pages below (on-demand, no free tier).
 * Looked up 2026-12-01:
 * - Lambda, Arm: $0.0000133334 per GB-second (first 7.5 billion GB-s a month), $0.20 per million
 *   requests (https://aws.amazon.com/lambda/pricing/).
 * - Step Functions Standard workflows: $0.025 per 1,000 state transitions, retries included
 *   (https://aws.amazon.com/step-functions/pricing/); a Distributed Map's child executions are
 *   Standard here (the default), each with one Task state.
 * - S3 Standard: $0.005 per 1,000 PUT, COPY, POST or LIST requests; $0.0004 per 1,000 GET requests
 *   (https://aws.amazon.com/s3/pricing/).
 */
export const PRICES_AS_OF = '2026-12-01';
export const PRICES_REGION = 'us-east-1';
export const LAMBDA_ARM_GB_SECOND_USD = 0.0000133334;
export const LAMBDA_REQUEST_USD = 0.2 / 1_000_000;
export const SFN_STATE_TRANSITION_USD = 0.025 / 1000;
export const S3_PUT_LIST_USD = 0.005 / 1000;
export const S3_GET_USD = 0.0004 / 1000;

/**
 * Assumed worker throughput, in bytes of trail objects as S3 counts them (gzip) per second on one
 * worker: the batch runner (adapters/backtest/run-batch.ts) with the shipped pack measured 0.4-1.0 MB/s
 * of gzip (5,000-13,000 records/s, 7-18 MB/s of JSON) on synthetic trail files that compress 18:1, on
 * this project's loaded 2-core machine (2026-12-01). Issue 12 §1's 19 MB/s is of uncompressed JSON.
 * An assumption until measured on Lambda.
 */
export const ASSUMED_WORKER_BYTES_PER_SECOND = 1000 * 1000;
/** Per-batch overhead assumed: a cold start and the result upload. */
export const ASSUMED_BATCH_OVERHEAD_SECONDS = 1;

export interface CostInput {
  objects: number;
  bytes: number;
  batches: number;
  /** LIST requests the CLI made to plan the run. */
  listRequests: number;
  /** The worker's memory, MB. */
  memoryMb: number;
  bytesPerSecond?: number;
}

export interface CostEstimate {
  lambdaGbSeconds: number;
  lambdaUsd: number;
  stateTransitions: number;
  stepFunctionsUsd: number;
  s3Requests: { get: number; put: number; list: number };
  s3Usd: number;
  totalUsd: number;
  /** Worker time summed over batches, seconds (wall time is this over the concurrency, at best). */
  workerSeconds: number;
}

export function estimateCost(input: CostInput): CostEstimate {
  const rate = input.bytesPerSecond ?? ASSUMED_WORKER_BYTES_PER_SECOND;
  const workerSeconds = input.bytes / rate + input.batches * ASSUMED_BATCH_OVERHEAD_SECONDS;
  const lambdaGbSeconds = workerSeconds * (input.memoryMb / 1024);
  const lambdaUsd = lambdaGbSeconds * LAMBDA_ARM_GB_SECOND_USD + input.batches * LAMBDA_REQUEST_USD;
  // The execution: start, the Map state, the end; per child execution: its start and its Task state.
  const stateTransitions = 3 + input.batches * 2;
  const stepFunctionsUsd = stateTransitions * SFN_STATE_TRANSITION_USD;
  // GET: every object, the manifest (ItemReader), every batch result (the CLI's merge).
  // PUT: the manifest and one result per batch.
  const s3Requests = { get: input.objects + 1 + input.batches, put: 1 + input.batches, list: input.listRequests };
  const s3Usd = s3Requests.get * S3_GET_USD + (s3Requests.put + s3Requests.list) * S3_PUT_LIST_USD;
  return { lambdaGbSeconds, lambdaUsd, stateTransitions, stepFunctionsUsd, s3Requests, s3Usd, totalUsd: lambdaUsd + stepFunctionsUsd + s3Usd, workerSeconds };
}

const usd = (n: number) => (n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);

/** `1.2 GB`: bytes in decimal units, as S3 and the AWS bill count them. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** The lines the CLI prints before it asks. */
export function costLines(input: CostInput, estimate: CostEstimate): string[] {
  return [
    `rekwatch replay --on-aws: ${input.objects} objects, ${formatBytes(input.bytes)}, in ${input.batches} batch${input.batches === 1 ? '' : 'es'}`,
    `Estimated cost (an estimate, not a promise; ${PRICES_REGION} list prices of ${PRICES_AS_OF}, at an assumed ${formatBytes(input.bytesPerSecond ?? ASSUMED_WORKER_BYTES_PER_SECOND)}/s per worker): about ${usd(estimate.totalUsd)}` +
      ` (Lambda ${estimate.lambdaGbSeconds.toFixed(0)} GB-s at ${input.memoryMb} MB ${usd(estimate.lambdaUsd)}, Step Functions ${estimate.stateTransitions} state transitions ${usd(estimate.stepFunctionsUsd)},` +
      ` S3 ${estimate.s3Requests.get} GET + ${estimate.s3Requests.put} PUT + ${estimate.s3Requests.list} LIST ${usd(estimate.s3Usd)})`,
  ];
}
