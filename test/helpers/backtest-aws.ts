/**
 * The AWS side of a backtest on AWS, for tests: S3 is real (s3rver, the trail bucket and the results
 * bucket), CloudFormation and Step Functions have no stand-in, so they are aws-sdk-client-mock'ed
 * with every request recorded. StartExecution does what the deployed Distributed Map does: it reads
 * the manifest the CLI wrote (the ItemReader) and runs the worker handler on every batch (here in a
 * shuffled order, as parallel children finish in any order), each writing its result to the results
 * bucket; DescribeExecution then reports the end, and ListMapRuns/DescribeMapRun the item counts.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import type { ManifestBatch } from '../../functions/core/backtest/manifest';
import type { RulePack } from '../../functions/core/common/types';
import { runtimePack } from '../../functions/core/rules/runtime-pack';
import { createBacktestHandler } from '../../functions/backtest/handler';
import { packDigest } from '../../functions/adapters/backtest/pack-digest';
import type { S3StandIn } from './s3';

export const STACK = 'rekwatch-test';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:rekwatch-backtest';
export const EXECUTION_ARN_PREFIX = 'arn:aws:states:us-east-1:111122223333:execution:rekwatch-backtest:';
export const MAP_RUN_ARN = 'arn:aws:states:us-east-1:111122223333:mapRun:rekwatch-backtest/map:1';

export interface FanOutOptions {
  trailBucket: string;
  resultsBucket: string;
  pack: RulePack;
  /** A deterministic order to run batches in (default: reversed). */
  order?: (batches: ManifestBatch[]) => ManifestBatch[];
  /** Make the execution fail with this error and cause. */
  fail?: { error: string; cause: string };
  outputs?: Record<string, string>;
}

export interface FanOut {
  cfn: ReturnType<typeof mockClient>;
  sfn: ReturnType<typeof mockClient>;
  starts: StartExecutionCommandInput[];
  restore(): void;
}

export function fakeFanOut(s3: S3StandIn, options: FanOutOptions): FanOut {
  const cfn = mockClient(CloudFormationClient);
  const sfn = mockClient(SFNClient);
  const starts: StartExecutionCommandInput[] = [];
  const outputs = options.outputs ?? {
    BacktestStateMachineArn: STATE_MACHINE_ARN,
    BacktestResultsBucket: options.resultsBucket,
    BacktestTrailBucket: options.trailBucket,
    BacktestWorkerMemoryMb: '1769',
    BacktestPackDigest: packDigest(options.pack),
  };
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
  const handler = createBacktestHandler({
    s3: () => s3.client,
    pack: () => runtimePack(options.pack),
    trailBucket: options.trailBucket,
    resultsBucket: options.resultsBucket,
    logger: pino({ level: 'silent' }),
  });
  let total = 0;
  sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => {
    starts.push(input);
    const exec = JSON.parse(input.input as string) as { run: string; manifestKey: string; eventSources: unknown; maxRecordBytes: unknown };
    const got = await s3.client.send(new GetObjectCommand({ Bucket: options.resultsBucket, Key: exec.manifestKey }));
    const batches = JSON.parse(await (got.Body as { transformToString(): Promise<string> }).transformToString()) as ManifestBatch[];
    total = batches.length;
    if (!options.fail) {
      for (const batch of (options.order ?? ((b) => [...b].reverse()))(batches)) {
        // What the state machine's ItemSelector hands each child.
        await handler({ run: exec.run, batch, eventSources: exec.eventSources, maxRecordBytes: exec.maxRecordBytes });
      }
    }
    return { executionArn: `${EXECUTION_ARN_PREFIX}${input.name}`, startDate: new Date(0) };
  });
  let polls = 0;
  sfn.on(DescribeExecutionCommand).callsFake(async (input: { executionArn: string }) => {
    polls++;
    // RUNNING on the first look, then the end: the CLI must wait.
    if (polls === 1) return { executionArn: input.executionArn, status: 'RUNNING', startDate: new Date(0), stateMachineArn: STATE_MACHINE_ARN };
    return options.fail
      ? { executionArn: input.executionArn, status: 'FAILED', error: options.fail.error, cause: options.fail.cause, startDate: new Date(0), stateMachineArn: STATE_MACHINE_ARN }
      : { executionArn: input.executionArn, status: 'SUCCEEDED', startDate: new Date(0), stateMachineArn: STATE_MACHINE_ARN };
  });
  sfn.on(ListMapRunsCommand).resolves({ mapRuns: [{ mapRunArn: MAP_RUN_ARN, executionArn: 'x', stateMachineArn: STATE_MACHINE_ARN, startDate: new Date(0) }] });
  sfn.on(DescribeMapRunCommand).callsFake(async () => ({
    mapRunArn: MAP_RUN_ARN, executionArn: 'x', status: polls > 1 ? 'SUCCEEDED' : 'RUNNING', startDate: new Date(0), maxConcurrency: 10, toleratedFailurePercentage: 0, toleratedFailureCount: 0,
    itemCounts: { pending: 0, running: polls > 1 ? 0 : total, succeeded: polls > 1 && !options.fail ? total : 0, failed: options.fail && polls > 1 ? 1 : 0, timedOut: 0, aborted: 0, total, resultsWritten: 0 },
    executionCounts: { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total, resultsWritten: 0 },
  }));
  return { cfn, sfn, starts, restore: () => { cfn.restore(); sfn.restore(); } };
}
