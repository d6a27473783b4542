import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { CompiledPatterns } from '../functions/core/eventbridge/event-pattern';
import type { RulePack } from '../functions/core/common/types';
import type { DeployConfig } from '../functions/adapters/deploy-config';
import { packDigest } from '../functions/adapters/backtest/pack-digest';
import { Backtest } from './backtest/backtest';
import { acknowledgeBacktest } from './nag';
import type { Alerting } from './constructs/alerting';
import type { ChatbotNotifications } from './constructs/chatbot';
import type { Detection } from './constructs/detection';
import type { EvaluateFunction } from './constructs/evaluate-function';
import type { Monitoring } from './constructs/monitoring';
import type { EventQueue } from './constructs/event-queue';
import type { MutePage } from './constructs/mute-page';
import type { SlackForwarder } from './constructs/slack-forwarder';
import type { State } from './constructs/state';
import { RekwatchAlerting } from './lib/rekwatch-alerting';
import { BACKTEST_OUTPUTS, BACKTEST_PACK_DIGEST_OUTPUT } from '../functions/core/backtest/outputs';

export interface RekwatchStackProps extends StackProps {
  /** Validated deployment configuration. */
  readonly config: DeployConfig;
  /** The validated rule pack to deploy. */
  readonly pack: RulePack;
  /** EventBridge rules compiled from the pack's enabled rules. */
  readonly patterns: CompiledPatterns;
}

/**
 * rekwatch in one stack, as `cdk deploy` of this repository gives it: the library's RekwatchAlerting
 * (infra/lib/) with the config, pack and patterns infra/build.ts loaded from context. Its id
 * `Default` keeps it out of logical ids, so the template is the one the stack had before the
 * library; the parts are re-exposed here for the org, heartbeat and nag code that adds to the stack.
 */
export class RekwatchStack extends Stack {
  /** The hub construct itself. */
  readonly rekwatch: RekwatchAlerting;
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
  /** The queue path's queue, when the stack uses it. */
  readonly eventQueue?: EventQueue;
  /** The rule pack bundled into the evaluate function. */
  readonly pack: RulePack;
  /** The backtest fan-out, with `backtest=true` (infra/backtest/). */
  readonly backtest?: Backtest;

  constructor(scope: Construct, id: string, props: RekwatchStackProps) {
    super(scope, id, props);
    const { config, pack, patterns } = props;
    this.rekwatch = new RekwatchAlerting(this, 'Default', { resolved: { config, pack, patterns } });
    ({ key: this.key, detection: this.detection, evaluate: this.evaluate, alerting: this.alerting, state: this.state, monitoring: this.monitoring, pack: this.pack } = this.rekwatch);
    if (this.rekwatch.slack) this.slack = this.rekwatch.slack;
    if (this.rekwatch.chatbot) this.chatbot = this.rekwatch.chatbot;
    if (this.rekwatch.mutePage) this.mutePage = this.rekwatch.mutePage;
    if (this.rekwatch.eventQueue) this.eventQueue = this.rekwatch.eventQueue;

    if (config.backtest) {
      this.backtest = new Backtest(this, 'Backtest', {
        pack,
        trailBucketName: config.backtest.trailBucket,
        ...(config.backtest.trailKeyArn ? { trailKeyArn: config.backtest.trailKeyArn } : {}),
        maxConcurrency: config.backtest.maxConcurrency,
        resultsExpirationDays: config.backtest.resultsExpirationDays,
        logRetentionDays: config.logRetentionDays,
      });
      // Read by `rekwatch replay --on-aws --stack NAME` (functions/cli/replay-on-aws.ts).
      new CfnOutput(this, BACKTEST_OUTPUTS.stateMachine, { value: this.backtest.stateMachine.stateMachineArn });
      new CfnOutput(this, BACKTEST_OUTPUTS.resultsBucket, { value: this.backtest.resultsBucket.bucketName });
      new CfnOutput(this, BACKTEST_OUTPUTS.trailBucket, { value: this.backtest.trailBucketName });
      new CfnOutput(this, BACKTEST_OUTPUTS.workerMemory, { value: String(this.backtest.workerMemoryMb) });
      new CfnOutput(this, BACKTEST_PACK_DIGEST_OUTPUT, { value: packDigest(pack) });
      acknowledgeBacktest(this.backtest);
    }
  }
}
