/** Puts alerts on an EventBridge bus. PutEvents can fail per entry with HTTP 200: that is an error too. */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { alertEventEntry } from '../core/publish/alert-event';
import type { Alert } from '../core/common/types';
import type { AlertPublisher } from './sns-publisher';

export class EventBridgeAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const out = await this.client.send(new PutEventsCommand({ Entries: [alertEventEntry(alert, this.eventBusName)] }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new Error(`PutEvents failed: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
