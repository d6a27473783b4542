/**
 * The backtest worker Lambda's entry point: the handler (handler.ts) wired to S3, the rule pack the
 * stack bundled (evaluate/bundled-pack.ts: the same pack the evaluate function runs) and the buckets
 * the stack names in its environment. The S3 client is created once per container.
 */
import { S3Client } from '@aws-sdk/client-s3';
import pino from 'pino';
import { requiredEnv } from '../adapters/env';
import { bundledPack } from '../evaluate/bundled-pack';
import type { RulePack } from '../core/common/types';
import { BACKTEST_ENV, createBacktestHandler } from './handler';

// Plain JSON to stdout: pino transports (worker threads) do not survive bundling.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined, messageKey: 'message' });
let s3: S3Client | undefined;
let pack: RulePack | undefined;

export const handler = createBacktestHandler({
  // Path-style only against an S3 endpoint override (an S3-compatible store or a stand-in in tests).
  s3: () => (s3 ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) })),
  pack: () => (pack ??= bundledPack()),
  trailBucket: requiredEnv(BACKTEST_ENV.trailBucket),
  resultsBucket: requiredEnv(BACKTEST_ENV.resultsBucket),
  logger,
});
