import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MonitoringProps {
  /** The evaluate function. */
  readonly function: lambda.IFunction;
  /** The dead-letter queue of the EventBridge target and the function's async invocations. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The EventBridge rules that feed the function. */
  readonly eventRules: readonly events.IRule[];
  /** The alert topic whose failed deliveries are watched. */
  readonly alertTopic: sns.ITopic;
  /** Key for the operator topic. */
  readonly key: kms.IKey;
  /** Who receives alarm notifications (email subscriptions of the operator topic). */
  readonly alarmEmails: readonly string[];
}

/**
 * Who watches the watcher: alarms on everything that would make an alert late or lost, sent to a
 * separate operator topic (alarm notifications carry no `severity` attribute, so subscriptions of the
 * alert topic with severity filter policies would silently drop them).
 */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'rekwatch operations', masterKey: props.key, enforceSSL: true });
    for (const address of props.alarmEmails) this.alarmTopic.addSubscription(new subs.EmailSubscription(address));
    const period = Duration.minutes(5);
    const add = (name: string, metric: cloudwatch.IMetric, description: string) => this.alarmOn(name, metric, description);
    add('FunctionErrors', props.function.metricErrors({ period, statistic: 'Sum' }), 'rekwatch evaluate function failed (alerts are being retried; see its logs)');
    add('FunctionThrottles', props.function.metricThrottles({ period, statistic: 'Sum' }), 'rekwatch evaluate function throttled (alerts are delayed)');
    add(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'events in the rekwatch dead-letter queue: alerts were not delivered; inspect and run `rekwatch redrive`',
    );
    add(
      'AsyncDestinationFailures',
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'DestinationDeliveryFailures', dimensionsMap: { FunctionName: props.function.functionName }, period, statistic: 'Sum' }),
      'rekwatch could not put a failed invocation on its dead-letter queue',
    );
    props.eventRules.forEach((rule, i) => {
      add(
        `SentToDeadLetters${i}`,
        new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'InvocationsSentToDlq', dimensionsMap: { RuleName: rule.ruleName }, period, statistic: 'Sum' }),
        'EventBridge gave up invoking the rekwatch function and sent events to the dead-letter queue',
      );
      add(
        `FailedInvocations${i}`,
        new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: rule.ruleName }, period, statistic: 'Sum' }),
        'EventBridge failed to invoke the rekwatch function',
      );
    });
    add(
      'NotificationsFailed',
      props.alertTopic.metricNumberOfNotificationsFailed({ period, statistic: 'Sum' }),
      'SNS failed to deliver rekwatch alerts to a subscriber',
    );
  }

  /**
   * An alarm that fires on one or more of `metric` in its period and notifies the operator topic
   * (and again when it clears). Other constructs (the Slack forwarder) add theirs here.
   */
  alarmOn(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    const action = new actions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
