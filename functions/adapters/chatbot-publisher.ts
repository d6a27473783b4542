/**
 * Publishes alerts to the AWS Chatbot topic as custom notifications (format/chatbot.ts, via
 * sns-message.ts `chatbotPublishParams`): Chatbot drops any other message shape. Throws when SNS
 * rejects, so the caller can retry.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { chatbotPublishParams } from '../core/publish/sns-message';
import type { Alert } from '../core/common/types';
import type { AlertPublisher } from './sns-publisher';

export class ChatbotPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...chatbotPublishParams(alert) }));
  }
}
