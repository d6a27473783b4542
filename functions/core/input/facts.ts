/**
 * CloudTrail record -> the facts rule conditions see.
 *
 * Every top-level field of the record is a fact under its own name (missing -> undefined).
 * `readOnly` is normalised to a boolean when the record carries the string form ("true"/"false").
 * Derived facts:
 *   - mfaAuthenticated: true | false | null (unknown), from userIdentity.sessionContext.attributes
 *   - principalArn:     userIdentity.arn, else the session issuer's ARN
 *   - principalType:    userIdentity.type (Root, IAMUser, AssumedRole, AWSService, ...)
 *   - accountId:        the calling principal's account (userIdentity.accountId)
 *   - sessionIssuerArn: the role (or user) that issued temporary credentials
 *   - projectPolicy:    `requestParameters.policyDocument` parsed and normalised (policy.ts), or
 *                       undefined when the record carries none
 * plus `lists`, the named lists of the rule pack, for fact references, and the *precomputed* facts
 * (`PRECOMPUTED_FACTS`): values that depend on state, not on the record alone, computed by the caller
 * before conditions run and handed in (`RecordFacts`' `precomputed`); absent, they are undefined:
 *   - firstSeen:        { sourceIPAddress, userAgent, awsRegion, eventName, principal } booleans for
 *                       the record's principal (functions/core/detect/first-seen.ts)
 * Derived facts take precedence over a record field of the same name.
 */
import { isPlainObject } from '../common/json-value';
import { projectPolicyOf } from './policy';
import type { CloudTrailRecord } from '../common/types';

export const DERIVED_FACTS = ['mfaAuthenticated', 'principalArn', 'principalType', 'accountId', 'sessionIssuerArn', 'projectPolicy'] as const;
export type DerivedFact = (typeof DERIVED_FACTS)[number];
export const LISTS_FACT = 'lists';
export const FIRST_SEEN_FACT = 'firstSeen';
/** Facts whose value depends on detection state: computed by the caller, passed in, never derived here. */
export const PRECOMPUTED_FACTS = [FIRST_SEEN_FACT] as const;
export type PrecomputedFact = (typeof PRECOMPUTED_FACTS)[number];
/** The precomputed facts of one record (each absent when not computed: the fact is then undefined). */
export type Precomputed = Partial<Record<PrecomputedFact, unknown>>;

/** Top-level CloudTrail record fields (CloudTrail record contents reference, event version 1.11). */
export const RECORD_FIELDS = [
  'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress',
  'userAgent', 'errorCode', 'errorMessage', 'requestParameters', 'responseElements', 'additionalEventData',
  'requestID', 'eventID', 'eventType', 'apiVersion', 'managementEvent', 'readOnly', 'resources',
  'recipientAccountId', 'serviceEventDetails', 'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId',
  'eventCategory', 'addendum', 'sessionCredentialFromConsole', 'edgeDeviceDetails', 'tlsDetails', 'insightDetails',
] as const;

export const KNOWN_FACTS: readonly string[] = [...RECORD_FIELDS, ...DERIVED_FACTS, LISTS_FACT, ...PRECOMPUTED_FACTS];
const PRECOMPUTED = new Set<string>(PRECOMPUTED_FACTS);

function get(obj: unknown, key: string): unknown {
  return isPlainObject(obj) ? obj[key] : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Normalises true/false given as booleans or strings of any case; anything else is null. */
export function toBooleanOrNull(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return null;
}

export function mfaAuthenticated(record: CloudTrailRecord): boolean | null {
  return toBooleanOrNull(get(get(get(record.userIdentity, 'sessionContext'), 'attributes'), 'mfaAuthenticated'));
}

export function sessionIssuerArn(record: CloudTrailRecord): string | undefined {
  return str(get(get(get(record.userIdentity, 'sessionContext'), 'sessionIssuer'), 'arn'));
}

export function principalArn(record: CloudTrailRecord): string | undefined {
  return str(get(record.userIdentity, 'arn')) ?? sessionIssuerArn(record);
}

export function principalType(record: CloudTrailRecord): string | undefined {
  return str(get(record.userIdentity, 'type'));
}

export function accountId(record: CloudTrailRecord): string | undefined {
  return str(get(record.userIdentity, 'accountId'));
}

export function derivedFact(record: CloudTrailRecord, name: DerivedFact): unknown {
  switch (name) {
    case 'mfaAuthenticated': return mfaAuthenticated(record);
    case 'principalArn': return principalArn(record);
    case 'principalType': return principalType(record);
    case 'accountId': return accountId(record);
    case 'sessionIssuerArn': return sessionIssuerArn(record);
    case 'projectPolicy': return projectPolicyOf(record.requestParameters);
  }
}

const DERIVED = new Set<string>(DERIVED_FACTS);

/**
 * The value of one fact for a record, computed on demand. Used by the pre-check, which reads only
 * the facts a rule mentions, and by the evaluator to hand json-rules-engine the same values.
 */
export function factValue(record: CloudTrailRecord, name: string, lists: Record<string, unknown>, precomputed?: Precomputed): unknown {
  if (DERIVED.has(name)) return derivedFact(record, name as DerivedFact);
  if (name === LISTS_FACT) return lists;
  if (PRECOMPUTED.has(name)) return precomputed?.[name as PrecomputedFact];
  if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
  const value = record[name];
  if (name === 'readOnly') {
    const b = toBooleanOrNull(value);
    return b === null ? value : b;
  }
  return value;
}

/**
 * The facts of one record during one evaluation: the same values as `factValue`, with derived facts
 * computed at most once however many rules read them.
 */
export class RecordFacts {
  private readonly derived = new Map<DerivedFact, unknown>();

  constructor(
    readonly record: CloudTrailRecord,
    readonly lists: Record<string, unknown>,
    readonly precomputed?: Precomputed,
  ) {}

  derivedFact(name: DerivedFact): unknown {
    if (this.derived.has(name)) return this.derived.get(name);
    const v = derivedFact(this.record, name);
    this.derived.set(name, v);
    return v;
  }

  get(name: string): unknown {
    return DERIVED.has(name) ? this.derivedFact(name as DerivedFact) : factValue(this.record, name, this.lists, this.precomputed);
  }
}

/** A reader for one named fact, specialised once so per-record reads do no name dispatch. */
export function factReader(name: string, lists: Record<string, unknown>): (facts: RecordFacts) => unknown {
  if (DERIVED.has(name)) return (f) => f.derivedFact(name as DerivedFact);
  if (name === LISTS_FACT) return () => lists;
  if (PRECOMPUTED.has(name)) return (f) => f.precomputed?.[name as PrecomputedFact];
  if (name === 'readOnly') return (f) => factValue(f.record, name, lists);
  return (f) => (Object.prototype.hasOwnProperty.call(f.record, name) ? f.record[name] : undefined);
}
