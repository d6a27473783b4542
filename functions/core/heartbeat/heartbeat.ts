/**
 * The end-to-end heartbeat (pure): names shared by the synth (infra/org/heartbeat.ts) and the
 * evaluate function, the rule that lets the heartbeat through the compiled patterns, and the test
 * that tells a heartbeat from any other Rekognition call.
 *
 * With `heartbeat=true` every watched region of every covered account owns a canary: an empty
 * Rekognition collection `<prefix>-heartbeat`, which an EventBridge Scheduler schedule tags every
 * 15 minutes (universal target `rekognition:tagResource`, role `<prefix>-hb-<region>`). That
 * TagResource call is a real CloudTrail management event, so it travels the whole path (trail ->
 * default bus -> spoke rule -> hub bus -> hub rule -> evaluate function). The function recognises it
 * with `recogniseHeartbeat` and records it instead of evaluating it.
 *
 * Recognition is strict: only a successful TagResource of that account's and region's canary
 * collection, by that region's heartbeat role (a role only EventBridge Scheduler can assume). Anyone
 * else tagging the canary is evaluated like any other call, so nothing an attacker does can be
 * hidden by dressing it up as a heartbeat.
 */
import { isPlainObject } from '../common/json-value';
import { toRecord } from '../input/record';
import { REKOGNITION_EVENT_SOURCE } from '../common/rekognition';
import type { RuleDefinition } from '../common/types';

/** How often each canary is tagged. */
export const HEARTBEAT_INTERVAL_MINUTES = 15;
/** `heartbeatMaxSilence` default, and its bounds (an alarm's evaluation range is at most a day). */
export const DEFAULT_HEARTBEAT_MAX_SILENCE_MS = 2 * 3_600_000;
export const MIN_HEARTBEAT_MAX_SILENCE_MS = 2 * HEARTBEAT_INTERVAL_MINUTES * 60_000;
export const MAX_HEARTBEAT_MAX_SILENCE_MS = 24 * 3_600_000;
/**
 * The tag the schedule writes, always with the same value: the collection is created with it, so
 * every TagResource is a CloudTrail write event that changes nothing (and no drift shows).
 */
export const HEARTBEAT_TAG = { key: 'rekwatch-heartbeat', value: 'on' } as const;
/** The heartbeat's metric (EMF, namespace `rekwatch`): dimension `Region`, and `Account`+`Region` for the accounts the app deploys. */
export const HEARTBEAT_METRIC = 'Heartbeats';
/** The id the heartbeat carries in the compiled patterns (never a rule of the pack). */
export const HEARTBEAT_RULE_ID = 'rekwatch-heartbeat';
export const HEARTBEAT_EVENT_NAME = 'TagResource';

export interface HeartbeatNames {
  /** The canary collection (one per account and region). */
  readonly collectionId: string;
  /** The schedule (one per account and region). */
  readonly scheduleName: string;
  /** The role the schedule assumes; IAM names are per account, so the region is part of it. */
  roleName(region: string): string;
}

/** Names derived from the stack name (at most 40 characters: the role name stays within IAM's 64). */
export function heartbeatNames(prefix: string): HeartbeatNames {
  return {
    collectionId: `${prefix}-heartbeat`,
    scheduleName: `${prefix}-heartbeat`,
    roleName: (region) => `${prefix}-hb-${region}`,
  };
}

/**
 * A rule for the pattern compiler only (never evaluated): with it, the compiled patterns let
 * every TagResource call through, so the hub's rules and every spoke's (compiled once, the same
 * everywhere) carry the heartbeat. The shipped pack already matches TagResource, so its pattern
 * does not change.
 */
export function heartbeatPatternRule(): RuleDefinition {
  return {
    id: HEARTBEAT_RULE_ID,
    name: 'rekwatch heartbeat',
    description: 'Lets the heartbeat TagResource calls through the compiled EventBridge patterns.',
    severity: 'info',
    enabled: true,
    tags: [],
    references: [],
    conditions: { all: [{ fact: 'eventName', operator: 'equal', value: HEARTBEAT_EVENT_NAME }] },
    tests: [],
    file: '(heartbeat)',
  };
}

export interface Heartbeat {
  readonly account: string;
  readonly region: string;
  readonly eventId: string | null;
  /** `eventTime` in ms, or null when the record has none that parses. */
  readonly at: number | null;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The heartbeat in `event` (an EventBridge envelope or a bare record), or null when it is anything else. Never throws. */
export function recogniseHeartbeat(event: unknown, names: HeartbeatNames): Heartbeat | null {
  const input = toRecord(event);
  if (!input.ok) return null;
  const r = input.record as Record<string, unknown>;
  if (r.eventSource !== REKOGNITION_EVENT_SOURCE || r.eventName !== HEARTBEAT_EVENT_NAME) return null;
  if (r.errorCode !== undefined && r.errorCode !== null) return null;
  const account = r.recipientAccountId;
  const region = r.awsRegion;
  if (typeof account !== 'string' || !ACCOUNT.test(account) || typeof region !== 'string' || !REGION.test(region)) return null;
  const params = r.requestParameters;
  // CloudTrail writes request members in lower camel case; the API's own spelling is accepted too.
  const arn = isPlainObject(params) ? (params.resourceArn ?? params.ResourceArn) : undefined;
  if (typeof arn !== 'string') return null;
  const collection = /^arn:aws[a-z-]*:rekognition:([a-z0-9-]+):(\d{12}):collection\/(.+)$/.exec(arn);
  if (!collection || collection[1] !== region || collection[2] !== account || collection[3] !== names.collectionId) return null;
  const who = r.userIdentity;
  if (!isPlainObject(who) || who.type !== 'AssumedRole' || typeof who.arn !== 'string') return null;
  const role = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(who.arn);
  if (!role || role[1] !== account || role[2] !== names.roleName(region)) return null;
  const at = typeof r.eventTime === 'string' ? Date.parse(r.eventTime) : NaN;
  return { account, region, eventId: typeof r.eventID === 'string' ? r.eventID : null, at: Number.isFinite(at) ? at : null };
}

/** The state-table key of an account's and region's last heartbeat. */
export function heartbeatKey(account: string, region: string): string {
  return `heartbeat#${account}#${region}`;
}

/** Where a recognised heartbeat is recorded (the state table in AWS: adapters/heartbeat-store.ts). */
export interface HeartbeatRecorder {
  record(heartbeat: Heartbeat, receivedAt: number): Promise<void>;
}
