import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { packDefine } from '../../functions/core/rules/runtime-pack';
import type { RulePack } from '../../functions/core/common/types';
import { rekwatchFunction } from './node-function';

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
  /**
   * Reserved concurrency, so other functions in the account cannot starve detection (it also caps
   * the function: throttled events are retried for up to 6 hours). None: the unreserved pool.
   */
  readonly reservedConcurrency?: number;
}

/**
 * The evaluate Lambda (see node-function.ts for how rekwatch functions are built), with the rule
 * pack inlined into the bundle so a cold start reads no files.
 */
export class EvaluateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The function's timeout and memory (the queue's visibility timeout and the cost note use them). */
  readonly timeout = Duration.seconds(30);
  readonly memorySize = 512;

  constructor(scope: Construct, id: string, props: EvaluateFunctionProps) {
    super(scope, id);
    const parts = rekwatchFunction(this, {
      entry: 'functions/evaluate/index.ts',
      description: `rekwatch: evaluates ${props.pack.rules.filter((r) => r.enabled).length} rules on CloudTrail events from ${props.eventSources.join(', ')}`,
      roleDescription: 'rekwatch evaluate function',
      memorySize: this.memorySize,
      timeout: this.timeout,
      logRetentionDays: props.logRetentionDays,
      deadLetterQueue: props.deadLetterQueue,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
      environment: { EVENT_SOURCES: props.eventSources.join(','), ...props.environment },
      define: packDefine(props.pack),
    });
    this.function = parts.function;
    this.logGroup = parts.logGroup;
  }
}
