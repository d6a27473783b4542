/** Alert -> an EventBridge PutEvents entry (`detail-type: "rekwatch Alert"`), so other automation can react. */
import { excerpt } from './excerpt';
import type { Alert } from './types';

export const ALERT_DETAIL_TYPE = 'rekwatch Alert';
export const ALERT_SOURCE = 'rekwatch';
const MAX_DETAIL_BYTES = 200 * 1024; // PutEvents entries are limited to 256 KB in all

export interface AlertEventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Time: Date | undefined;
  Resources: string[];
}

export function alertEventEntry(alert: Alert, eventBusName: string): AlertEventEntry {
  let detail = JSON.stringify(alert);
  if (Buffer.byteLength(detail) > MAX_DETAIL_BYTES) {
    const ex = excerpt(alert.record, 2048);
    detail = JSON.stringify({ ...alert, record: ex.value, recordTruncated: true });
  }
  const time = Date.parse(alert.eventTime);
  return {
    Source: ALERT_SOURCE,
    DetailType: ALERT_DETAIL_TYPE,
    Detail: detail,
    EventBusName: eventBusName,
    Time: Number.isNaN(time) ? undefined : new Date(time),
    Resources: [],
  };
}
