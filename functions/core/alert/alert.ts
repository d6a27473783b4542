/**
 * Rule + CloudTrail record -> Alert. Pure and deterministic: the same inputs give the same alert,
 * so an event delivered twice yields an identical alert with the same `id`.
 *
 * A cross-account call is recorded once per account involved, each copy with its own `eventID` and
 * `recipientAccountId` and a common `sharedEventID`: the alert id uses `sharedEventID` when there is
 * one, so every copy of one call gives the same alert id (copies.ts says how they become one alert).
 */
import { createHash } from 'node:crypto';
import { cloudTrailEventUrl } from './console-url';
import { excerpt } from './excerpt';
import { accountId, mfaAuthenticated, principalArn, principalType } from '../input/facts';
import { writeJson } from '../common/json-bytes';
import { isPlainObject } from '../common/json-value';
import { oneLine, shortArn, truncate } from '../common/text';
import type { Alert, CloudTrailRecord, RuleDefinition } from '../common/types';

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
 * CloudTrail's `sharedEventID`: common to every account's copy of one cross-account call. Insights
 * events also carry one, linking an insight's start and end events, which are two events, not two
 * copies of one: they are left out.
 */
export function sharedEventIdOf(record: CloudTrailRecord): string | undefined {
  if (record.eventType === 'AwsCloudTrailInsight' || record.insightDetails !== undefined) return undefined;
  return str(record.sharedEventID);
}

/** The call a record is a copy of: its `sharedEventID` when it has one, else its own event id. */
export function callIdOf(record: CloudTrailRecord): string {
  return sharedEventIdOf(record) ?? eventIdOf(record);
}

/**
 * The identity of one delivery of an event, for dropping duplicates: the same eventID with the
 * same source, name and time. (Documentation examples reuse eventIDs across different events.)
 * Deliberately per copy, not per call: the copies of a cross-account call have different eventIDs
 * and must each be evaluated (a rule may match only the copy in the resource owner's account);
 * their alerts share an id and become one alert after evaluation (copies.ts).
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

/** The configured display name of an account id, or undefined (own properties only: never `__proto__`). */
export function accountNameOf(names: Readonly<Record<string, string>> | undefined, account: string | undefined): string | undefined {
  if (!names || account === undefined || !Object.prototype.hasOwnProperty.call(names, account)) return undefined;
  return str(names[account]);
}

/** The names of the given accounts that are named, or undefined when none is. */
export function namesFor(names: Readonly<Record<string, string>> | undefined, accounts: ReadonlyArray<string | undefined>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const a of accounts) {
    const name = accountNameOf(names, a);
    if (name !== undefined && a !== undefined) (out ??= {})[a] = name;
  }
  return out;
}

/**
 * The alert for a rule that matched a record. `envelope` (the EventBridge event around the record)
 * only fills in what the record lacks: the record's `recipientAccountId` and `awsRegion` name the
 * account and region that recorded the call, also when a spoke forwarded the event to a hub bus.
 */
export function buildAlert(rule: RuleDefinition, record: CloudTrailRecord, envelope?: Record<string, unknown>, accountNames?: Readonly<Record<string, string>>): Alert {
  const eventId = eventIdOf(record);
  const sharedEventId = sharedEventIdOf(record);
  const eventName = str(record.eventName) ?? 'unknown';
  const region = str(record.awsRegion) ?? str(envelope?.region) ?? 'unknown';
  const account = str(record.recipientAccountId) ?? str(envelope?.account) ??
    (isPlainObject(record.userIdentity) ? str(record.userIdentity.accountId) : undefined) ?? 'unknown';
  const principal = principalOf(record);
  const sourceIp = str(record.sourceIPAddress) ?? 'unknown';
  const ex = excerpt(record, RECORD_EXCERPT_BYTES);
  const names = namesFor(accountNames, [account, accountId(record)]);
  const accountName = accountNameOf(names, account);
  const title = truncate(
    oneLine(`${rule.name}: ${eventName} by ${shortArn(principal)} from ${sourceIp} in ${account}/${region}${accountName ? ` (${accountName})` : ''}`),
    TITLE_MAX,
  );
  return {
    id: `${rule.id}:${sharedEventId ?? eventId}`,
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
    ...(sharedEventId !== undefined ? { sharedEventId } : {}),
    ...(names ? { accountNames: names } : {}),
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
