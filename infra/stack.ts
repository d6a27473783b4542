import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { CompiledPatterns } from '../functions/core/eventbridge/event-pattern';
import type { RulePack } from '../functions/core/common/types';
import type { DeployConfig } from './config';
import { Alerting } from './constructs/alerting';
import { ChatbotNotifications } from './constructs/chatbot';
import { Detection } from './constructs/detection';
import { EvaluateFunction } from './constructs/evaluate-function';
import { EventQueue } from './constructs/event-queue';
import { detectionCostNote } from './detection-cost';
import { chooseDetectionPath, isStatefulRule } from './detection-path';
import { DETECT_ENV } from '../functions/adapters/detection-state/stateful-step';
import { Monitoring } from './constructs/monitoring';
import { MutePage } from './constructs/mute-page';
import { SlackForwarder } from './constructs/slack-forwarder';
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
  /** Slack delivery through the webhook forwarder, when `slackWebhookSecret` is configured. */
  readonly slack?: SlackForwarder;
  /** Slack delivery through AWS Chatbot, when `chatbotWorkspaceId`/`chatbotChannelId` are configured. */
  readonly chatbot?: ChatbotNotifications;
  /** The mute page and link key (unless `muteLinks=false`). */
  readonly mutePage?: MutePage;
  /** The rule pack bundled into the evaluate function. */
  readonly pack: RulePack;
  /** The queue path's queue (infra/constructs/event-queue.ts), when the stack uses it. */
  readonly eventQueue?: EventQueue;

  constructor(scope: Construct, id: string, props: RekwatchStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.pack = props.pack;

    this.key = new kms.Key(this, 'Key', {
      description: 'rekwatch: alert topic, state table, dead-letter queue and trail',
      enableKeyRotation: true,
    });
    // Services that write to the encrypted topic and queue on rekwatch's behalf.
    // (SNS too when it has to put failed Slack-forwarder notifications on an encrypted queue.)
    const services = ['cloudwatch.amazonaws.com', 'events.amazonaws.com', ...(config.slack ? ['sns.amazonaws.com'] : [])];
    for (const service of services) {
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
    if (config.chatbot) {
      this.chatbot = new ChatbotNotifications(this, 'Chatbot', {
        key: this.key,
        workspaceId: config.chatbot.workspaceId,
        channelId: config.chatbot.channelId,
        configurationName: `${this.stackName}-alerts`.slice(0, 128),
      });
    }
    if (config.muteLinks) {
      this.mutePage = new MutePage(this, 'MutePage', {
        key: this.key,
        grantState: (grantee) => this.state.grantItemAccess(grantee),
        tableName: this.state.table.tableName,
        ruleNames: props.pack.rules.map((r) => [r.id, r.name] as [string, string]),
        maxMuteMs: config.maxMuteMs,
        reservedConcurrency: config.mutePageConcurrency,
        logRetentionDays: config.logRetentionDays,
      });
    }
    this.evaluate = new EvaluateFunction(this, 'Evaluate', {
      pack: props.pack,
      eventSources: config.eventSources,
      deadLetterQueue: this.detection.deadLetterQueue,
      logRetentionDays: config.logRetentionDays,
      ...(config.evaluateConcurrency !== null ? { reservedConcurrency: config.evaluateConcurrency } : {}),
      environment: {
        TOPIC_ARN: this.alerting.topic.topicArn,
        TABLE_NAME: this.state.table.tableName,
        ...(config.alertBus ? { EVENT_BUS_NAME: config.alertBus } : {}),
        ...(this.mutePage ? { MUTE_URL: this.mutePage.url.url, LINK_KEY_SECRET_ID: this.mutePage.linkKey.secretArn } : {}),
        ...(this.chatbot ? { CHATBOT_TOPIC_ARN: this.chatbot.topic.topicArn, CHATBOT_SEVERITIES: (config.chatbot?.severities ?? []).join(',') } : {}),
        ...(config.detectLatenessMs !== null ? { [DETECT_ENV.latenessMs]: String(config.detectLatenessMs) } : {}),
        ...(config.firstSeenMemoryMs !== null ? { [DETECT_ENV.firstSeenMemoryMs]: String(config.firstSeenMemoryMs) } : {}),
      },
    });
    if (this.chatbot) this.chatbot.topic.grantPublish(this.evaluate.function);
    if (this.mutePage) {
      this.mutePage.linkKey.grantRead(this.evaluate.function);
      new CfnOutput(this, 'MutePageUrl', { value: this.mutePage.url.url });
    }
    this.alerting.grantPublish(this.evaluate.function);
    this.state.grantItemAccess(this.evaluate.function);
    this.state.grantBatchRead(this.evaluate.function); // live mutes are checked against their audit records
    // The plain path, or the queue path when stateful rules need read-only calls (infra/detection-path.ts).
    const path = chooseDetectionPath(props.pack, config.detectionPath, config.eventSources);
    if (path.path === 'queue') {
      this.eventQueue = new EventQueue(this, 'EventQueue', {
        key: this.key,
        function: this.evaluate.function,
        functionTimeout: this.evaluate.timeout,
        batchSize: config.queueBatchSize,
        ...(config.evaluateConcurrency !== null ? { reservedConcurrency: config.evaluateConcurrency } : {}),
      });
    }
    this.detection.connect(this.evaluate.function, props.patterns.rules, {}, this.eventQueue);
    for (const note of props.patterns.notes) Annotations.of(this.detection).addInfo(`rekwatch: ${note}`);
    Annotations.of(this.detection).addInfo(`rekwatch: ${path.reason}`);
    Annotations.of(this.detection).addInfo(
      `rekwatch: ${detectionCostNote(path.path, { memoryMb: this.evaluate.memorySize, batchSize: config.queueBatchSize, stateful: props.pack.rules.some((r) => r.enabled && isStatefulRule(r)) })}`,
    );

    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.evaluate.function,
      deadLetterQueue: this.detection.deadLetterQueue,
      eventRules: this.detection.rules,
      alertTopic: this.alerting.topic,
      key: this.key,
      alarmEmails: config.alarmEmails,
    });
    if (this.eventQueue) {
      const period = Duration.minutes(5);
      this.monitoring.alarmOn(
        'EventQueueDeadLetters',
        this.eventQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'events failed on every receive from the rekwatch event queue: see the evaluate function logs, then `rekwatch redrive --queue-url <EventQueueDeadLetterQueueUrl> --function <EvaluateFunctionName>`',
      );
      // Ten minutes of backlog means the function cannot keep up (or is failing whole batches).
      const age = new cloudwatch.MathExpression({
        expression: 'IF(age >= 600, 1, 0)',
        usingMetrics: { age: this.eventQueue.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }) },
        period,
      });
      this.monitoring.alarmOn('EventQueueBacklog', age, 'the oldest event in the rekwatch event queue is over 10 minutes old: alerts are delayed');
      new CfnOutput(this, 'EventQueueUrl', { value: this.eventQueue.queue.queueUrl });
      new CfnOutput(this, 'EventQueueDeadLetterQueueUrl', { value: this.eventQueue.deadLetterQueue.queueUrl });
    }
    if (config.slack) {
      this.slack = new SlackForwarder(this, 'Slack', {
        topic: this.alerting.topic,
        key: this.key,
        webhookSecret: config.slack.webhookSecret,
        severities: config.slack.severities,
        grantState: (grantee) => this.state.grantItemAccess(grantee),
        tableName: this.state.table.tableName,
        logRetentionDays: config.logRetentionDays,
      });
      const period = Duration.minutes(5);
      this.monitoring.alarmOn('SlackForwarderErrors', this.slack.function.metricErrors({ period, statistic: 'Sum' }), 'rekwatch could not post an alert to Slack (retrying; see the forwarder logs)');
      this.monitoring.alarmOn(
        'SlackDeadLetters',
        this.slack.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'alerts that never reached Slack are in the Slack dead-letter queue: fix the webhook secret, then `rekwatch redrive --queue-url <SlackDeadLetterQueueUrl> --function <SlackForwarderFunctionName>`',
      );
      new CfnOutput(this, 'SlackForwarderFunctionName', { value: this.slack.function.functionName });
      new CfnOutput(this, 'SlackDeadLetterQueueUrl', { value: this.slack.deadLetterQueue.queueUrl });
    }
    if (this.chatbot) new CfnOutput(this, 'ChatbotTopicArn', { value: this.chatbot.topic.topicArn });
    if (config.alertEmails.length === 0 && !config.slack && !config.chatbot) {
      Annotations.of(this).addWarningV2('rekwatch:no-recipients', 'no alert email, Slack or Chatbot configured (-c alertEmail=you@example.com, -c slackWebhookSecret=NAME): alerts reach the topic but nobody is subscribed');
    }

    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.detection.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EvaluateFunctionName', { value: this.evaluate.function.functionName });
  }
}
