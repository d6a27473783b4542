/**
 * The hub's side of hub and spoke, added to the one-region stack (which is unchanged: its
 * default-bus rules still evaluate the home region's calls directly): a custom event bus that the
 * organization, the listed accounts and the hub account may put events on; the compiled rules again
 * on that bus, targeting the same evaluate function with the same retries and dead-letter queue;
 * a rule that turns the spokes' forwarded alarm state changes into operator-topic notifications;
 * alarms on the bus rules; and the outputs a coverage check needs.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import { compiledEventRule, DEFAULT_MAX_EVENT_AGE, DEFAULT_RETRY_ATTEMPTS, describeCompiledRule } from '../constructs/detection';
import type { RekwatchStack } from '../stack';
import type { CoveragePlan } from './plan';
import { ALARM_STATE_CHANGE, spokeNames } from './spoke';

export interface HubProps {
  /** What the deploy covers (bus name, organization, accounts, regions). */
  readonly plan: CoveragePlan;
  /** The compiled EventBridge rules (the ones the stack's default-bus rules run). */
  readonly patterns: CompiledPatterns;
  /** `sha256:...` of the compiled rules. */
  readonly patternHash: string;
  /** How many times EventBridge retries invoking the function. @default 185 (as the default-bus rules) */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps retrying. @default 24 hours (as the default-bus rules) */
  readonly maxEventAge?: Duration;
}

export class Hub extends Construct {
  /** The bus every spoke forwards to. */
  readonly bus: events.EventBus;
  /** The compiled rules on the hub bus. */
  readonly rules: events.Rule[] = [];
  /** Spoke alarm state changes -> operator topic. */
  readonly spokeAlarms: events.Rule;

  constructor(stack: RekwatchStack, id: string, props: HubProps) {
    super(stack, id);
    const { plan } = props;
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: plan.busName,
      description: 'rekwatch hub: spokes in other regions and accounts forward matching CloudTrail events here',
    });
    // Same-account cross-region targets are checked against the bus policy too when the rule is
    // created, so the hub account is admitted explicitly, not only through the organization.
    const accounts = [Stack.of(this).account, ...plan.spokeAccounts];
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRekwatchAccounts',
        principals: accounts.map((a) => new iam.AccountPrincipal(a)),
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
    if (plan.organization) {
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowOrganization',
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          conditions: { StringEquals: { 'aws:PrincipalOrgID': plan.organization.id } },
        }),
      );
    }

    const retry = { retryAttempts: props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS, maxEventAge: props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE };
    const period = Duration.minutes(5);
    props.patterns.rules.forEach((compiled, i) => {
      const rule = compiledEventRule(this, `Rule${i}`, compiled, { eventBus: this.bus, description: describeCompiledRule(compiled) });
      // The same way in as the home region's events: the queue path when the stack has one.
      rule.addTarget(stack.detection.targetFor(stack.evaluate.function, retry, stack.eventQueue));
      this.rules.push(rule);
      // Metrics of a custom bus's rules carry both dimensions.
      const dimensionsMap = { EventBusName: plan.busName, RuleName: rule.ruleName };
      stack.monitoring.alarmOn(
        `HubSentToDeadLetters${i}`,
        new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'InvocationsSentToDlq', dimensionsMap, period, statistic: 'Sum' }),
        'EventBridge gave up invoking the rekwatch function for events forwarded by spokes and sent them to the dead-letter queue',
      );
      stack.monitoring.alarmOn(
        `HubFailedInvocations${i}`,
        new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap, period, statistic: 'Sum' }),
        'EventBridge failed to invoke the rekwatch function for events forwarded by spokes',
      );
    });

    const names = spokeNames(plan.namePrefix);
    this.spokeAlarms = new events.Rule(this, 'SpokeAlarms', {
      eventBus: this.bus,
      description: 'rekwatch hub: alarm state changes forwarded by spokes -> the operator topic',
      eventPattern: {
        source: [ALARM_STATE_CHANGE.source],
        detailType: [ALARM_STATE_CHANGE.detailType],
        detail: { alarmName: [{ prefix: names.alarmPrefix }] },
      },
    });
    const field = (path: string) => events.EventField.fromPath(path);
    this.spokeAlarms.addTarget(
      new targets.SnsTopic(stack.monitoring.alarmTopic, {
        message: events.RuleTargetInput.fromText(
          `rekwatch spoke alarm ${field('$.detail.alarmName')} in account ${field('$.account')}, region ${field('$.region')} is ${field('$.detail.state.value')}: ${field('$.detail.state.reason')}`,
        ),
        deadLetterQueue: stack.detection.deadLetterQueue,
      }),
    );

    const out = (name: string, value: string, description: string) => new CfnOutput(Stack.of(this), name, { value, description });
    out('HubEventBusArn', this.bus.eventBusArn, 'The bus every spoke forwards to');
    out('HubEventBusName', this.bus.eventBusName, 'The bus every spoke forwards to');
    out('CoveredRegions', plan.regions.join(','), 'Regions watched: the home region (first) by the hub, the others by spokes');
    out('PatternHash', props.patternHash, 'sha256 of the compiled rules (pattern and state); every spoke rule description ends with it');
    out('SpokeRuleNamePrefix', names.rulePrefix, 'Every spoke forwarding rule is named <prefix>forward-<n>, on the default bus');
    out('CompiledRuleCount', String(props.patterns.rules.length), 'How many forwarding rules each spoke has');
    // The home region's default-bus rules (generated names), so a coverage check can read them back.
    if (stack.detection.rules.length > 0) out('HubRuleNames', stack.detection.rules.map((r) => r.ruleName).join(','), "The hub's default-bus rules in its home region, in compiled order");
    if (plan.spokeAccounts.length > 0) out('SpokeAccounts', plan.spokeAccounts.join(','), 'Accounts with spoke stacks deployed from this app');
    if (plan.organization) out('OrganizationId', plan.organization.id, 'The organization admitted to the hub bus');
  }
}
