/**
 * `RekwatchAlerting`, the hub of rekwatch as one construct: the rule pack (read and validated from
 * `rulesDir` at synth time, bundled into the function), the CloudTrail trail (unless told the account
 * has one), the EventBridge rules compiled from the pack, the evaluate function with its retries and
 * dead-letter queue, the encrypted alert topic with email subscriptions, the state table, the mute
 * page, optional Slack (webhook forwarder or AWS Chatbot) and the CloudWatch alarms: what `cdk
 * deploy` of the repository's own app gives in one region. Props are validated as the app's context
 * is (functions/adapters/deploy-config.ts); a bad one or an invalid rule throws with a message naming it.
 *
 * The repository's RekwatchStack creates it with the id `Default`, which CDK leaves out of logical
 * ids, so the app's template is what it was before this construct existed.
 */
import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import type { RulePack, Severity } from '../../functions/core/common/types';
import { ConfigError, loadConfig, type ChatbotConfig, type DeployConfig, type EmailRoute } from '../../functions/adapters/deploy-config';
import { Alerting } from '../constructs/alerting';
import { ChatbotNotifications } from '../constructs/chatbot';
import { Detection } from '../constructs/detection';
import { EvaluateFunction } from '../constructs/evaluate-function';
import { EventQueue } from '../constructs/event-queue';
import { detectionCostNote } from '../detection-cost';
import { chooseDetectionPath, isStatefulRule } from '../detection-path';
import { DETECT_ENV } from '../../functions/adapters/detection-state/stateful-step';
import { Monitoring } from '../constructs/monitoring';
import { MutePage } from '../constructs/mute-page';
import { SlackForwarder } from '../constructs/slack-forwarder';
import { State } from '../constructs/state';
import { acknowledgeFindings } from '../nag';
import { loadDeployRules } from './rules';

export interface RekwatchAlertingProps {
  /**
   * The rules directory: one rule per `.json` file, named lists under `lists/` (`rekwatch init`
   * writes one). Relative paths are relative to the directory `cdk synth` runs in.
   * @default 'rules'
   */
  readonly rulesDir?: string;
  /**
   * Who gets alerts by email: addresses, each optionally limited to some severities
   * (`'secops@example.com:critical|high'`, or `{ address, severities }`).
   * @default - nobody by email (a synth warning when no Slack or Chatbot is configured either)
   */
  readonly alertEmails?: ReadonlyArray<string | EmailRoute>;
  /**
   * Who gets the operational alarms (dead letters, function errors, throttles).
   * @default - the alertEmails addresses
   */
  readonly alarmEmails?: readonly string[];
  /**
   * CloudTrail eventSources the rules see (the EventBridge pattern and the function's scope).
   * @default ['rekognition.amazonaws.com']
   */
  readonly eventSources?: readonly string[];
  /**
   * Create a multi-region trail for management events. Set false when the account (or the
   * organization) already has one: EventBridge only sees API calls a trail logs.
   * @default true
   */
  readonly createTrail?: boolean;
  /**
   * Days to keep the functions' logs (one of CloudWatch Logs' retention periods).
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Also put each alert on this EventBridge bus (`default` for the account's default bus).
   * @default - alerts go to the SNS topic only
   */
  readonly alertBus?: string;
  /**
   * Named lists of the pack replaced at deploy time, e.g. `{ 'trusted-networks': ['10.0.0.0/8'] }`.
   * @default - the lists in rulesDir
   */
  readonly lists?: Readonly<Record<string, readonly string[]>>;
  /**
   * Names shown beside account ids in alerts (id → name).
   * @default - ids only
   */
  readonly accountNames?: Readonly<Record<string, string>>;
  /**
   * Slack through an incoming webhook: the name or ARN of the Secrets Manager secret holding the
   * webhook URL (never the URL itself).
   * @default - no Slack webhook
   */
  readonly slackWebhookSecret?: string;
  /**
   * Severities posted to the Slack webhook.
   * @default - all
   */
  readonly slackSeverities?: readonly Severity[];
  /**
   * Slack through AWS Chatbot (the workspace authorised once in the console).
   * @default - no Chatbot channel
   */
  readonly chatbot?: ChatbotConfig;
  /**
   * Signed mute links in alerts and the mute page behind a function URL.
   * @default true
   */
  readonly muteLinks?: boolean;
  /**
   * The longest mute the mute page and `rekwatch mute` allow.
   * @default Duration.days(30)
   */
  readonly maxMuteDuration?: Duration;
  /**
   * Reserved concurrency of the mute page (the most requests its public URL serves at once).
   * @default 5
   */
  readonly mutePageConcurrency?: number;
  /**
   * Reserved concurrency of the evaluate function.
   * @default - the account's unreserved pool
   */
  readonly evaluateConcurrency?: number;
  /**
   * A deployment config file (schema/deploy-config.schema.json), read first; the props above
   * override it. Hub-and-spoke and heartbeat keys are for the rekwatch app, not this construct.
   * @default - none
   */
  readonly configFile?: string;
}

