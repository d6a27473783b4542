/**
 * Turns an arbitrary parsed JSON value into a CloudTrail record, or says why it is not one.
 * Accepts a bare CloudTrail record or an EventBridge envelope whose `detail` is one.
 */
import { describeType, isPlainObject } from '../common/json-value';
import type { CloudTrailRecord } from '../common/types';

export type RecordInput =
  | { ok: true; record: CloudTrailRecord; envelope: boolean }
  | { ok: false; reason: string };

/** True when the value looks like an EventBridge event (has `detail-type` and `detail`). */
export function isEventBridgeEnvelope(value: Record<string, unknown>): boolean {
  return typeof value['detail-type'] === 'string' && 'detail' in value;
}

/**
 * Classifies one input value. Never throws, whatever the value.
 * A CloudTrail record is an object with a string `eventVersion`, or with string `eventSource` and
 * `eventName` (documentation snippets often omit eventVersion). CloudTrail Insights events have no
 * eventSource and are records too; they are out of scope unless every service is evaluated.
 * Anything else is malformed: reported, never silently ignored.
 */
export function toRecord(value: unknown): RecordInput {
  if (!isPlainObject(value)) {
    return { ok: false, reason: `expected a JSON object, got ${describeType(value)}` };
  }
  let record: unknown = value;
  let envelope = false;
  if (isEventBridgeEnvelope(value)) {
    envelope = true;
    record = value.detail;
    if (!isPlainObject(record)) {
      return { ok: false, reason: `EventBridge event "detail" is ${describeType(record)}, not a CloudTrail record` };
    }
  }
  const rec = record as Record<string, unknown>;
  const named = typeof rec.eventSource === 'string' && rec.eventSource !== '' && typeof rec.eventName === 'string' && rec.eventName !== '';
  if (!named && !(typeof rec.eventVersion === 'string' && rec.eventVersion !== '')) {
    return {
      ok: false,
      reason: envelope
        ? 'EventBridge event detail is not a CloudTrail record (no eventVersion, eventSource or eventName)'
        : 'not a CloudTrail record (no eventVersion, eventSource or eventName)',
    };
  }
  return { ok: true, record: rec, envelope };
}

