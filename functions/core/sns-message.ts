/**
 * Alert -> Amazon SNS Publish parameters (pure). The message uses `MessageStructure: "json"`: people
 * on email get readable text, machine subscribers (sqs, lambda, https, firehose) get the alert JSON.
 * `severity` and `ruleId` go in message attributes so subscriptions can filter on them. The subject
 * is always valid for SNS (ASCII, one line, under 100 characters) and the message always fits the
 * 256 KiB limit: an oversized alert is trimmed (record excerpt first), never rejected. The email
 * body and subject are the same as local email delivery's (format/email.ts).
 */
import { excerpt } from './excerpt';
import { formatEmail } from './format/email';
import { truncate } from './text';
import type { Alert } from './types';

export const SNS_MAX_BYTES = 256 * 1024;

export interface SnsPublishParams {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

function build(alert: Alert): SnsPublishParams {
  const json = JSON.stringify(alert);
  const mail = formatEmail(alert);
  const text = mail.text;
  return {
    Subject: mail.subject,
    Message: JSON.stringify({ default: json, email: text, 'email-json': json, sqs: json, lambda: json, https: json, http: json, firehose: json }),
    MessageStructure: 'json',
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: alert.severity },
      ruleId: { DataType: 'String', StringValue: alert.ruleId },
    },
  };
}

function size(p: SnsPublishParams): number {
  // Subject and attributes count towards the limit too.
  return Buffer.byteLength(p.Message) + Buffer.byteLength(p.Subject) + 64;
}

export function snsPublishParams(alert: Alert): SnsPublishParams {
  let params = build(alert);
  // The message carries the alert up to eight times (one per protocol); shrink the record until it fits.
  for (const budget of [8192, 2048, 512, 128]) {
    if (size(params) <= SNS_MAX_BYTES) return params;
    const ex = excerpt(alert.record, budget);
    alert = { ...alert, record: ex.value, recordTruncated: alert.recordTruncated || ex.truncated };
    params = build(alert);
  }
  if (size(params) <= SNS_MAX_BYTES) return params;
  // Pathological rule text: cut the description as a last resort.
  alert = { ...alert, description: truncate(alert.description, 2000), record: '(omitted: too large)', recordTruncated: true };
  return build(alert);
}
