/** Publishes alerts to an SNS topic. Throws when SNS rejects, so the caller can retry. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsPublishParams } from '../core/publish/sns-message';
import type { Alert } from '../core/common/types';

export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...snsPublishParams(alert) }));
  }
}
