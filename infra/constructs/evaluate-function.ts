import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { runtimePack } from '../../functions/core/runtime-pack';
import type { RulePack } from '../../functions/core/types';

const ROOT = join(__dirname, '..', '..');

export interface EvaluateFunctionProps {
  /** The validated rule pack, compiled into the bundle (test cases left out). */
  readonly pack: RulePack;
  /** eventSource values the function evaluates (the same scope as the EventBridge rule). */
  readonly eventSources: readonly string[];
  /** Where invocations that failed every async retry go (Lambda on-failure destination). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
  /** Extra environment (topic ARN, table name, bus name). */
  readonly environment: Record<string, string>;
}

/**
 * The evaluate Lambda: Node.js 24 on arm64, bundled locally with esbuild (no Docker), the AWS SDK
 * left to the runtime, the rule pack inlined. Its role can only write its own log group; callers
 * grant the rest. Async invocations are retried twice, then sent to the dead-letter queue.
 */
export class EvaluateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EvaluateFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rekwatch evaluate function',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(ROOT, 'functions', 'evaluate', 'index.ts'),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      role,
      logGroup: this.logGroup,
      description: `rekwatch: evaluates ${props.pack.rules.filter((r) => r.enabled).length} rules on CloudTrail events from ${props.eventSources.join(', ')}`,
      environment: {
        EVENT_SOURCES: props.eventSources.join(','),
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        format: OutputFormat.CJS,
        forceDockerBundling: false,
        define: { __REKWATCH_PACK__: JSON.stringify(JSON.stringify(runtimePack(props.pack))) },
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(props.deadLetterQueue),
    });
  }
}
