/**
 * A spoke: what one region of one account needs so that its Rekognition calls reach the hub. No
 * Lambda, table or trail: the compiled rules on the default bus (same pattern and state as the hub's),
 * each forwarding to the hub's event bus through one role that may only put events on that bus, with
 * a retry policy and a dead-letter queue here; a CloudWatch alarm on that queue, whose state changes
 * are forwarded to the hub bus too (the hub turns them into operator-topic notifications).
 *
 * `SpokeForwarding` is the construct; `SpokeStack` deploys it with `cdk deploy` (the hub account's
 * other regions, `spokeAccounts`), and `stack-set.ts` renders it into the StackSet's template.
 */
import { Annotations, Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import { compiledEventRule, DEFAULT_MAX_EVENT_AGE, DEFAULT_RETRY_ATTEMPTS } from '../constructs/detection';
import { HeartbeatCanary } from './heartbeat';
import { acknowledgeSpokeFindings } from './nag';

/** Names shared by spokes and the hub (the hub matches spoke alarm names by prefix). */
export const spokeNames = (prefix: string) => ({
  /** `<prefix>-spoke-forward-<n>`, n from 1. */
  forwardRule: (i: number) => `${prefix}-spoke-forward-${i + 1}`,
  alarmForwardRule: `${prefix}-spoke-alarms`,
  deadLetterAlarm: `${prefix}-spoke-dead-letters`,
  /** Every spoke alarm name starts with this. */
  alarmPrefix: `${prefix}-spoke-`,
  /** Every spoke rule name starts with this. */
  rulePrefix: `${prefix}-spoke-`,
});

/** CloudWatch's alarm state change events, as EventBridge delivers them on the default bus. */
export const ALARM_STATE_CHANGE = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' };

export interface SpokeForwardingProps {
  /** The compiled EventBridge rules: the very ones the hub runs. */
  readonly patterns: CompiledPatterns;
  /** ARN of the hub's event bus (a literal, a pseudo-parameter expression or a template parameter). */
  readonly hubEventBusArn: string;
  /** Prefix of the rule and alarm names (the hub stack's name). */
  readonly namePrefix: string;
  /** `sha256:...` of the compiled rules, written into each forwarding rule's description. */
  readonly patternHash: string;
  /** Add the heartbeat canary (infra/org/heartbeat.ts) to this spoke. @default false */
  readonly heartbeat?: boolean;
  /** How many times EventBridge retries putting an event on the hub bus. @default 185 (EventBridge's maximum) */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying. @default 24 hours (EventBridge's maximum) */
  readonly maxEventAge?: Duration;
}

/** A rule target that puts events on a bus in another region or account, with a retry policy. */
class HubBusTarget implements events.IRuleTarget {
  constructor(
    private readonly busArn: string,
    private readonly role: iam.IRole,
    private readonly deadLetterQueue: sqs.IQueue,
    private readonly retryAttempts: number,
    private readonly maxEventAge: Duration,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    // The aws-events-targets EventBus target has no retry policy; EventBridge takes one on any target.
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowEventRule${rule.node.id}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    return {
      arn: this.busArn,
      role: this.role,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: { maximumRetryAttempts: this.retryAttempts, maximumEventAgeInSeconds: this.maxEventAge.toSeconds() },
    };
  }
}

export class SpokeForwarding extends Construct {
  /** The rules forwarding Rekognition calls, one per compiled rule. */
  readonly rules: events.Rule[] = [];
  /** The rule forwarding this spoke's alarm state changes to the hub. */
  readonly alarmForward: events.Rule;
  /** Events the hub bus did not take after every retry. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge assumes to put events on the hub bus. */
  readonly role: iam.Role;
  /** Fires when the dead-letter queue holds an event. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The heartbeat canary, with `heartbeat`. */
  readonly heartbeat?: HeartbeatCanary;

  constructor(scope: Construct, id: string, props: SpokeForwardingProps) {
    super(scope, id);
    const names = spokeNames(props.namePrefix);
    const { partition, region, account } = Stack.of(this);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed encryption: a customer-managed key in every account and region would cost $1 a
      // month each, and EventBridge can write to an SSE-SQS queue without key policy changes.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.role = new iam.Role(this, 'ForwardRole', {
      description: 'rekwatch spoke: lets EventBridge put matching events on the hub event bus, nothing else',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:events:${region}:${account}:rule/${names.rulePrefix}*` },
        },
      }),
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.hubEventBusArn] }));

    const retryAttempts = props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxEventAge = props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
    const target = new HubBusTarget(props.hubEventBusArn, this.role, this.deadLetterQueue, retryAttempts, maxEventAge);
    props.patterns.rules.forEach((compiled, i) => {
      const of = props.patterns.rules.length;
      const rule = compiledEventRule(this, `Forward${i}`, compiled, {
        ruleName: names.forwardRule(i),
        description: `rekwatch spoke: forwards to the hub bus what rule ${i + 1} of ${of} carries (${compiled.ruleIds.length} rules); pattern ${props.patternHash}`.slice(0, 512),
      });
      rule.addTarget(target);
      this.rules.push(rule);
    });
    if (props.patterns.rules.length === 0) {
      Annotations.of(this).addWarningV2('rekwatch:no-rules', 'no enabled rules: the spoke forwards nothing');
    }

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: names.deadLetterAlarm,
      alarmDescription:
        'rekwatch spoke: events that never reached the hub event bus are in this dead-letter queue (bus policy, role or hub region down?): their Rekognition calls were not evaluated',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Alarm actions can only notify a topic in the alarm's own region, so the alarm's state changes
    // travel the way the calls do: to the hub bus, where a hub rule sends them to the operator topic.
    this.alarmForward = new events.Rule(this, 'ForwardAlarms', {
      ruleName: names.alarmForwardRule,
      description: 'rekwatch spoke: forwards this spoke\'s alarm state changes to the hub bus (the hub notifies its operator topic)',
      eventPattern: { source: [ALARM_STATE_CHANGE.source], detailType: [ALARM_STATE_CHANGE.detailType], resources: [this.deadLetterAlarm.alarmArn] },
    });
    this.alarmForward.addTarget(target);
    if (props.heartbeat) this.heartbeat = new HeartbeatCanary(this, 'Heartbeat', { namePrefix: props.namePrefix });
    acknowledgeSpokeFindings(this);
  }
}

export interface SpokeStackProps extends StackProps {
  /** What the spoke forwards and where. */
  readonly spoke: SpokeForwardingProps;
  /** The synth-time note on what forwarding costs here (printed like the pattern notes). */
  readonly costNote: string;
}

/** One spoke deployed by `cdk deploy`: a region of the hub account, or of one of `spokeAccounts`. */
export class SpokeStack extends Stack {
  readonly forwarding: SpokeForwarding;

  constructor(scope: Construct, id: string, props: SpokeStackProps) {
    super(scope, id, props);
    this.forwarding = new SpokeForwarding(this, 'Spoke', props.spoke);
    Annotations.of(this.forwarding).addInfo(`rekwatch: ${props.costNote}`);
    new CfnOutput(this, 'SpokeDeadLetterQueueUrl', { value: this.forwarding.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SpokeRuleNames', { value: this.forwarding.rules.map((r) => r.ruleName).join(',') });
    new CfnOutput(this, 'PatternHash', { value: props.spoke.patternHash });
    new CfnOutput(this, 'HubEventBusArn', { value: props.spoke.hubEventBusArn });
  }
}

/** `arn:<partition>:events:<region>:<account>:event-bus/<name>`, the account defaulting to the deploying one. */
export function eventBusArn(region: string, account: string | undefined, busName: string): string {
  return `arn:${Aws.PARTITION}:events:${region}:${account ?? Aws.ACCOUNT_ID}:event-bus/${busName}`;
}
