/**
 * The end-to-end heartbeat (`-c heartbeat=true`), in two halves:
 *
 *   - `HeartbeatCanary`, in every watched region of every covered account (the hub stack's home
 *     region, each spoke stack, the StackSet's template): an empty Rekognition collection
 *     `<prefix>-heartbeat` and an EventBridge Scheduler schedule that tags it every 15 minutes through
 *     the universal target `rekognition:tagResource`, as role `<prefix>-hb-<region>` (only Scheduler
 *     may assume it, and it may only tag that collection). No Lambda: the call is Scheduler's.
 *   - `HeartbeatMonitor`, in the hub: the evaluate function learns the names (it recognises the
 *     heartbeat, records it and emits the `Heartbeats` metric instead of evaluating it), may write the
 *     heartbeat items, and alarms fire when a covered region (and, with other accounts, each account
 *     the app deploys) has sent none for `heartbeatMaxSilence` (missing data is breaching).
 *
 * The heartbeat TagResource reaches the hub only if the compiled patterns let it through:
 * infra/build.ts compiles them with `heartbeatPatternRule()` when the heartbeat is on, once, so the
 * hub and every spoke still run the same pattern.
 */
import { Aws, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rekognition from 'aws-cdk-lib/aws-rekognition';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { HEARTBEAT_ENV } from '../../functions/evaluate/heartbeat';
import { HEARTBEAT_INTERVAL_MINUTES, HEARTBEAT_METRIC, HEARTBEAT_TAG, heartbeatNames } from '../../functions/core/heartbeat/heartbeat';
import { METRICS_NAMESPACE } from '../../functions/core/monitor/metrics';
import { ConfigError, type HeartbeatConfig } from '../../functions/adapters/deploy-config';
import type { RekwatchStack } from '../stack';
import type { CoveragePlan } from './plan';

export interface HeartbeatCanaryProps {
  /** Prefix of the names (the hub stack's name, at most 40 characters). */
  readonly namePrefix: string;
}

/** The canary one region of one account owns, and the schedule that tags it. */
export class HeartbeatCanary extends Construct {
  readonly collection: rekognition.CfnCollection;
  readonly role: iam.Role;
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: HeartbeatCanaryProps) {
    super(scope, id);
    const names = heartbeatNames(props.namePrefix);
    const { partition, region, account } = Stack.of(this);
    this.collection = new rekognition.CfnCollection(this, 'Collection', {
      collectionId: names.collectionId,
      // The schedule writes this very tag: every call is a CloudTrail write event that changes nothing.
      tags: [{ key: HEARTBEAT_TAG.key, value: HEARTBEAT_TAG.value }],
    });
    const scheduleArn = `arn:${partition}:scheduler:${region}:${account}:schedule/default/${names.scheduleName}`;
    this.role = new iam.Role(this, 'Role', {
      // Named: the evaluate function recognises a heartbeat by this role (and the collection).
      roleName: names.roleName(region),
      description: 'rekwatch heartbeat: lets EventBridge Scheduler tag the heartbeat collection, nothing else',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnEquals: { 'aws:SourceArn': scheduleArn } },
      }),
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['rekognition:TagResource'], resources: [this.collection.attrArn] }));
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: names.scheduleName,
      description: 'rekwatch heartbeat: a harmless Rekognition write (TagResource on the canary collection) whose CloudTrail event must reach the hub',
      scheduleExpression: `rate(${HEARTBEAT_INTERVAL_MINUTES} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: `arn:${partition}:scheduler:::aws-sdk:rekognition:tagResource`,
        roleArn: this.role.roleArn,
        input: Stack.of(this).toJsonString({ ResourceArn: this.collection.attrArn, Tags: { [HEARTBEAT_TAG.key]: HEARTBEAT_TAG.value } }),
        // A heartbeat late by more than its interval is worth nothing; the next one comes anyway.
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: HEARTBEAT_INTERVAL_MINUTES * 60 },
      },
    });
    // The policy must exist before Scheduler first assumes the role.
    this.schedule.node.addDependency(this.role);
  }
}

export interface HeartbeatMonitorProps {
  readonly config: HeartbeatConfig;
  /** Every covered region, the home region first. */
  readonly regions: readonly string[];
  /** Other accounts the app deploys spokes to (`spokeAccounts`). */
  readonly spokeAccounts: readonly string[];
  /** Whether member accounts (a StackSet or an organization) send heartbeats too. */
  readonly organization: boolean;
  readonly namePrefix: string;
}

/** The hub's side: what the evaluate function needs, the silence alarms, the output coverage reads. */
export class HeartbeatMonitor extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(stack: RekwatchStack, id: string, props: HeartbeatMonitorProps) {
    super(stack, id);
    // Per-account metrics only where accounts are known at synth (each is a custom metric).
    const perAccount = props.spokeAccounts.length > 0 || props.organization ? [Aws.ACCOUNT_ID, ...props.spokeAccounts] : [];
    const fn = stack.evaluate.function;
    fn.addEnvironment(HEARTBEAT_ENV.namePrefix, props.namePrefix);
    if (perAccount.length > 0) fn.addEnvironment(HEARTBEAT_ENV.metricAccounts, perAccount.join(','));

    const period = Duration.minutes(HEARTBEAT_INTERVAL_MINUTES);
    const periods = props.config.maxSilenceMs / period.toMilliseconds();
    const silence = `${props.config.maxSilenceMs / 60_000} minutes`;
    const action = new actions.SnsAction(stack.monitoring.alarmTopic);
    const alarm = (alarmId: string, dimensionsMap: Record<string, string>, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: HEARTBEAT_METRIC, dimensionsMap, period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        // No heartbeat at all is exactly what this alarm is for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
    };
    props.regions.forEach((region, i) => {
      alarm(`Silent${i}`, { Region: region }, `rekwatch heartbeat: no heartbeat from ${region} for ${silence}: CloudTrail, a spoke rule, forwarding or the hub is broken there (run rekwatch coverage --stack ${stack.stackName})`);
    });
    perAccount.forEach((account, a) =>
      props.regions.forEach((region, i) => {
        alarm(`Silent${a}x${i}`, { Account: account, Region: region }, `rekwatch heartbeat: no heartbeat from account ${account} in ${region} for ${silence} (run rekwatch coverage --stack ${stack.stackName})`);
      }),
    );
    new CfnOutput(stack, 'HeartbeatMaxSilenceSeconds', {
      value: String(props.config.maxSilenceMs / 1000),
      description: 'With the heartbeat on: how long a covered account and region may be silent (rekwatch coverage reads heartbeats from the state table)',
    });
  }
}

/**
 * The heartbeat of a deploy: the home region's canary in the hub stack, and the monitor. (Spokes get
 * their canaries through `SpokeForwardingProps.heartbeat`, from infra/org/coverage.ts.)
 */
export function addHeartbeat(stack: RekwatchStack, config: HeartbeatConfig, plan: CoveragePlan | null, stackName: string): HeartbeatMonitor {
  // IAM role names are at most 64 characters: `<prefix>-hb-<region>`.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(stackName)) {
    throw new ConfigError(`context stackName: "${stackName}" must be at most 40 letters, digits and hyphens, starting with a letter, with heartbeat (it prefixes the heartbeat role, collection and schedule names)`);
  }
  const canary = new HeartbeatCanary(stack, 'Heartbeat', { namePrefix: stackName });
  const monitor = new HeartbeatMonitor(stack, 'HeartbeatMonitor', {
    config,
    regions: plan ? plan.regions : [stack.region],
    spokeAccounts: plan ? plan.spokeAccounts : [],
    organization: plan?.organization != null,
    namePrefix: stackName,
  });
  monitor.node.addDependency(canary);
  return monitor;
}