/** What RekwatchStack (infra/build.ts) hands in: config, pack and patterns it already loaded. */
export interface RekwatchAlertingResolved {
  readonly config: DeployConfig;
  readonly pack: RulePack;
  readonly patterns: CompiledPatterns;
}

/** The props as the context keys functions/adapters/deploy-config.ts reads, so they are validated by the same code. */
function asContext(props: RekwatchAlertingProps): (key: string) => unknown {
  const route = (r: string | EmailRoute) => (typeof r === 'string' ? r : `${r.address}${r.severities?.length ? `:${r.severities.join('|')}` : ''}`);
  const ctx: Record<string, unknown> = {
    config: props.configFile,
    rulesDir: props.rulesDir,
    alertEmail: props.alertEmails?.length ? props.alertEmails.map(route).join(',') : undefined,
    alarmEmail: props.alarmEmails?.length ? props.alarmEmails.join(',') : undefined,
    eventSources: props.eventSources?.length ? props.eventSources.join(',') : undefined,
    createTrail: props.createTrail,
    logRetentionDays: props.logRetentionDays,
    alertBus: props.alertBus,
    slackWebhookSecret: props.slackWebhookSecret,
    slackSeverities: props.slackSeverities?.join('|'),
    chatbotWorkspaceId: props.chatbot?.workspaceId,
    chatbotChannelId: props.chatbot?.channelId,
    chatbotSeverities: props.chatbot?.severities?.join('|'),
    muteLinks: props.muteLinks,
    mutePageConcurrency: props.mutePageConcurrency,
    evaluateConcurrency: props.evaluateConcurrency,
  };
  return (key) => ctx[key];
}

/** The prop each context key of asContext comes from, for messages. */
const PROP_OF_KEY: Readonly<Record<string, string>> = {
  config: 'configFile',
  alertEmail: 'alertEmails',
  alarmEmail: 'alarmEmails',
  chatbotWorkspaceId: 'chatbot.workspaceId',
  chatbotChannelId: 'chatbot.channelId',
  chatbotSeverities: 'chatbot.severities',
};

/** The props checked and turned into the deployment config (throws ConfigError naming the prop). */
export function alertingConfig(props: RekwatchAlertingProps): DeployConfig {
  let config: DeployConfig;
  try {
    config = loadConfig(asContext(props));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // `context alertEmail: ...` (functions/adapters/deploy-config.ts speaks of context keys) becomes `RekwatchAlerting: alertEmails: ...`.
    const message = e.message.replace(/^context (\w+)/, (_m, key: string) => PROP_OF_KEY[key] ?? key);
    throw new ConfigError(`RekwatchAlerting: ${message}`);
  }
  if (config.heartbeat || config.coverage.regions.length || config.coverage.organizationId || config.coverage.spokeAccounts.length) {
    throw new ConfigError('RekwatchAlerting: configFile: hub-and-spoke (regions, organizationId, spokeAccounts) and heartbeat keys are for the rekwatch app; in your own app add SpokeForwarding constructs where you need them');
  }
  const lists = props.lists ?? {};
  return {
    ...config,
    listOverrides: { ...config.listOverrides, ...lists },
    listOrigins: { ...config.listOrigins, ...Object.fromEntries(Object.keys(lists).map((n) => [n, { file: 'RekwatchAlerting', field: `lists.${n}` }])) },
    accountNames: { ...config.accountNames, ...(props.accountNames ?? {}) },
    ...(props.maxMuteDuration ? { maxMuteMs: props.maxMuteDuration.toMilliseconds() } : {}),
  };
}

