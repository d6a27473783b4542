/**
 * Alert -> Amazon SNS Publish parameters (pure), for the alert topic and the AWS Chatbot topic.
 *
 * The alert topic's message uses `MessageStructure: "json"` with two keys: `email`, the readable
 * text (the same as local email delivery's, format/email.ts), and `default`, the alert JSON, which
 * SNS sends to every protocol without a key of its own (sqs, lambda, http/https, email-json,
 * firehose): one copy of the alert rather than one per protocol. The Slack forwarder reads it back
 * with alert-message.ts. `severity` and `ruleId` go in message attributes so subscriptions can
 * filter on them. The subject is always valid for SNS (ASCII, one line, under 100 characters).
 *
 * Size: SNS takes at most 256 KiB, message attributes included (name, type and value). Every
 * message fits, whatever the record holds: the alert is cut (alert-fit.ts: largest fields first,
 * `trimmed` names them and the email says so) so that `default` also leaves room for the envelope
 * SNS wraps it in for Lambda, SQS and HTTP subscribers.
 */
import { fitAlert } from '../alert/alert-fit';
import { formatChatbot } from '../format/chatbot';
import { emailSubject, emailText } from '../format/email';
import { cutString } from '../common/json-bytes';
import type { Alert } from '../common/types';

export const SNS_MAX_BYTES = 256 * 1024;
/**
 * Left free beside `default` for the JSON envelope of a Lambda, SQS or HTTP delivery (type, ids,
 * topic ARN, subject, timestamp, signature, URLs, attributes): about 1.5 KB (unverified).
 */
export const SNS_ENVELOPE_RESERVE = 4096;
/** Longest attribute value sent (rule ids are at most 100 characters, severities a word). */
const ATTRIBUTE_MAX = 256;

export type MessageAttributes = Record<string, { DataType: 'String'; StringValue: string }>;

export interface SnsPublishParams {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: MessageAttributes;
}

export interface ChatbotPublishParams {
  Message: string;
  MessageAttributes: MessageAttributes;
}

/** `severity` and `ruleId`; SNS refuses an empty value, so an empty one is left out. */
export function messageAttributes(alert: Alert): MessageAttributes {
  const out: MessageAttributes = {};
  const values: Array<[string, unknown]> = [
    ['severity', alert.severity],
    ['ruleId', alert.ruleId],
  ];
  for (const [name, value] of values) {
    if (typeof value === 'string' && value !== '') out[name] = { DataType: 'String', StringValue: value.slice(0, ATTRIBUTE_MAX) };
  }
  return out;
}

/** What counts against SNS's limit: the message, every part of every attribute, and (to be safe) the subject. */
export function publishBytes(p: { Message: string; Subject?: string; MessageAttributes: MessageAttributes }): number {
  let n = Buffer.byteLength(p.Message) + Buffer.byteLength(p.Subject ?? '');
  for (const [name, a] of Object.entries(p.MessageAttributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue);
  }
  return n;
}

function build(alert: Alert, subject: string, attributes: MessageAttributes, text: string): SnsPublishParams {
  const Message = JSON.stringify({ default: JSON.stringify(alert), email: text });
  return { Subject: subject, Message, MessageStructure: 'json', MessageAttributes: attributes };
}

const ATTEMPTS = 4;

export function snsPublishParams(alert: Alert): SnsPublishParams {
  const subject = emailSubject(alert);
  const attributes = messageAttributes(alert);
  // The alert JSON is a string inside the message JSON: measured encoded twice.
  let budget = SNS_MAX_BYTES - SNS_ENVELOPE_RESERVE - publishBytes({ Message: '', Subject: subject, MessageAttributes: attributes });
  for (let attempt = 1; ; attempt++) {
    const fitted = fitAlert(alert, budget, 2);
    let text = emailText(fitted);
    if (attempt === ATTEMPTS) {
      // The email text is bounded by its formatter, so this is never expected: cut it to what is left.
      const room = SNS_MAX_BYTES - publishBytes(build(fitted, subject, attributes, ''));
      text = cutString(text, room + 2, 1) ?? '';
    }
    const params = build(fitted, subject, attributes, text);
    const over = publishBytes(params) - SNS_MAX_BYTES;
    if (over <= 0 || attempt === ATTEMPTS) return params;
    // The email takes its share: give the alert that much less.
    budget -= over;
  }
}

/**
 * The AWS Chatbot topic's message: the custom notification (format/chatbot.ts, whose field limits
 * keep it far under 256 KiB) with the same attributes, so severity filters work the same.
 */
export function chatbotPublishParams(alert: Alert): ChatbotPublishParams {
  return { Message: JSON.stringify(formatChatbot(alert)), MessageAttributes: messageAttributes(alert) };
}
