/**
 * Deployment configuration: CDK context values (`-c key=value`), optionally on top of a JSON config
 * file (`-c config=rekwatch.config.json`, schema in schema/deploy-config.schema.json). Every value is
 * validated; a bad one fails `cdk synth` with a message naming the key. Pure apart from reading the
 * file, so the CDK app (infra/build.ts, the construct library) and `rekwatch validate --config`
 * (`deployConfigProblem`) check a config the same way.
 */
import { ConfigFileError, readDeployConfigFile, type DeployConfigFile } from './deploy-config-file';
import { parseDuration } from '../core/common/duration';
import { DEFAULT_HEARTBEAT_MAX_SILENCE_MS, HEARTBEAT_INTERVAL_MINUTES, MAX_HEARTBEAT_MAX_SILENCE_MS, MIN_HEARTBEAT_MAX_SILENCE_MS } from '../core/heartbeat/heartbeat';
import { SEVERITIES, type ListOrigin, type Severity } from '../core/common/types';

/** The `detectionPath` setting (infra/detection-path.ts chooses the path for `auto`). */
export const DETECTION_PATHS = ['auto', 'queue', 'direct'] as const;
export type DetectionPathSetting = (typeof DETECTION_PATHS)[number];

/** Events the evaluate function takes per SQS batch on the queue path (infra/constructs/event-queue.ts). */
export const DEFAULT_BATCH_SIZE = 500;

export interface EmailRoute {
  /** Email address that receives alerts. */
  readonly address: string;
  /** Severities delivered to this address; all when omitted (an SNS filter policy on `severity`). */
  readonly severities?: readonly Severity[];
}

export interface SlackConfig {
  /** Name or ARN of the Secrets Manager secret that holds the incoming-webhook URL. */
  readonly webhookSecret: string;
  /** Severities posted to Slack; all when omitted. */
  readonly severities?: readonly Severity[];
}

export interface ChatbotConfig {
  readonly workspaceId: string;
  readonly channelId: string;
  /** Severities sent to the channel; all when omitted. */
  readonly severities?: readonly Severity[];
}

export interface DeployConfig {
  readonly rulesDir: string;
  readonly alertEmails: readonly EmailRoute[];
  readonly alarmEmails: readonly string[];
  readonly eventSources: readonly string[];
  readonly createTrail: boolean;
  readonly logRetentionDays: number;
  /** Name of an EventBridge bus to put alerts on (`default` for the account's default bus), or null. */
  readonly alertBus: string | null;
  /** Named lists of the rule pack replaced at deploy time (e.g. your own trusted networks). */
  readonly listOverrides: Readonly<Record<string, readonly string[]>>;
  /** Where each override was written (the config file's `lists.NAME`, or a context key), for messages. */
  readonly listOrigins: Readonly<Record<string, ListOrigin>>;
  /** Names of AWS accounts (id → name) shown in alerts beside the id (`accountNames` in the config file). */
  readonly accountNames: Readonly<Record<string, string>>;
  /** Slack incoming webhook via the forwarder Lambda, or null. */
  readonly slack: SlackConfig | null;
  /** Slack via AWS Chatbot, or null. */
  readonly chatbot: ChatbotConfig | null;
  /** Signed "mute" links in alerts, and the mute page behind a function URL. */
  readonly muteLinks: boolean;
  /** Longest mute, ms (`mutes.maxDuration` in the config file; 30 days by default). */
  readonly maxMuteMs: number;
  /**
   * Reserved concurrency of the mute page: the most requests its public URL serves at once, so a
   * flood of them can take no more of the account's pool than this (`mutePageConcurrency`, 5).
   */
  readonly mutePageConcurrency: number;
  /** Reserved concurrency of the evaluate function, or null to share the unreserved pool (`evaluateConcurrency`). */
  readonly evaluateConcurrency: number | null;
  /** Where the hub is and what it watches beyond its own region (infra/org/). */
  readonly coverage: CoverageKeys;
  /** The end-to-end heartbeat (`heartbeat`, `heartbeatMaxSilence`), or null when off (infra/org/heartbeat.ts). */
  readonly heartbeat: HeartbeatConfig | null;
  /** The backtest fan-out (`backtest=true` with `backtestTrailBucket`), or null when off (infra/backtest/). */
  readonly backtest: BacktestConfig | null;
  /** `detectionPath`: auto (queue exactly when a stateful rule needs read-only calls), queue or direct (infra/detection-path.ts). */
  readonly detectionPath: DetectionPathSetting;
  /** `queueBatchSize`: events per invocation on the queue path (10 to 10000, default 500). */
  readonly queueBatchSize: number;
  /** `detectLateness` (ms): how late a threshold selection may arrive and still count, as replay's --lateness; null: the default (15m). */
  readonly detectLatenessMs: number | null;
  /** `firstSeenMemory` (ms): how long firstSeen remembers, as replay's --first-seen-memory; null: the default (30d). */
  readonly firstSeenMemoryMs: number | null;
}

