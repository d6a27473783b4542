/**
 * `rekwatch replay s3://BUCKET/PREFIX --on-aws --stack NAME`: the backtest fanned out on AWS by the
 * stack's Step Functions Distributed Map (infra/backtest/), merged back here into exactly the report
 * and JSON Lines a local replay prints.
 *
 * Steps: the stack's backtest outputs (CloudFormation DescribeStacks); the trail objects, listed and
 * pruned as `replay s3://` lists them (s3-trail.ts `listTrailKeys`: --since/--until, --accounts,
 * --regions); the plan in batches (core/backtest/manifest.ts) with its estimated cost, on stderr; a
 * confirmation (a terminal's y, or --yes; never without one); the manifest written to the results
 * bucket; StartExecution; progress (DescribeExecution, ListMapRuns + DescribeMapRun item counts) on
 * stderr until the execution ends; then the batch results, read in manifest order and checked against
 * it, as the stage 2 input replay's own worker threads give (core/backtest/merge.ts).
 *
 * Every AWS or input problem is one line on stderr and an exit status (2 usage, 1 otherwise), never a
 * stack trace: no credentials, access denied, stack not found or without backtest outputs, a bucket
 * the stack cannot read, an execution that failed (with its error and cause).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { getBatchResult, manifestKey } from '../adapters/backtest/results';
import { listTrailKeys } from '../adapters/sources/s3-trail';
import { awsErrorText } from '../adapters/sources/aws-error-text';
import { costLines, estimateCost } from '../core/backtest/cost';
import { DEFAULT_BATCH_LIMITS, manifestText, planBatches, planTotals, type BatchLimits, type ManifestBatch, type ManifestObject } from '../core/backtest/manifest';
import { batchMismatch, evaluatedFile, type EvaluatedFile } from '../core/backtest/merge';
import { terminalSafe } from '../core/common/text';
import { writeLine, type CliIo } from './io';
import type { SourceSpec } from './replay-sources';
import { awsClientConfig, trailBucketClientConfig } from './state';
import { BACKTEST_OUTPUTS, BACKTEST_PACK_DIGEST_OUTPUT } from '../core/backtest/outputs';


export interface OnAwsOptions {
  stack?: string;
  yes?: boolean;
  sources?: SourceSpec;
  /** The evaluation scope the local evaluator uses (handed to every worker). */
  eventSources?: readonly string[] | '*';
  maxRecordSize?: number;
  /** Batch limits (tests use small ones). */
  batchLimits?: BatchLimits;
  /** How often progress is polled, ms (default 5 s). */
  pollMs?: number;
  /** The digest of the pack loaded from --rules (and --config), to compare with the stack's. */
  packDigest?: string;
}

/** A problem that ends the run with one line and this exit status. */
export class OnAwsError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

interface Clients {
  cfn: CloudFormationClient;
  s3: S3Client;
  sfn: SFNClient;
  destroy(): void;
}

async function clients(env: NodeJS.ProcessEnv, endpointUrl: string | undefined): Promise<Clients> {
  const [{ CloudFormationClient: Cfn }, { S3Client: S3 }, { SFNClient: Sfn }] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sfn'),
  ]);
  const cfn = new Cfn(awsClientConfig(env, 'AWS_ENDPOINT_URL_CLOUDFORMATION'));
  const s3 = new S3(trailBucketClientConfig(env, endpointUrl));
  const sfn = new Sfn(awsClientConfig(env, 'AWS_ENDPOINT_URL_SFN'));
  return { cfn, s3, sfn, destroy: () => [cfn, s3, sfn].forEach((c) => c.destroy()) };
}

interface StackOutputs {
  stateMachineArn: string;
  resultsBucket: string;
  trailBucket: string;
  memoryMb: number;
  packDigest?: string;
}

