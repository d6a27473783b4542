/**
 * Rule + CloudTrail record -> Alert. Pure and deterministic: the same inputs give the same alert,
 * so an event delivered twice yields an identical alert with the same `id`.
 */
import { createHash } from 'node:crypto';
import { cloudTrailEventUrl } from './console-url';
import { excerpt } from './excerpt';
import { mfaAuthenticated, principalArn, principalType } from './facts';
import { writeJson } from './json-bytes';
import { isPlainObject } from './record';
import { oneLine, shortArn, truncate } from './text';
import type { Alert, CloudTrailRecord, RuleDefinition } from './types';

export const TITLE_MAX = 200;
export const RECORD_EXCERPT_BYTES = 8192;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * CloudTrail's eventID, or a stable digest of the record's JSON when a (non-conforming) record has
 * none (written without recursion: the record may nest too deep for `JSON.stringify`).
 */
export function eventIdOf(record: CloudTrailRecord): string {
  const id = str(record.eventID);
  if (id) return id;
  const hash = createHash('sha256');
  writeJson(record, (piece) => {
    hash.update(piece);
    return true;
  });
  return `sha256:${hash.digest('hex').slice(0, 32)}`;
}

/**
 * The identity of one delivery of an event, for dropping duplicates: the same eventID with the
 * same source, name and time. (Documentation examples reuse eventIDs across different events.)
 */
export function deliveryKeyOf(record: CloudTrailRecord): string {
  return `${eventIdOf(record)}|${String(record.eventSource)}|${String(record.eventName)}|${String(record.eventTime)}`;
}

/** Who made the call, as precisely as the record allows. */
export function principalOf(record: CloudTrailRecord): string {
  const ui = isPlainObject(record.userIdentity) ? record.userIdentity : {};
  return (
    principalArn(record) ??
    str(ui.invokedBy) ??
    str(ui.principalId) ??
    str(ui.userName) ??
    (str(ui.type) ? `${ui.type as string} principal` : 'unknown principal')
  );
}

export function buildAlert(rule: RuleDefinition, record: CloudTrailRecord, envelope?: Record<string, unknown>): Alert {
  const eventId = eventIdOf(record);
  const eventName = str(record.eventName) ?? 'unknown';
  const region = str(record.awsRegion) ?? str(envelope?.region) ?? 'unknown';
  const account = str(record.recipientAccountId) ?? str(envelope?.account) ??
    (isPlainObject(record.userIdentity) ? str(record.userIdentity.accountId) : undefined) ?? 'unknown';
  const principal = principalOf(record);
  const sourceIp = str(record.sourceIPAddress) ?? 'unknown';
  const ex = excerpt(record, RECORD_EXCERPT_BYTES);
  const title = truncate(
    oneLine(`${rule.name}: ${eventName} by ${shortArn(principal)} from ${sourceIp} in ${account}/${region}`),
    TITLE_MAX,
  );
  return {
    id: `${rule.id}:${eventId}`,
    ruleId: rule.id,
    ruleName: rule.name,
    severity: rule.severity,
    title,
    description: rule.description,
    eventId,
    eventName,
    eventSource: str(record.eventSource) ?? 'unknown',
    eventTime: str(record.eventTime) ?? str(envelope?.time) ?? 'unknown',
    account,
    region,
    principal,
    principalType: principalType(record) ?? 'unknown',
    sourceIp,
    userAgent: str(record.userAgent) ?? 'unknown',
    mfaAuthenticated: mfaAuthenticated(record),
    errorCode: str(record.errorCode) ?? null,
    consoleUrl: cloudTrailEventUrl(region, eventId),
    runbook: rule.runbook ?? null,
    tags: [...rule.tags],
    record: ex.value,
    recordTruncated: ex.truncated,
  };
}
