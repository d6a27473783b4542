/**
 * Shared shapes of the pure core. Nothing here does I/O.
 */

/** A CloudTrail record: one entry of a trail log file's `Records` array, or an EventBridge event's `detail`. */
export type CloudTrailRecord = Record<string, unknown>;

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A json-rules-engine leaf condition, as written in a rule file. */
export interface LeafCondition {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
  name?: string;
}

/** A json-rules-engine condition tree node, as written in a rule file. */
export type ConditionNode =
  | { all: ConditionNode[]; priority?: number; name?: string }
  | { any: ConditionNode[]; priority?: number; name?: string }
  | { not: ConditionNode; priority?: number; name?: string }
  | LeafCondition;

/** Root of a rule's `conditions`: json-rules-engine requires `all`, `any` or `not` at the top. */
export type TopLevelCondition =
  | { all: ConditionNode[] }
  | { any: ConditionNode[] }
  | { not: ConditionNode };

/**
 * One test case kept beside the rule it tests: one `event`, or (for stateful rules: thresholds,
 * firstSeen) a sequence, written as `events` in order or as `event` with `repeat` and `every` (see
 * functions/core/testing/sequence.ts). After loading, `event` is always set (a sequence's last event,
 * what one-event views such as previews show) and `sequence` holds every event of a sequence.
 * `alerts` and `alertOn` say how many alerts the sequence raises and on which events (0-based);
 * `expect` alone means at least one alert, or none.
 */
export interface RuleTestCase {
  name: string;
  event: Record<string, unknown>;
  expect: boolean;
  sequence?: TestSequence;
}

export interface TestSequence {
  events: Record<string, unknown>[];
  /** How many alerts the rule raises over the sequence; absent: at least one when `expect`, else none. */
  alerts?: number;
  /** The 0-based indices of the events on which alerts fire, in order. */
  alertOn?: number[];
}

/** A rule file after validation. */
export interface RuleDefinition {
  id: string;
  name: string;
  description: string;
  severity: Severity;
  enabled: boolean;
  tags: string[];
  runbook?: string;
  references: string[];
  conditions: TopLevelCondition;
  tests: RuleTestCase[];
  /** One delivered alert per key per window (functions/core/suppress/dedupe.ts). */
  dedupe?: DedupeSpec;
  /** Alert once `count` selected events (or distinct values) fall in a window (functions/core/detect/threshold.ts). */
  threshold?: ThresholdSpec;
  /** Path of the file the rule came from, for messages. */
  file: string;
}

export const DEDUPE_FIELDS = ['principalArn', 'sourceIPAddress', 'eventName', 'accountId', 'awsRegion', 'userAgent', 'principalType', 'errorCode'] as const;
export type DedupeField = (typeof DEDUPE_FIELDS)[number];

export interface DedupeSpec {
  windowMs: number;
  by: DedupeField[];
}

/** A rule's `threshold`, validated: `window` as written and in ms, `by` fact names, optional distinct fact. */
export interface ThresholdSpec {
  count: number;
  window: string;
  windowMs: number;
  by: DedupeField[];
  distinct?: { fact: string; path?: string };
}

/** What a threshold alert adds: the rule's threshold, the window's key values and start, and the counts. */
export interface AlertThreshold {
  count: number;
  window: string;
  /** The `by` facts' values that make the window's key (the key itself is a hash of them). */
  key: Record<string, unknown>;
  /** ISO time of the event that opened the window. */
  windowStart: string;
  /** Events (or distinct values) in the window when the alert fired: `count`, unless events arrived out of order. */
  reached: number;
  /** Events (or distinct values) in the window when it closed, where known (replay, watch); absent while it is open. */
  final?: number;
  /** The distinct fact (and path) counted, for a distinct-count rule. */
  distinct?: { fact: string; path?: string };
}

/** A named list from `rules/lists/NAME.json`. */
export interface NamedList {
  name: string;
  description: string;
  items: string[];
  file: string;
  /**
   * Where the items were written, when not in `file`'s `items`: a deployment override names its
   * config file and field (`deploy.json`, `lists.trusted-networks`), so problems point there.
   */
  origin?: ListOrigin;
}

/** The file and field a list's items came from (a deployment config override, a CDK context key). */
export interface ListOrigin {
  file: string;
  field: string;
}

/** The validated rule pack: what every runtime (Lambda, CLI, tests) evaluates. */
export interface RulePack {
  rules: RuleDefinition[];
  lists: Record<string, NamedList>;
  /**
   * Display names of AWS accounts (12-digit id -> name), from the deployment config's `accountNames`:
   * shown in alerts next to the ids. Not used by rule conditions (those use lists).
   */
  accountNames?: Readonly<Record<string, string>>;
}

/** One account's record of a call: a cross-account call is recorded once per account involved. */
export interface RecordedCopy {
  /** The recording account (`recipientAccountId`): its CloudTrail Event history holds this copy. */
  account: string;
  /** This copy's own `eventID` (each copy has its own; they share `sharedEventID`). */
  eventId: string;
}

/** The alert a person receives; the same shape in the Lambda, the CLI and tests. */
export interface Alert {
  /**
   * Stable identity: one alert per rule per call, `ruleId:sharedEventID` when the record has a
   * `sharedEventID` (a cross-account call, recorded once per account involved), else `ruleId:eventId`.
   */
  id: string;
  ruleId: string;
  ruleName: string;
  severity: Severity;
  title: string;
  description: string;
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  /** The account that recorded this copy of the call (`recipientAccountId`): sign in there to open `consoleUrl`. */
  account: string;
  region: string;
  /** CloudTrail's `sharedEventID`, common to every account's copy of a cross-account call; absent otherwise. */
  sharedEventId?: string;
  /**
   * Every copy of the call known when the alert was built or delivered, this alert's own first; present
   * only when more than one copy was seen (see README, "One call, one alert").
   */
  recordedBy?: RecordedCopy[];
  /** Names (deployment config `accountNames`) of the accounts this alert mentions; absent when none is named. */
  accountNames?: Record<string, string>;
  principal: string;
  principalType: string;
  sourceIp: string;
  userAgent: string;
  mfaAuthenticated: boolean | null;
  errorCode: string | null;
  /** CloudTrail Event history page of this copy, in its region; it opens in the account you are signed in to (`account`). */
  consoleUrl: string;
  runbook: string | null;
  tags: string[];
  /** The CloudTrail record, whole when small, otherwise a bounded excerpt (see `excerpt.ts`). */
  record: unknown;
  recordTruncated: boolean;
  /** A threshold rule's window (functions/core/detect/threshold.ts); absent for other rules. */
  threshold?: AlertThreshold;
  /** Alerts of the same rule and dedupe key held back since the last delivered one. */
  suppressedBefore?: { count: number; since: string };
  /** Signed links to the mute page (added at delivery time when mute links are configured). */
  muteLinks?: Array<{ label: string; url: string }>;
  /**
   * Fields cut to fit a message size limit, largest first (`alert-fit.ts`); absent when nothing was
   * cut. Set on the alert a message carries (SNS, EventBridge), never on the alert the evaluator builds.
   */
  trimmed?: string[];
}
