/**
 * The stack outputs of the AWS backtest: the stack declares them (infra/stack.ts) and
 * `rekwatch replay --on-aws --stack NAME` reads them (functions/cli/replay-on-aws.ts).
 */
export const BACKTEST_OUTPUTS = {
  stateMachine: 'BacktestStateMachineArn',
  resultsBucket: 'BacktestResultsBucket',
  trailBucket: 'BacktestTrailBucket',
  workerMemory: 'BacktestWorkerMemoryMb',
} as const;

/** The digest of the pack the stack bundled (adapters/backtest/pack-digest.ts); compared, not required. */
export const BACKTEST_PACK_DIGEST_OUTPUT = 'BacktestPackDigest';