export interface BacktestConfig {
  /** `backtestTrailBucket`: the trail bucket backtests may read (read-only). */
  readonly trailBucket: string;
  /** `backtestTrailKey`: ARN of the trail's KMS key, when its log files are SSE-KMS encrypted. */
  readonly trailKeyArn: string | null;
  /** `backtestConcurrency`: most batches at once (default 40). */
  readonly maxConcurrency: number;
  /** `backtestResultsDays`: days a run's results are kept (default 7). */
  readonly resultsExpirationDays: number;
}

export const DEFAULT_BACKTEST_CONCURRENCY = 40;
export const DEFAULT_BACKTEST_RESULTS_DAYS = 7;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

function backtestConfig(ctx: Context): BacktestConfig | null {
  const onCtx = str(ctx, 'backtest');
  const on = onCtx !== undefined && bool(onCtx, 'backtest');
  const bucket = str(ctx, 'backtestTrailBucket');
  const others = ['backtestTrailKey', 'backtestConcurrency', 'backtestResultsDays'].filter((k) => str(ctx, k) !== undefined);
  if (!on) {
    const set = [...(bucket !== undefined ? ['backtestTrailBucket'] : []), ...others];
    if (set.length > 0) throw new ConfigError(`context ${set[0]}: set backtest=true too (it configures the backtest fan-out)`);
    return null;
  }
  if (bucket === undefined) throw new ConfigError('context backtest: set backtestTrailBucket=BUCKET too (the trail bucket backtests read; the stack gets read-only access to its log files)');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw new ConfigError(`context backtestTrailBucket: "${bucket}" is not an S3 bucket name`);
  const key = str(ctx, 'backtestTrailKey');
  if (key !== undefined && !KMS_KEY_ARN.test(key)) throw new ConfigError(`context backtestTrailKey: "${key}" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID; an alias cannot be granted)`);
  return {
    trailBucket: bucket,
    trailKeyArn: key ?? null,
    maxConcurrency: integerSetting(ctx, 'backtestConcurrency', undefined, 1, 10_000) ?? DEFAULT_BACKTEST_CONCURRENCY,
    resultsExpirationDays: integerSetting(ctx, 'backtestResultsDays', undefined, 1, 365) ?? DEFAULT_BACKTEST_RESULTS_DAYS,
  };
}

export interface HeartbeatConfig {
  /** How long a region may be silent before its alarm fires, ms (a multiple of the 15-minute interval). */
  readonly maxSilenceMs: number;
}

/**
 * The keys that turn the one-region stack into a hub with spokes (infra/org/plan.ts reads them).
 * All empty/null means a single-region deploy, synthesized exactly as before they existed.
 */
export interface CoverageKeys {
  /** `account`: the hub's account id, or null for the CDK environment's. */
  readonly account: string | null;
  /** `region`: the hub's home region, or null for the CDK environment's. */
  readonly region: string | null;
  /** `regions`: every region to watch (the home region included or not); empty when unset. */
  readonly regions: readonly string[];
  /** `organizationId`: the organization whose accounts may put events on the hub bus, or null. */
  readonly organizationId: string | null;
  /** `organizationalUnitIds`: roots/OUs the spoke StackSet deploys to; empty for no StackSet. */
  readonly organizationalUnitIds: readonly string[];
  /** `spokeAccounts`: other accounts admitted to the hub bus, each with spoke stacks in this app. */
  readonly spokeAccounts: readonly string[];
  /** `stackSetCallAs`: how the hub account creates the service-managed StackSet. */
  readonly stackSetCallAs: 'SELF' | 'DELEGATED_ADMIN';
}

