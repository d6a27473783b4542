/**
 * Publishes alerts to the AWS Chatbot topic as custom notifications (format/chatbot.ts): Chatbot
 * drops any other message shape. Throws when SNS rejects, so the caller can retry.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { formatChatbot } from '../core/format/chatbot';
import type { Alert } from '../core/types';
import type { AlertPublisher } from './sns-publisher';

export class ChatbotPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(formatChatbot(alert)),
        MessageAttributes: { severity: { DataType: 'String', StringValue: alert.severity }, ruleId: { DataType: 'String', StringValue: alert.ruleId } },
      }),
    );
  }
}