async function stackOutputs(cfn: CloudFormationClient, stack: string): Promise<StackOutputs> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  let outputs: Record<string, string>;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (e) {
    const text = /does not exist/.test((e as Error).message ?? '') ? `stack ${stack} not found (check the name, the account and AWS_REGION)` : `cannot read stack ${stack}: ${awsErrorText(e)}`;
    throw new OnAwsError(`rekwatch replay --on-aws: ${text}`, 1);
  }
  const missing = Object.values(BACKTEST_OUTPUTS).filter((k) => outputs[k] === undefined);
  if (missing.length > 0) {
    throw new OnAwsError(`rekwatch replay --on-aws: stack ${stack} has no ${missing.join(', ')} output${missing.length === 1 ? '' : 's'}: deploy it with -c backtest=true -c backtestTrailBucket=BUCKET (README: Backtests on AWS)`, 1);
  }
  return {
    stateMachineArn: outputs[BACKTEST_OUTPUTS.stateMachine] as string,
    resultsBucket: outputs[BACKTEST_OUTPUTS.resultsBucket] as string,
    trailBucket: outputs[BACKTEST_OUTPUTS.trailBucket] as string,
    memoryMb: Number(outputs[BACKTEST_OUTPUTS.workerMemory]),
    ...(outputs[BACKTEST_PACK_DIGEST_OUTPUT] ? { packDigest: outputs[BACKTEST_PACK_DIGEST_OUTPUT] } : {}),
  };
}

