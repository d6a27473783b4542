import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../../functions/core/common/types';
import { rekwatchFunction } from './node-function';

export interface SlackForwarderProps {
  /** The alert topic the forwarder subscribes to. */
  readonly topic: sns.ITopic;
  /** Customer-managed key for the forwarder's dead-letter queue. */
  readonly key: kms.IKey;
  /**
   * The Secrets Manager secret that holds the Slack incoming-webhook URL: its name (`rekwatch/slack`)
   * or ARN. The value is the bare URL or JSON `{"webhookUrl": "https://hooks.slack.com/..."}`. The
   * secret is created by the user, never by the stack, so the URL is never in a template.
   */
  readonly webhookSecret: string;
  /**
   * Severities posted to Slack (the subscription's filter policy).
   * @default - all severities
   */
  readonly severities?: readonly Severity[];
  /** Grants the forwarder item access to the state table (for its idempotency keys). */
  readonly grantState: (grantee: iam.IGrantable) => void;
  /** The state table's name. */
  readonly tableName: string;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
}

/**
 * Slack delivery in AWS: a small Lambda subscribed to the alert topic (with its own severity filter
 * policy) that posts each alert as Block Kit to an incoming webhook. Failed posts are retried in the
 * invocation (429/5xx), then by Lambda (twice), then land in the forwarder's own dead-letter queue;
 * SNS's own failures to invoke the function land there too. Callers alarm on `deadLetterQueue`.
 */
export class SlackForwarder extends Construct {
  readonly function: NodejsFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: SlackForwarderProps) {
    super(scope, id);
    this.secret = props.webhookSecret.startsWith('arn:')
      ? secretsmanager.Secret.fromSecretPartialArn(this, 'WebhookSecret', props.webhookSecret.replace(/-[A-Za-z0-9]{6}$/, ''))
      : secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecret);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const parts = rekwatchFunction(this, {
      entry: 'functions/slack/index.ts',
      description: `rekwatch: posts ${props.severities ? props.severities.join('/') : 'all'} alerts to Slack`,
      roleDescription: 'rekwatch Slack forwarder',
      memorySize: 256,
      // Up to four posts with a 10-second timeout each and backoff in between.
      timeout: Duration.seconds(90),
      logRetentionDays: props.logRetentionDays,
      deadLetterQueue: this.deadLetterQueue,
      environment: { WEBHOOK_SECRET_ID: props.webhookSecret, TABLE_NAME: props.tableName },
    });
    this.function = parts.function;
    this.secret.grantRead(this.function);
    props.grantState(this.function);
    props.topic.addSubscription(
      new subs.LambdaSubscription(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        filterPolicy: props.severities ? { severity: sns.SubscriptionFilter.stringFilter({ allowlist: [...props.severities] }) } : undefined,
      }),
    );
  }
}
