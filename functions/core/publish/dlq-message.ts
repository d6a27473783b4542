/**
 * What a message in rekwatch's dead-letter queue holds. Two producers write there:
 *   - EventBridge, when it gives up invoking the function: the body is the original event
 *     (attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE say why);
 *   - Lambda's on-failure destination, after the async retries: the body is an invocation record
 *     `{ requestContext, requestPayload, responseContext, responsePayload }` whose requestPayload is
 *     the original event.
 * The Slack forwarder's queue has the same Lambda failure records (the event being the SNS
 * notification), and, when SNS itself could not invoke the forwarder, the SNS notification or the
 * bare alert message: those are wrapped back into the SNS event the forwarder takes.
 */
import { parseAlertMessage } from './alert-message';
import { isPlainObject } from '../common/json-value';
import { isEventBridgeEnvelope } from '../input/record';

export type DeadLetter =
  | { ok: true; event: Record<string, unknown>; source: 'eventbridge' | 'lambda' | 'sns'; reason: string }
  | { ok: false; reason: string };

export function parseDeadLetter(body: string, attributes: Record<string, string | undefined> = {}): DeadLetter {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: `body is not JSON: ${(e as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'body is not a JSON object' };
  if (isPlainObject(value.requestContext) && 'requestPayload' in value) {
    const payload = value.requestPayload;
    if (!isPlainObject(payload)) return { ok: false, reason: 'Lambda failure record without an event payload' };
    const response = isPlainObject(value.responsePayload) ? value.responsePayload : {};
    const condition = String(value.requestContext.condition ?? 'failure');
    return {
      ok: true,
      event: payload,
      source: 'lambda',
      reason: `${condition}: ${String(response.errorType ?? '')} ${String(response.errorMessage ?? '')}`.trim(),
    };
  }
  if (isEventBridgeEnvelope(value)) {
    return {
      ok: true,
      event: value,
      source: 'eventbridge',
      reason: `${attributes.ERROR_CODE ?? 'EventBridge delivery failed'}${attributes.ERROR_MESSAGE ? `: ${attributes.ERROR_MESSAGE}` : ''}`,
    };
  }
  const snsReason = `SNS could not deliver to the subscriber${attributes.ERROR_MESSAGE ? `: ${attributes.ERROR_MESSAGE}` : ''}`;
  if (value.Type === 'Notification' && typeof value.Message === 'string') {
    return { ok: true, event: snsEvent(value), source: 'sns', reason: snsReason };
  }
  if (parseAlertMessage(body).ok) {
    return { ok: true, event: snsEvent({ Type: 'Notification', Message: body }), source: 'sns', reason: snsReason };
  }
  return { ok: false, reason: 'neither an EventBridge event, a Lambda failure record nor an SNS notification' };
}

function snsEvent(notification: Record<string, unknown>): Record<string, unknown> {
  return { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: notification }] };
}