/** y/yes on the terminal starts the run. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return /^\s*y(es)?\s*$/i.test(line);
    return false;
  } finally {
    rl.close();
  }
}

/** A run id, also the execution name: sortable by time, unique enough to never collide. */
function runId(now: number): string {
  return `rekwatch-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * Starts the backtest, waits for it, and returns its merged results (the objects' stage 2 input in
 * manifest order, read lazily); throws OnAwsError for anything that stops it.
 */
export async function replayOnAws(paths: readonly string[], opts: OnAwsOptions, io: CliIo): Promise<AsyncIterable<EvaluatedFile>> {
  const usage = (text: string) => new OnAwsError(`rekwatch replay --on-aws: ${text}`, 2);
  if (!opts.stack) throw usage('--stack NAME is required (the rekwatch stack deployed with -c backtest=true)');
  const inputs = opts.sources?.inputs ?? [];
  const s3Inputs = inputs.filter((i) => i.kind === 's3');
  if (s3Inputs.length !== 1 || inputs.length !== 1 || paths.length !== 1) throw usage('give exactly one s3://BUCKET/PREFIX (local files and --lookup-events are replayed locally)');
  const input = s3Inputs[0] as { bucket: string; prefix: string };
  const spec = opts.sources as SourceSpec;
  const env = io.env ?? process.env;
  const now = io.now ?? Date.now;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const aws = await clients(env, spec.endpointUrl);
  let done = false;
  try {
    const stack = await stackOutputs(aws.cfn, opts.stack);
    if (input.bucket !== stack.trailBucket) {
      throw usage(`stack ${opts.stack} reads the trail bucket ${stack.trailBucket} only (backtestTrailBucket), not ${input.bucket}`);
    }
    if (opts.packDigest && stack.packDigest && opts.packDigest !== stack.packDigest) {
      writeLine(io.stderr, `rekwatch replay --on-aws: warning: the rules deployed in stack ${opts.stack} (pack ${stack.packDigest}) differ from --rules (pack ${opts.packDigest}): alerts come from the deployed rules; deploy these rules, or pass the --rules and --config the stack was deployed with`);
    }

    // The listing, exactly as a local `replay s3://` lists (and prunes); LIST requests counted for the estimate.
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    let lists = 0;
    const counting = { send: (cmd: unknown) => ((cmd instanceof ListObjectsV2Command ? lists++ : 0), aws.s3.send(cmd as never)) } as unknown as S3Client;
    const objects: ManifestObject[] = [];
    for await (const listed of listTrailKeys(counting, input.bucket, input.prefix, { filter: spec.filter, now: spec.now })) {
      if ('unreadable' in listed) throw new OnAwsError(`rekwatch replay --on-aws: ${terminalSafe(listed.unreadable)}: ${terminalSafe(listed.reason)}`, 2);
      objects.push({ key: listed.key, size: listed.size });
    }
    const batches = planBatches(objects, opts.batchLimits ?? DEFAULT_BATCH_LIMITS);
    const totals = planTotals(batches);
    const costInput = { ...totals, listRequests: lists, memoryMb: stack.memoryMb };
    for (const line of costLines(costInput, estimateCost(costInput))) writeLine(io.stderr, line);

    if (!opts.yes) {
      const tty = io.stderrIsTTY && (io.stdin as { isTTY?: boolean }).isTTY === true;
      if (!tty) throw usage('not started: confirm on a terminal, or add --yes');
      if (!(await confirm(io, 'Start it? [y/N] '))) throw new OnAwsError('rekwatch replay --on-aws: not started', 1);
    }

    const run = runId(now());
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const key = manifestKey(run);
    try {
      await aws.s3.send(new PutObjectCommand({ Bucket: stack.resultsBucket, Key: key, Body: manifestText(batches), ContentType: 'application/json' }));
    } catch (e) {
      throw new OnAwsError(`rekwatch replay --on-aws: cannot write the manifest to s3://${stack.resultsBucket}/${key}: ${awsErrorText(e)}`, 1);
    }
    const { StartExecutionCommand, DescribeExecutionCommand, ListMapRunsCommand, DescribeMapRunCommand } = await import('@aws-sdk/client-sfn');
    let executionArn: string;
    try {
      const started = await aws.sfn.send(new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: run,
        input: JSON.stringify({ run, manifestKey: key, eventSources: opts.eventSources ?? null, maxRecordBytes: opts.maxRecordSize ?? null }),
      }));
      executionArn = started.executionArn as string;
    } catch (e) {
      throw new OnAwsError(`rekwatch replay --on-aws: cannot start the backtest: ${awsErrorText(e)}`, 1);
    }
    writeLine(io.stderr, `rekwatch replay --on-aws: started ${executionArn}`);

    // Progress until the execution ends.
    let last = '';
    for (;;) {
      let status: string | undefined;
      let failure = '';
      try {
        const d = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
        status = d.status;
        failure = [d.error, d.cause].filter(Boolean).join(': ');
        const runs = await aws.sfn.send(new ListMapRunsCommand({ executionArn }));
        const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
        if (mapRunArn) {
          const m = await aws.sfn.send(new DescribeMapRunCommand({ mapRunArn }));
          const c = m.itemCounts;
          const text = `rekwatch replay --on-aws: batches ${c?.succeeded ?? 0}/${c?.total ?? batches.length} done, ${c?.running ?? 0} running, ${c?.failed ?? 0} failed`;
          if (text !== last) writeLine(io.stderr, text);
          last = text;
        }
      } catch (e) {
        throw new OnAwsError(`rekwatch replay --on-aws: cannot follow ${executionArn}: ${awsErrorText(e)}`, 1);
      }
      if (status === 'SUCCEEDED') break;
      if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
        throw new OnAwsError(`rekwatch replay --on-aws: execution ${run} ${String(status).toLowerCase()}${failure ? `: ${terminalSafe(failure)}` : ''}`, 1);
      }
      await sleep(opts.pollMs ?? 5000);
    }
    done = true;
    return merged(aws, stack.resultsBucket, input.bucket, run, batches);
  } finally {
    if (!done) aws.destroy();
  }
}

/** The batch results in manifest order, each checked, as stage 2 input; closes the clients at the end. */
async function* merged(aws: Clients, resultsBucket: string, trailBucket: string, run: string, batches: readonly ManifestBatch[]): AsyncGenerator<EvaluatedFile> {
  try {
    for (const batch of batches) {
      let got;
      try {
        got = await getBatchResult(aws.s3, resultsBucket, run, batch.index);
      } catch (e) {
        throw new OnAwsError(`rekwatch replay --on-aws: cannot read the result of batch ${batch.index}: ${awsErrorText(e)}`, 1);
      }
      if (!got.ok) throw new OnAwsError(`rekwatch replay --on-aws: ${got.reason}`, 1);
      const why = batchMismatch(got.result, batch, run, (k) => `s3://${trailBucket}/${k}`);
      if (why) throw new OnAwsError(`rekwatch replay --on-aws: batch ${batch.index}: ${why}`, 1);
      for (const f of got.result.files) yield evaluatedFile(f);
    }
  } finally {
    aws.destroy();
  }
}
