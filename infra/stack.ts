import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { CompiledPatterns } from '../functions/core/event-pattern';
import type { RulePack } from '../functions/core/types';
import type { DeployConfig } from './config';
import { Alerting } from './constructs/alerting';
import { Detection } from './constructs/detection';
import { EvaluateFunction } from './constructs/evaluate-function';
import { Monitoring } from './constructs/monitoring';
import { State } from './constructs/state';

export interface RekwatchStackProps extends StackProps {
  /** Validated deployment configuration. */
  readonly config: DeployConfig;
  /** The validated rule pack to deploy. */
  readonly pack: RulePack;
  /** EventBridge rules compiled from the pack's enabled rules. */
  readonly patterns: CompiledPatterns;
}

/** rekwatch in one stack: detection, evaluation, alerting, state and monitoring. */
export class RekwatchStack extends Stack {
  readonly key: kms.Key;
  readonly detection: Detection;
  readonly evaluate: EvaluateFunction;
  readonly alerting: Alerting;
  readonly state: State;
  readonly monitoring: Monitoring;
  /** The rule pack bundled into the evaluate function. */
  readonly pack: RulePack;

  constructor(scope: Construct, id: string, props: RekwatchStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.pack = props.pack;

    this.key = new kms.Key(this, 'Key', {
      description: 'rekwatch: alert topic, state table, dead-letter queue and trail',
      enableKeyRotation: true,
    });
    // Services that write to the encrypted topic and queue on rekwatch's behalf.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'], // in a key policy, "*" means this key
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    this.state = new State(this, 'State', { key: this.key });
    this.alerting = new Alerting(this, 'Alerting', { key: this.key, emails: config.alertEmails, alertBus: config.alertBus });
    this.detection = new Detection(this, 'Detection', { key: this.key, createTrail: config.createTrail });
    this.evaluate = new EvaluateFunction(this, 'Evaluate', {
      pack: props.pack,
      eventSources: config.eventSources,
      deadLetterQueue: this.detection.deadLetterQueue,
      logRetentionDays: config.logRetentionDays,
      environment: {
        TOPIC_ARN: this.alerting.topic.topicArn,
        TABLE_NAME: this.state.table.tableName,
        ...(config.alertBus ? { EVENT_BUS_NAME: config.alertBus } : {}),
      },
    });
    this.alerting.grantPublish(this.evaluate.function);
    this.state.grantItemAccess(this.evaluate.function);
    this.detection.connect(this.evaluate.function, props.patterns.rules);
    for (const note of props.patterns.notes) Annotations.of(this.detection).addInfo(`rekwatch: ${note}`);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.evaluate.function,
      deadLetterQueue: this.detection.deadLetterQueue,
      eventRules: this.detection.rules,
      alertTopic: this.alerting.topic,
      key: this.key,
      alarmEmails: config.alarmEmails,
    });
    if (config.alertEmails.length === 0) {
      Annotations.of(this).addWarningV2('rekwatch:no-recipients', 'no alert email configured (-c alertEmail=you@example.com): alerts reach the topic but nobody is subscribed');
    }

    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.detection.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EvaluateFunctionName', { value: this.evaluate.function.functionName });
  }
}
