import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { EmailRoute } from '../../functions/adapters/deploy-config';

export interface AlertingProps {
  /** Customer-managed key that encrypts the topic. */
  readonly key: kms.IKey;
  /** Email subscriptions, each optionally limited to some severities (SNS filter policy on `severity`). */
  readonly emails: readonly EmailRoute[];
  /**
   * Also put alerts on this EventBridge bus (`detail-type: "rekwatch Alert"`); `default` for the default bus.
   * @default - the SNS topic only
   */
  readonly alertBus?: string | null;
}

/**
 * Where alerts go: an encrypted SNS topic (TLS enforced) with email subscriptions and severity
 * routing, and optionally an EventBridge bus for automation.
 */
export class Alerting extends Construct {
  readonly topic: sns.Topic;
  readonly bus?: events.IEventBus;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'rekwatch alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const route of props.emails) {
      this.topic.addSubscription(
        new subs.EmailSubscription(route.address, {
          filterPolicy: route.severities
            ? { severity: sns.SubscriptionFilter.stringFilter({ allowlist: [...route.severities] }) }
            : undefined,
        }),
      );
    }
    if (props.alertBus) {
      this.bus = events.EventBus.fromEventBusName(this, 'Bus', props.alertBus);
    }
  }

  /** Publish rights on the topic (and its key), and PutEvents on the alert bus when there is one. */
  grantPublish(grantee: iam.IGrantable): void {
    this.topic.grantPublish(grantee);
    if (this.bus) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
      );
    }
  }
}
