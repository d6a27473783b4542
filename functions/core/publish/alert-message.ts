/**
 * An alert as it travels between rekwatch's own functions (the `default` key of the SNS message is
 * `JSON.stringify(alert)`, cut to fit when it must be: see alert-fit.ts), read back and checked
 * (pure). Consumers must not trust the shape blindly: a message published to the topic by something
 * else gets a clear reason, not a crash.
 */
import { isPlainObject } from '../common/json-value';
import { SEVERITIES, type Alert } from '../common/types';

export type ParsedAlert = { ok: true; alert: Alert } | { ok: false; reason: string };

const REQUIRED_STRINGS = ['id', 'ruleId', 'ruleName', 'title', 'eventId', 'eventName', 'eventTime', 'consoleUrl'] as const;
const OPTIONAL_STRINGS = ['description', 'eventSource', 'account', 'region', 'principal', 'principalType', 'sourceIp', 'userAgent'] as const;

export function parseAlertMessage(message: string): ParsedAlert {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch (e) {
    return { ok: false, reason: `message is not JSON: ${(e as Error).message}` };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'message is not a JSON object' };
  for (const key of REQUIRED_STRINGS) {
    if (typeof value[key] !== 'string' || value[key] === '') return { ok: false, reason: `message is not a rekwatch alert: field "${key}" is missing or not a string` };
  }
  if (!(SEVERITIES as readonly unknown[]).includes(value.severity)) {
    return { ok: false, reason: `message is not a rekwatch alert: field "severity" must be one of ${SEVERITIES.join(', ')}` };
  }
  const alert = { ...value } as Record<string, unknown>;
  for (const key of OPTIONAL_STRINGS) if (typeof alert[key] !== 'string') alert[key] = '';
  if (typeof alert.mfaAuthenticated !== 'boolean') alert.mfaAuthenticated = null;
  if (typeof alert.errorCode !== 'string') alert.errorCode = null;
  if (typeof alert.runbook !== 'string') alert.runbook = null;
  alert.tags = Array.isArray(alert.tags) ? alert.tags.filter((t): t is string => typeof t === 'string') : [];
  alert.recordTruncated = alert.recordTruncated === true;
  if (!('record' in alert)) alert.record = null;
  if (Array.isArray(alert.trimmed)) {
    const names = alert.trimmed.filter((t): t is string => typeof t === 'string' && t !== '');
    if (names.length > 0) alert.trimmed = names;
    else delete alert.trimmed;
  } else delete alert.trimmed;
  return { ok: true, alert: alert as unknown as Alert };
}
