/**
 * The backtest fan-out (`-c backtest=true`; `rekwatch replay s3://… --on-aws --stack NAME`): a Step
 * Functions state machine whose Distributed Map reads the manifest the CLI writes (one item per batch
 * of trail objects, core/backtest/manifest.ts) and runs the worker Lambda (functions/backtest/) on
 * each, up to `maxConcurrency` at once; each worker reads its objects from the trail bucket and writes
 * its batch result to the results bucket, which the CLI merges.
 *
 * Least privilege: the worker may only GetObject the trail bucket's log files (`*AWSLogs/*`, so a
 * trail with a key prefix works too) and decrypt with the trail's KMS key through S3 when one is
 * named; nothing else on that bucket. It may only PutObject batch results under `runs/` of the
 * results bucket. The state machine may invoke the worker, read the manifests and write the Map's
 * own result files (`map-results/`). The results bucket is private, SSE-S3 encrypted, TLS-only,
 * access-logged, and expires everything after `resultsExpirationDays`.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { BACKTEST_ENV } from '../../functions/backtest/handler';
import { packDefine } from '../../functions/core/rules/runtime-pack';
import type { RulePack } from '../../functions/core/common/types';
import { rekwatchFunction } from '../constructs/node-function';

/** One full vCPU (Lambda allocates CPU in proportion to memory; 1,769 MB is one vCPU). */
export const DEFAULT_BACKTEST_MEMORY_MB = 1769;

export interface BacktestProps {
  /** The rule pack the worker evaluates: the evaluate function's, compiled into the bundle the same way. */
  readonly pack: RulePack;
  /** Name of the CloudTrail bucket backtests read (read-only: s3:GetObject on its log files). */
  readonly trailBucketName: string;
  /** ARN of the KMS key the trail's log files are encrypted with (kms:Decrypt via S3); none for SSE-S3. */
  readonly trailKeyArn?: string;
  /** Most batches evaluated at once (the Map's MaxConcurrency; each is one Lambda invocation). */
  readonly maxConcurrency: number;
  /** Days before the results bucket expires a run's manifest and batch results. */
  readonly resultsExpirationDays: number;
  /** Days to keep the worker's and the state machine's logs. */
  readonly logRetentionDays: number;
  /** The worker's memory, MB (default one vCPU, 1,769). */
  readonly workerMemoryMb?: number;
}

export class Backtest extends Construct {
  readonly resultsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly worker: NodejsFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly trailBucketName: string;
  readonly workerMemoryMb: number;

  constructor(scope: Construct, id: string, props: BacktestProps) {
    super(scope, id);
    // CDK renders ResultWriterV2 only with this feature flag; set here, for this construct only.
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    this.trailBucketName = props.trailBucketName;
    this.workerMemoryMb = props.workerMemoryMb ?? DEFAULT_BACKTEST_MEMORY_MB;
    const expiration = Duration.days(props.resultsExpirationDays);

    this.accessLogsBucket = new s3.Bucket(this, 'ResultsAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'backtest-results/',
      lifecycleRules: [{ expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Results are disposable (they expire anyway): the bucket goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const parts = rekwatchFunction(this, {
      entry: 'functions/backtest/index.ts',
      description: `rekwatch: backtest worker (${props.pack.rules.filter((r) => r.enabled).length} rules over batches of s3://${props.trailBucketName})`,
      roleDescription: 'rekwatch backtest worker: reads trail log files, writes batch results',
      memorySize: this.workerMemoryMb,
      timeout: Duration.minutes(15),
      logRetentionDays: props.logRetentionDays,
      environment: { [BACKTEST_ENV.trailBucket]: props.trailBucketName, [BACKTEST_ENV.resultsBucket]: this.resultsBucket.bucketName },
      define: packDefine(props.pack),
    });
    this.worker = parts.function;
    const trailObjects = Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: props.trailBucketName, resourceName: '*AWSLogs/*' });
    this.worker.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadTrailLogFiles', actions: ['s3:GetObject'], resources: [trailObjects] }));
    if (props.trailKeyArn) {
      this.worker.addToRolePolicy(new iam.PolicyStatement({
        sid: 'DecryptTrailLogFiles',
        actions: ['kms:Decrypt'],
        resources: [props.trailKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }));
    }
    this.worker.addToRolePolicy(new iam.PolicyStatement({ sid: 'WriteBatchResults', actions: ['s3:PutObject'], resources: [this.resultsBucket.arnForObjects('runs/*')] }));

    const evaluate = new tasks.LambdaInvoke(this, 'EvaluateBatch', {
      lambdaFunction: this.worker,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    // S3 throttling, 5xx and network errors (functions/adapters/backtest/run-batch.ts); bad input is not retried.
    evaluate.addRetry({ errors: ['RetryableS3Error'], interval: Duration.seconds(5), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    const map = new sfn.DistributedMap(this, 'Batches', {
      itemReader: new sfn.S3JsonItemReader({ bucket: this.resultsBucket, key: sfn.JsonPath.stringAt('$.manifestKey') }),
      itemSelector: {
        run: sfn.JsonPath.stringAt('$.run'),
        batch: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
        eventSources: sfn.JsonPath.stringAt('$.eventSources'),
        maxRecordBytes: sfn.JsonPath.stringAt('$.maxRecordBytes'),
      },
      maxConcurrency: props.maxConcurrency,
      // One lost batch would make the report wrong: any failure fails the run (after the task's retries).
      toleratedFailurePercentage: 0,
      // The children's summaries go to S3, not into the execution's output (limited to 256 KiB).
      resultWriterV2: new sfn.ResultWriterV2({ bucket: this.resultsBucket, prefix: 'map-results' }),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'Batches',
    });
    map.itemProcessor(evaluate);

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(map),
      comment: 'rekwatch backtest: one child per manifest batch (rekwatch replay --on-aws)',
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.hours(24),
    });
  }
}
