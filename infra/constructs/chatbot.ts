import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface ChatbotNotificationsProps {
  /** Slack workspace (team) id, e.g. `T0123ABCD`; the workspace must be authorised once in the AWS Chatbot console. */
  readonly workspaceId: string;
  /** Slack channel id, e.g. `C0123ABCD` (for a private channel, invite @aws first). */
  readonly channelId: string;
  /** Customer-managed key for the notification topic. */
  readonly key: kms.IKey;
  /** Name of the channel configuration (unique in the account). */
  readonly configurationName: string;
}

/**
 * Slack delivery through AWS Chatbot (Amazon Q Developer in chat applications), for teams that use
 * it instead of webhooks. Chatbot only shows SNS messages in its custom-notification schema, so it
 * gets its own topic, to which the evaluate function publishes alerts already formatted
 * (format/chatbot.ts) and already filtered by severity. The channel is for notifications only: its
 * role has no permissions, and the guardrail caps what anyone can do from the channel at reading
 * CloudTrail events (the default guardrail would be AdministratorAccess).
 */
export class ChatbotNotifications extends Construct {
  readonly topic: sns.Topic;
  readonly channel: chatbot.SlackChannelConfiguration;
  readonly guardrail: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ChatbotNotificationsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'rekwatch alerts (AWS Chatbot)', masterKey: props.key, enforceSSL: true });
    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description: 'rekwatch: the most a Slack channel user can do through AWS Chatbot (look up CloudTrail events)',
      statements: [new iam.PolicyStatement({ actions: ['cloudtrail:LookupEvents'], resources: ['*'] })],
    });
    const role = new iam.Role(this, 'ChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'rekwatch AWS Chatbot channel (notifications only: no permissions)',
    });
    this.channel = new chatbot.SlackChannelConfiguration(this, 'Channel', {
      slackChannelConfigurationName: props.configurationName,
      slackWorkspaceId: props.workspaceId,
      slackChannelId: props.channelId,
      notificationTopics: [this.topic],
      role,
      guardrailPolicies: [this.guardrail],
    });
  }
}