export class RekwatchAlerting extends Construct {
  /** The customer-managed key of the topic, table, queues and trail. */
  readonly key: kms.Key;
  /** The trail (unless createTrail is false), the EventBridge rules and the dead-letter queue. */
  readonly detection: Detection;
  /** The evaluate function. */
  readonly evaluate: EvaluateFunction;
  /** The alert topic and its subscriptions. */
  readonly alerting: Alerting;
  /** The state table (dedupe, idempotency, mutes). */
  readonly state: State;
  /** The alarms and their topic. */
  readonly monitoring: Monitoring;
  /** Slack delivery through the webhook forwarder, when `slackWebhookSecret` is configured. */
  readonly slack?: SlackForwarder;
  /** Slack delivery through AWS Chatbot, when `chatbot` is configured. */
  readonly chatbot?: ChatbotNotifications;
  /** The mute page and link key (unless `muteLinks` is false). */
  readonly mutePage?: MutePage;
  /** The queue path's queue (infra/constructs/event-queue.ts), when stateful rules need read-only calls (or `detectionPath=queue`). */
  readonly eventQueue?: EventQueue;
  /** The validated deployment configuration. */
  readonly config: DeployConfig;
  /** The rule pack bundled into the evaluate function. */
  readonly pack: RulePack;
  /** The EventBridge rules compiled from the pack. */
  readonly patterns: CompiledPatterns;

  constructor(scope: Construct, id: string, props: RekwatchAlertingProps & { readonly resolved?: RekwatchAlertingResolved } = {}) {
    super(scope, id);
    const config = props.resolved?.config ?? alertingConfig(props);
    const rules = props.resolved ?? loadDeployRules(config, process.cwd(), 'RekwatchAlerting: rulesDir');
    this.config = config;
    this.pack = rules.pack;
    this.patterns = rules.patterns;

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
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
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
        configurationName: `${Stack.of(this).stackName}-alerts`.slice(0, 128),
      });
    }
    if (config.muteLinks) {
      this.mutePage = new MutePage(this, 'MutePage', {
        key: this.key,
        grantState: (grantee) => this.state.grantItemAccess(grantee),
        tableName: this.state.table.tableName,
        ruleNames: this.pack.rules.map((r) => [r.id, r.name] as [string, string]),
        maxMuteMs: config.maxMuteMs,
        reservedConcurrency: config.mutePageConcurrency,
        logRetentionDays: config.logRetentionDays,
      });
    }
    this.evaluate = new EvaluateFunction(this, 'Evaluate', {
      pack: this.pack,
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
    const path = chooseDetectionPath(this.pack, config.detectionPath, config.eventSources);
    if (path.path === 'queue') {
      this.eventQueue = new EventQueue(this, 'EventQueue', {
        key: this.key,
        function: this.evaluate.function,
        functionTimeout: this.evaluate.timeout,
        batchSize: config.queueBatchSize,
        ...(config.evaluateConcurrency !== null ? { reservedConcurrency: config.evaluateConcurrency } : {}),
      });
    }
    this.detection.connect(this.evaluate.function, this.patterns.rules, {}, this.eventQueue);
    for (const note of this.patterns.notes) Annotations.of(this.detection).addInfo(`rekwatch: ${note}`);
    Annotations.of(this.detection).addInfo(`rekwatch: ${path.reason}`);
    Annotations.of(this.detection).addInfo(
      `rekwatch: ${detectionCostNote(path.path, { memoryMb: this.evaluate.memorySize, batchSize: config.queueBatchSize, stateful: this.pack.rules.some((r) => r.enabled && isStatefulRule(r)) })}`,
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
      Annotations.of(Stack.of(this)).addWarningV2('rekwatch:no-recipients', 'no alert email, Slack or Chatbot configured (-c alertEmail=you@example.com, -c slackWebhookSecret=NAME): alerts reach the topic but nobody is subscribed');
    }

    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.detection.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EvaluateFunctionName', { value: this.evaluate.function.functionName });
    // The cdk-nag AwsSolutions findings rekwatch accepts, each with its reason (infra/nag.ts).
    acknowledgeFindings(this);
  }
}
