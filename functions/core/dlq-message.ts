/**
 * What a message in rekwatch's dead-letter queue holds. Two producers write there:
 *   - EventBridge, when it gives up invoking the function: the body is the original event
 *     (attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE say why);
 *   - Lambda's on-failure destination, after the async retries: the body is an invocation record
 *     `{ requestContext, requestPayload, responseContext, responsePayload }` whose requestPayload is
 *     the original event.
 */
import { isEventBridgeEnvelope, isPlainObject } from './record';

export type DeadLetter =
  | { ok: true; event: Record<string, unknown>; source: 'eventbridge' | 'lambda'; reason: string }
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
  return { ok: false, reason: 'neither an EventBridge event nor a Lambda failure record' };
}
