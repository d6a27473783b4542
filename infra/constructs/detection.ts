import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CompiledEventRule } from '../../functions/core/eventbridge/event-pattern';
import type { EventQueue } from './event-queue';

export interface DetectionProps {
  /** Key for the dead-letter queue (and the trail, when one is created). */
  readonly key: kms.IKey;
  /** Create a multi-region trail with its own bucket; false when the account already has one. */
  readonly createTrail: boolean;
}

/** EventBridge's own maximum retries for a rule target, and how long it keeps trying: every rekwatch target's default. */
export const DEFAULT_RETRY_ATTEMPTS = 185;
export const DEFAULT_MAX_EVENT_AGE = Duration.hours(24);

export interface TargetRetry {
  /** How many times EventBridge retries delivering an event to the function. Default 185 (EventBridge's maximum). */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying. Default 24 hours. */
  readonly maxEventAge?: Duration;
}

/**
 * CloudTrail -> EventBridge -> evaluate function. Events the target cannot take after every retry,
 * and invocations that failed every async retry, land in one encrypted dead-letter queue. Create it,
 * give the queue to the function, then `connect` the function with the compiled EventBridge rules.
 */
export class Detection extends Construct {
  readonly rules: events.Rule[] = [];
  readonly deadLetterQueue: sqs.Queue;
  readonly trail?: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: DetectionProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    if (props.createTrail) {
      const logBucket = new s3.Bucket(this, 'TrailAccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const bucket = new s3.Bucket(this, 'TrailBucket', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        serverAccessLogsBucket: logBucket,
        serverAccessLogsPrefix: 'trail-bucket/',
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // CloudTrail needs the key policy's permission to encrypt log and digest files with the key
      // (CreateTrail fails with InsufficientEncryptionPolicyException otherwise), limited to this
      // account's trails.
      const { account, partition } = Stack.of(this);
      props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudTrailToEncryptLogs',
          principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
          actions: ['kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${account}:trail/*` },
            StringEquals: { 'aws:SourceAccount': account },
          },
        }),
      );
      props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudTrailToDescribeKey',
          principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
          actions: ['kms:DescribeKey'],
          resources: ['*'],
        }),
      );
      this.trail = new cloudtrail.Trail(this, 'Trail', {
        bucket,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableFileValidation: true,
        managementEvents: cloudtrail.ReadWriteType.ALL,
        encryptionKey: props.key,
      });
    }
  }

  /**
   * Adds one EventBridge rule per compiled pattern, each targeting the function directly (the plain
   * path) or, with `queue`, the queue the function consumes in batches (the queue path).
   */
  /**
   * How a rule's events reach the function: the queue the function consumes (the queue path) or
   * the function itself (the plain path), with the retries and this dead-letter queue either way.
   * Also used by the organization hub's bus rules (infra/org/hub.ts).
   */
  targetFor(fn: lambda.IFunction, retry: TargetRetry = {}, queue?: EventQueue): events.IRuleTarget {
    if (queue) return queue.target(this.deadLetterQueue, retry);
    return new targets.LambdaFunction(fn, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: retry.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
      maxEventAge: retry.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
    });
  }

  connect(target: lambda.IFunction, eventRules: readonly CompiledEventRule[], retry: TargetRetry = {}, queue?: EventQueue): void {
    eventRules.forEach((compiled, i) => {
      const rule = compiledEventRule(this, `Rule${i}`, compiled, { description: describeCompiledRule(compiled) });
      rule.addTarget(this.targetFor(target, retry, queue));
      this.rules.push(rule);
    });
    if (eventRules.length === 0) {
      Annotations.of(this).addWarningV2('rekwatch:no-rules', 'no enabled rules: no EventBridge rule was created, so nothing will alert');
    }
  }
}

/** `rekwatch: N rules (a, b, ...)`: the description of an EventBridge rule carrying compiled rules. */
export function describeCompiledRule(compiled: CompiledEventRule): string {
  return `rekwatch: ${compiled.ruleIds.length} rules (${compiled.ruleIds.slice(0, 5).join(', ')}${compiled.ruleIds.length > 5 ? ', ...' : ''})`.slice(0, 512);
}

export interface CompiledEventRuleOptions {
  /** Rule description (at most 512 characters). */
  readonly description: string;
  /** The bus the rule is on. @default the account's default bus */
  readonly eventBus?: events.IEventBus;
  /** Physical name. @default generated by CloudFormation */
  readonly ruleName?: string;
}

/**
 * One EventBridge rule with a compiled pattern and its state: the single place where a compiled rule
 * becomes a CloudFormation rule, so the hub's default bus, the hub bus and every spoke match the same.
 */
export function compiledEventRule(scope: Construct, id: string, compiled: CompiledEventRule, options: CompiledEventRuleOptions): events.Rule {
  const rule = new events.Rule(scope, id, {
    description: options.description,
    ...(options.eventBus ? { eventBus: options.eventBus } : {}),
    ...(options.ruleName ? { ruleName: options.ruleName } : {}),
    eventPattern: {
      source: compiled.pattern.source as string[],
      detailType: compiled.pattern['detail-type'] as string[],
      detail: compiled.pattern.detail as Record<string, unknown>,
    },
  });
  // The L2 construct only knows ENABLED/DISABLED; read-only CloudTrail events need this state.
  (rule.node.defaultChild as events.CfnRule).state = compiled.state;
  return rule;
}