export class ConfigError extends Error {}

/** Default reserved concurrency of the mute page (people opening links: a handful at a time). */
export const DEFAULT_MUTE_PAGE_CONCURRENCY = 5;

/** A whole number in [min, max] from context (a string) or the config file, or undefined when neither is set. */
function integerSetting(ctx: Context, key: string, fileValue: number | undefined, min: number, max: number): number | undefined {
  const text = str(ctx, key);
  if (text === undefined) return fileValue;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ConfigError(`context ${key}: must be a whole number from ${min} to ${max}, got "${text}"`);
  return Number(text);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

type Context = (key: string) => unknown;

function str(ctx: Context, key: string): string | undefined {
  const v = ctx(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ConfigError(`context ${key}: must be a string`);
  return String(v);
}

function bool(value: string, key: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new ConfigError(`context ${key}: must be true or false, got "${value}"`);
}

/** `critical|high` or `critical,high`. */
export function parseSeverities(value: string, key: string): Severity[] {
  const list = value.split(/[|,]/).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new ConfigError(`context ${key}: list at least one severity (${SEVERITIES.join(', ')})`);
  for (const s of list) {
    if (!(SEVERITIES as readonly string[]).includes(s)) throw new ConfigError(`context ${key}: unknown severity "${s}" (use ${SEVERITIES.join(', ')})`);
  }
  return [...new Set(list)] as Severity[];
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

function slackConfig(ctx: Context, base: DeployConfigFile): SlackConfig | null {
  const secret = str(ctx, 'slackWebhookSecret') ?? base.slack?.webhookSecret;
  const sevCtx = str(ctx, 'slackSeverities');
  if (!secret) {
    if (sevCtx) throw new ConfigError('context slackSeverities: set slackWebhookSecret too (the secret that holds the Slack webhook URL)');
    return null;
  }
  if (/^https?:\/\//i.test(secret)) {
    throw new ConfigError('context slackWebhookSecret: this looks like the webhook URL itself; store it in AWS Secrets Manager and pass the secret\'s name (see README)');
  }
  if (!SECRET_NAME.test(secret) && !SECRET_ARN.test(secret)) throw new ConfigError(`context slackWebhookSecret: "${secret}" is not a Secrets Manager secret name or ARN`);
  const severities = sevCtx ? parseSeverities(sevCtx, 'slackSeverities') : base.slack?.severities;
  return { webhookSecret: secret, ...(severities ? { severities } : {}) };
}

function chatbotConfig(ctx: Context, base: DeployConfigFile): ChatbotConfig | null {
  const workspaceId = str(ctx, 'chatbotWorkspaceId') ?? base.chatbot?.workspaceId;
  const channelId = str(ctx, 'chatbotChannelId') ?? base.chatbot?.channelId;
  const sevCtx = str(ctx, 'chatbotSeverities');
  if (!workspaceId && !channelId) {
    if (sevCtx) throw new ConfigError('context chatbotSeverities: set chatbotWorkspaceId and chatbotChannelId too');
    return null;
  }
  if (!workspaceId) throw new ConfigError('context chatbotWorkspaceId: required with chatbotChannelId (the Slack workspace id, e.g. T0123ABCD)');
  if (!channelId) throw new ConfigError('context chatbotChannelId: required with chatbotWorkspaceId (the Slack channel id, e.g. C0123ABCD)');
  if (!/^[0-9A-Z]{1,255}$/.test(workspaceId)) throw new ConfigError(`context chatbotWorkspaceId: "${workspaceId}" is not a Slack workspace id (like T0123ABCD)`);
  if (!/^[A-Za-z0-9]{1,255}$/.test(channelId)) throw new ConfigError(`context chatbotChannelId: "${channelId}" is not a Slack channel id (like C0123ABCD)`);
  const severities = sevCtx ? parseSeverities(sevCtx, 'chatbotSeverities') : base.chatbot?.severities;
  return { workspaceId, channelId, ...(severities ? { severities } : {}) };
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const OU_ID = /^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/;

/**
 * A list from context (`a,b` or `a|b`, or an array in cdk.json) or else from the config file, each
 * item checked; `label` names where it came from in messages (`context regions`, `config regions`).
 */
function listKey(ctx: Context, key: string, fromFile: readonly string[] | undefined, check: (item: string, label: string) => void): string[] {
  const raw = ctx(key);
  let items: string[];
  let label = `context ${key}`;
  if (Array.isArray(raw)) {
    if (!raw.every((v) => typeof v === 'string')) throw new ConfigError(`context ${key}: must be a list of strings`);
    items = raw.map((v) => v.trim()).filter(Boolean);
  } else {
    const text = str(ctx, key);
    if (text === undefined) {
      items = [...(fromFile ?? [])];
      label = `config ${key}`;
    } else {
      items = text.split(/[|,]/).map((v) => v.trim()).filter(Boolean);
      if (items.length === 0) throw new ConfigError(`${label}: list at least one value`);
    }
  }
  for (const item of items) check(item, label);
  return [...new Set(items)];
}

function checkRegion(value: string, label: string): void {
  if (!REGION.test(value)) throw new ConfigError(`${label}: "${value}" is not an AWS region like eu-west-1`);
  // aws-facts: a rule cannot target an event bus in another region in China or GovCloud.
  if (/^(cn|us-gov|us-iso[a-z]*)-/.test(value)) {
    throw new ConfigError(`${label}: "${value}": EventBridge cannot forward events across regions in the China, GovCloud or isolated partitions; deploy a separate rekwatch there`);
  }
}

function checkAccount(value: string, label: string): void {
  if (!ACCOUNT.test(value)) throw new ConfigError(`${label}: "${value}" is not a 12-digit AWS account id`);
}

function coverageKeys(ctx: Context, base: DeployConfigFile): CoverageKeys {
  const account = str(ctx, 'account') ?? base.account ?? null;
  if (account !== null) checkAccount(account, str(ctx, 'account') ? 'context account' : 'config account');
  const region = str(ctx, 'region') ?? base.region ?? null;
  if (region !== null) checkRegion(region, str(ctx, 'region') ? 'context region' : 'config region');
  const regions = listKey(ctx, 'regions', base.regions, checkRegion);
  const organizationId = str(ctx, 'organizationId') ?? base.organizationId ?? null;
  if (organizationId !== null && !ORGANIZATION_ID.test(organizationId)) {
    throw new ConfigError(`${str(ctx, 'organizationId') ? 'context' : 'config'} organizationId: "${organizationId}" is not an AWS Organizations id like o-abc123defg`);
  }
  const organizationalUnitIds = listKey(ctx, 'organizationalUnitIds', base.organizationalUnitIds, (v, label) => {
    if (!OU_ID.test(v)) throw new ConfigError(`${label}: "${v}" is not an organization root id (r-...) or OU id (ou-...-...)`);
  });
  if (organizationalUnitIds.length > 0 && organizationId === null) {
    throw new ConfigError('context organizationalUnitIds: set organizationId too (o-...): the hub bus admits the organization\'s accounts by its id');
  }
  const spokeAccounts = listKey(ctx, 'spokeAccounts', base.spokeAccounts, checkAccount);
  const callAsCtx = str(ctx, 'stackSetCallAs');
  const stackSetCallAs = callAsCtx ?? base.stackSetCallAs ?? 'DELEGATED_ADMIN';
  if (stackSetCallAs !== 'SELF' && stackSetCallAs !== 'DELEGATED_ADMIN') {
    throw new ConfigError(`context stackSetCallAs: must be SELF (the hub is the management account) or DELEGATED_ADMIN (a delegated administrator), got "${stackSetCallAs}"`);
  }
  if ((callAsCtx ?? base.stackSetCallAs) !== undefined && organizationalUnitIds.length === 0) {
    throw new ConfigError('context stackSetCallAs: set organizationalUnitIds too (only the spoke StackSet uses it)');
  }
  return { account, region, regions, organizationId, organizationalUnitIds, spokeAccounts, stackSetCallAs };
}

function heartbeatConfig(ctx: Context, base: DeployConfigFile): HeartbeatConfig | null {
  const onCtx = str(ctx, 'heartbeat');
  const on = onCtx !== undefined ? bool(onCtx, 'heartbeat') : (base.heartbeat ?? false);
  const silenceCtx = str(ctx, 'heartbeatMaxSilence');
  const silence = silenceCtx ?? base.heartbeatMaxSilence;
  const label = silenceCtx !== undefined ? 'context heartbeatMaxSilence' : 'config heartbeatMaxSilence';
  if (!on) {
    if (silence !== undefined) throw new ConfigError(`${label}: set heartbeat=true too (it is the heartbeat's alarm threshold)`);
    return null;
  }
  if (silence === undefined) return { maxSilenceMs: DEFAULT_HEARTBEAT_MAX_SILENCE_MS };
  const ms = parseDuration(silence);
  const step = HEARTBEAT_INTERVAL_MINUTES * 60_000;
  if (ms === null || ms < MIN_HEARTBEAT_MAX_SILENCE_MS || ms > MAX_HEARTBEAT_MAX_SILENCE_MS || ms % step !== 0) {
    throw new ConfigError(`${label}: "${silence}" must be a duration from 30m to 24h in steps of ${HEARTBEAT_INTERVAL_MINUTES}m (like 2h or 45m): heartbeats come every ${HEARTBEAT_INTERVAL_MINUTES} minutes`);
  }
  return { maxSilenceMs: ms };
}

/** `a@x.com` or `a@x.com:critical|high`, comma-separated. */
export function parseEmailRoutes(value: string, key = 'alertEmail'): EmailRoute[] {
  return value.split(',').map((part) => {
    const [address, sev] = part.trim().split(':');
    if (!address || !EMAIL.test(address)) throw new ConfigError(`context ${key}: "${part.trim()}" is not an email address`);
    if (sev === undefined) return { address };
    const severities = sev.split('|').map((s) => s.trim());
    for (const s of severities) {
      if (!(SEVERITIES as readonly string[]).includes(s)) throw new ConfigError(`context ${key}: unknown severity "${s}" for ${address} (use ${SEVERITIES.join(', ')})`);
    }
    return { address, severities: severities as Severity[] };
  });
}

export function loadConfig(ctx: Context): DeployConfig {
  const file = str(ctx, 'config');
  let base: DeployConfigFile = {};
  if (file) {
    try {
      base = readDeployConfigFile(file);
    } catch (e) {
      throw e instanceof ConfigFileError ? new ConfigError(e.message) : e;
    }
  }
  const alertEmailCtx = str(ctx, 'alertEmail');
  const alertEmails = alertEmailCtx ? parseEmailRoutes(alertEmailCtx) : (base.alertEmails ?? []);
  const alarmCtx = str(ctx, 'alarmEmail');
  const alarmEmails = alarmCtx ? parseEmailRoutes(alarmCtx, 'alarmEmail').map((r) => r.address) : (base.alarmEmails ?? alertEmails.map((r) => r.address));
  const sourcesCtx = str(ctx, 'eventSources');
  const eventSources = sourcesCtx ? sourcesCtx.split(',').map((s) => s.trim()).filter(Boolean) : (base.eventSources ?? ['rekognition.amazonaws.com']);
  for (const s of eventSources) {
    if (!/^[a-z0-9-]+\.amazonaws\.com$/.test(s)) throw new ConfigError(`context eventSources: "${s}" is not a CloudTrail eventSource like rekognition.amazonaws.com`);
  }
  const trailCtx = str(ctx, 'createTrail');
  const coverage = coverageKeys(ctx, base);
  const retentionCtx = str(ctx, 'logRetentionDays');
  const logRetentionDays = retentionCtx !== undefined ? Number(retentionCtx) : (base.logRetentionDays ?? 90);
  if (!RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ConfigError(`context logRetentionDays: must be one of CloudWatch Logs' retention periods (${RETENTION_DAYS.join(', ')}), got ${retentionCtx ?? logRetentionDays}`);
  }
  const busCtx = str(ctx, 'alertBus');
  const linksCtx = str(ctx, 'muteLinks');
  const maxMuteText = base.mutes?.maxDuration ?? '30d';
  const maxMute = parseDuration(maxMuteText);
  if (maxMute === null) throw new ConfigError(`config mutes.maxDuration: "${maxMuteText}" is not a duration (like 7d)`);
  const listOverrides: Record<string, string[]> = { ...(base.lists ?? {}) };
  const listOrigins: Record<string, ListOrigin> = Object.fromEntries(Object.keys(listOverrides).map((name) => [name, { file: file ?? 'config', field: `lists.${name}` }]));
  const trustedCtx = str(ctx, 'trustedNetworks');
  if (trustedCtx) {
    listOverrides['trusted-networks'] = trustedCtx.split(',').map((s) => s.trim()).filter(Boolean);
    listOrigins['trusted-networks'] = { file: 'context', field: 'trustedNetworks' };
  }
  return {
    rulesDir: str(ctx, 'rulesDir') ?? base.rulesDir ?? 'rules',
    alertEmails,
    alarmEmails,
    eventSources,
    // An organization is assumed to have an organization trail (every member account and region).
    createTrail: trailCtx !== undefined ? bool(trailCtx, 'createTrail') : (base.createTrail ?? coverage.organizationId === null),
    logRetentionDays,
    alertBus: busCtx ?? base.alertBus ?? null,
    listOverrides,
    listOrigins,
    accountNames: base.accountNames ?? {},
    slack: slackConfig(ctx, base),
    chatbot: chatbotConfig(ctx, base),
    muteLinks: linksCtx !== undefined ? bool(linksCtx, 'muteLinks') : true,
    maxMuteMs: maxMute,
    mutePageConcurrency: integerSetting(ctx, 'mutePageConcurrency', base.concurrency?.mutePage, 1, 100) ?? DEFAULT_MUTE_PAGE_CONCURRENCY,
    evaluateConcurrency: integerSetting(ctx, 'evaluateConcurrency', base.concurrency?.evaluate, 1, 10_000) ?? null,
    coverage,
    heartbeat: heartbeatConfig(ctx, base),
    backtest: backtestConfig(ctx),
    detectionPath: detectionPathSetting(ctx),
    queueBatchSize: integerSetting(ctx, 'queueBatchSize', undefined, 10, 10_000) ?? DEFAULT_BATCH_SIZE,
    detectLatenessMs: durationSetting(ctx, 'detectLateness', 1_000, 86_400_000, '1s to 1d (like 15m)'),
    firstSeenMemoryMs: durationSetting(ctx, 'firstSeenMemory', 3_600_000, 400 * 86_400_000, '1h to 400d (like 30d)'),
  };
}

function durationSetting(ctx: Context, key: string, min: number, max: number, range: string): number | null {
  const text = str(ctx, key);
  if (text === undefined) return null;
  const ms = parseDuration(text);
  if (ms === null || ms < min || ms > max) throw new ConfigError(`context ${key}: "${text}" must be a duration from ${range}`);
  return ms;
}

function detectionPathSetting(ctx: Context): DetectionPathSetting {
  const value = str(ctx, 'detectionPath') ?? 'auto';
  if (!(DETECTION_PATHS as readonly string[]).includes(value)) throw new ConfigError(`context detectionPath: must be ${DETECTION_PATHS.join(', ')}, got "${value}"`);
  return value as DetectionPathSetting;
}

/**
 * What `cdk synth` would refuse in a deployment config file on its own (no context values), or
 * undefined: `rekwatch validate --config FILE` reports it, so a setting only synth checks (a
 * heartbeat silence off the 15-minute grid, OUs without the organization) fails before a deploy.
 */
export function deployConfigProblem(path: string): string | undefined {
  try {
    loadConfig((key) => (key === 'config' ? path : undefined));
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}
