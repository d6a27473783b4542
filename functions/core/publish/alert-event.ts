/**
 * Alert -> an EventBridge PutEvents entry (`detail-type: "rekwatch Alert"`), so other automation can
 * react (pure). The detail is the alert JSON, cut to fit the entry limit (alert-fit.ts: largest
 * fields first, `trimmed` names them). EventBridge counts an entry as 14 bytes for `Time` plus the
 * UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`; the documented limit is
 * 256 KB, read here as 256,000 bytes to be safe. The detail nests a dozen levels at most (PutEvents
 * takes 1,000).
 */
import { fitAlert } from '../alert/alert-fit';
import type { Alert } from '../common/types';

export const ALERT_DETAIL_TYPE = 'rekwatch Alert';
export const ALERT_SOURCE = 'rekwatch';
export const EVENTBRIDGE_MAX_ENTRY_BYTES = 256_000;

export interface AlertEventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Time: Date | undefined;
  Resources: string[];
}

/** The entry's size as EventBridge computes it (eb-putevent-size). */
export function entryBytes(entry: AlertEventEntry): number {
  return (
    (entry.Time ? 14 : 0) +
    Buffer.byteLength(entry.Source) +
    Buffer.byteLength(entry.DetailType) +
    Buffer.byteLength(entry.Detail) +
    entry.Resources.reduce((n, r) => n + Buffer.byteLength(r), 0)
  );
}

export function alertEventEntry(alert: Alert, eventBusName: string): AlertEventEntry {
  const time = Date.parse(alert.eventTime);
  const entry: AlertEventEntry = {
    Source: ALERT_SOURCE,
    DetailType: ALERT_DETAIL_TYPE,
    Detail: '',
    EventBusName: eventBusName,
    Time: Number.isNaN(time) ? undefined : new Date(time),
    Resources: [],
  };
  entry.Detail = JSON.stringify(fitAlert(alert, EVENTBRIDGE_MAX_ENTRY_BYTES - entryBytes(entry), 1));
  return entry;
}
