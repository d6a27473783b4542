/**
 * The channel-neutral content of an alert message (pure): the one-sentence summary, the who / what /
 * where / when facts, the links, the raw event excerpt. Email, Slack and AWS Chatbot render this
 * same content, each with its own escaping and limits.
 *
 * Every value taken from the CloudTrail event has its hidden characters made visible here
 * (`reveal`); escaping for the output format is the renderer's job.
 */
import { excerpt } from '../alert/excerpt';
import { isPlainObject } from '../common/json-value';
import { shortArn } from '../common/text';
import { SEVERITIES, type Alert, type AlertThreshold, type Severity } from '../common/types';
import { requestParametersOf, resourceFields, type ResourceField } from './resource';
import { reveal } from './text';

/** Upper bound of the raw event excerpt in messages (the alert's own excerpt is bounded the same way). */
export const RECORD_EXCERPT_BYTES = 8192;

export interface Fact {
  label: string;
  /** Visible text (hidden characters revealed), not escaped. */
  value: string;
  /** Copyable identifier (ARN, IP, ID): monospace / code span. */
  code: boolean;
}

/** A piece of the summary sentence: our words, or a value from the event (rendered as code). */
export interface Segment {
  text: string;
  kind: 'text' | 'value' | 'strong';
}

export interface AlertView {
  /** The severity as text (hidden characters revealed). */
  severity: string;
  /** The severity when it is one of the five known ones, for colour and emoji lookups; else null. */
  severityKey: Severity | null;
  /** `HIGH`, `CRITICAL`, ... */
  severityLabel: string;
  ruleId: string;
  ruleName: string;
  /** The rule's description, hidden characters revealed except line breaks (kept as `\n`). */
  description: string;
  summary: Segment[];
  /** The principal in short form (`assumed-role/Admin/alice`). */
  principalShort: string;
  who: Fact[];
  what: Fact[];
  where: Fact[];
  when: Fact[];
  resources: ResourceField[];
  /** http(s) URL of the event in the CloudTrail console, or null when the alert's is unusable. */
  consoleUrl: string | null;
  /** http(s) URL of the runbook, or null. */
  runbookUrl: string | null;
  /** A runbook that is not an http(s) URL (a file path, a wiki name), shown as text; else null. */
  runbookText: string | null;
  /** Signed mute links (validated http(s) URLs only), in the order to show them. */
  muteLinks: Array<{ label: string; url: string }>;
  tags: string[];
  eventId: string;
  eventName: string;
  alertId: string;
  /** The account that recorded this copy of the call: the CloudTrail link opens only when signed in to it. */
  account: string;
  /** Its configured display name (deployment config `accountNames`), or null. */
  accountName: string | null;
  /** `111122223333 (prod-vision)`, or the id alone. */
  accountLabel: string;
  /** Short form for subjects and headers: the name when there is one, else the id; with the region (`prod-vision/us-east-1`). */
  whereShort: string;
  region: string;
  /** The other accounts' copies of this cross-account call known when the alert was delivered (`alert.recordedBy`). */
  otherCopies: Array<{ account: string; accountLabel: string; eventId: string }>;
  /** CloudTrail's sharedEventID of a cross-account call, or null. */
  sharedEventId: string | null;
  sourceIp: string;
  /** Pretty JSON of the bounded record excerpt; hidden characters as JSON `\uXXXX` escapes. */
  recordJson: string;
  recordTruncated: boolean;
  /** Alert fields cut to fit a message size limit (`alert.trimmed`), largest first; empty when none were. */
  trimmed: string[];
}

export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

/** Longest URL kept for a link (Slack's button limit; browsers and mail clients cope). */
export const URL_MAX = 3000;

/**
 * The URL as a safe link target: http or https, no embedded credentials (`https://aws.amazon.com@evil`),
 * at most 3,000 characters once normalised; otherwise null.
 */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value === '' || value.length > URL_MAX) return null;
  // URL parsing drops tabs and newlines silently; a link with them was not meant as one.
  if (/[\s\p{Cc}]/u.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href.length <= URL_MAX ? url.href : null;
}

/** Reveals hidden characters but keeps line breaks (for multi-line rule text). */
export function revealMultiline(value: string): string {
  return value.replace(/\r\n?/g, '\n').split('\n').map(reveal).join('\n');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function get(obj: unknown, key: string): unknown {
  return isPlainObject(obj) ? obj[key] : undefined;
}

const JSON_HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115F\u1160\u3164\uFFA0\u180B-\u180F\uFE00-\uFE0F]/gu;

/** Pretty JSON with every hidden character written as a `\uXXXX` escape (still valid JSON). */
export function revealedJson(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    json = JSON.stringify(String(value));
  }
  // Inside JSON strings C0 controls are already escaped, so a raw line break is layout: keep it.
  return json.replace(JSON_HIDDEN, (ch) =>
    ch === '\n' ? ch : Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

function mfaText(mfa: boolean | null): string {
  if (mfa === true) return 'yes';
  if (mfa === false) return 'no';
  return 'unknown (not in the record, e.g. a long-term access key)';
}

/** A configured account name from the alert (own properties only), hidden characters revealed; else null. */
function nameOf(alert: Alert, account: string | undefined): string | null {
  const names = alert.accountNames;
  if (!isPlainObject(names) || account === undefined || !Object.prototype.hasOwnProperty.call(names, account)) return null;
  const name = names[account];
  return typeof name === 'string' && name !== '' ? reveal(name) : null;
}

function labelOf(account: string, name: string | null): string {
  return name ? `${account} (${name})` : account;
}

/** `alert.recordedBy` without the alert's own copy, checked (the alert may come from a message). */
function otherCopiesOf(alert: Alert): Array<{ account: string; eventId: string }> {
  if (!Array.isArray(alert.recordedBy)) return [];
  return alert.recordedBy
    .filter((c): c is { account: string; eventId: string } => isPlainObject(c) && typeof c.account === 'string' && c.account !== '' && typeof c.eventId === 'string' && c.eventId !== '')
    .filter((c) => !(c.account === alert.account && c.eventId === alert.eventId))
    .slice(0, 10);
}

/** What a threshold alert counted, in words: `200 matching calls` / `12 distinct values of requestParameters.collectionId`. */
function countedText(t: AlertThreshold, n: number): string {
  const d = t.distinct;
  if (d && typeof d.fact === 'string') {
    const path = typeof d.path === 'string' && d.path.startsWith('$.') ? `${d.fact}.${d.path.slice(2)}` : d.fact;
    return `${n} distinct value${n === 1 ? '' : 's'} of ${reveal(path.slice(0, 120))}`;
  }
  return `${n} matching call${n === 1 ? '' : 's'}`;
}

/** A threshold alert's window key, `principalArn = arn:…; eventName = …`, bounded. */
function thresholdKeyText(t: AlertThreshold): string {
  const key = t.key && typeof t.key === 'object' ? Object.entries(t.key) : [];
  if (key.length === 0) return 'all matching calls together';
  const value = (v: unknown) => reveal((typeof v === 'string' ? v : (JSON.stringify(v) ?? 'none')).slice(0, 300));
  return key.slice(0, 5).map(([k, v]) => `${reveal(k.slice(0, 60))} = ${value(v)}`).join('; ');
}

/** A usable threshold on an alert (the fields the detect stage sets), else null. */
function thresholdOf(alert: Alert): AlertThreshold | null {
  const t = alert.threshold;
  return t && typeof t === 'object' && Number.isSafeInteger(t.count) && typeof t.window === 'string' && typeof t.windowStart === 'string' ? t : null;
}

function lowerFirst(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}

/** Builds the view of an alert that every channel renders. Total: never throws on odd field values. */
export function alertView(alert: Alert): AlertView {
  const s = (v: unknown, fallback = 'unknown'): string => reveal(typeof v === 'string' && v !== '' ? v : fallback);
  const severity = typeof alert.severity === 'string' ? reveal(alert.severity.toLowerCase()) : 'medium';
  // A plain lookup would find `__proto__`, `constructor`... on Object.prototype: check membership.
  const severityKey = (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : null;
  const severityLabel = severityKey ? SEVERITY_LABELS[severityKey] : s(alert.severity, 'ALERT').toUpperCase() || 'ALERT';
  const principal = s(alert.principal);
  const principalShort = reveal(shortArn(typeof alert.principal === 'string' && alert.principal !== '' ? alert.principal : 'unknown'));
  const eventName = s(alert.eventName);
  const account = s(alert.account);
  const accountName = nameOf(alert, typeof alert.account === 'string' ? alert.account : undefined);
  const accountLabel = labelOf(account, accountName);
  const region = s(alert.region);
  const otherCopies = otherCopiesOf(alert).map((c) => ({ account: reveal(c.account), accountLabel: labelOf(reveal(c.account), nameOf(alert, c.account)), eventId: reveal(c.eventId) }));
  const sharedEventId = typeof alert.sharedEventId === 'string' && alert.sharedEventId !== '' ? reveal(alert.sharedEventId) : null;
  const sourceIp = s(alert.sourceIp);
  const eventTime = s(alert.eventTime);
  const record = alert.record;
  const errorCode = typeof alert.errorCode === 'string' && alert.errorCode !== '' ? reveal(alert.errorCode) : null;
  const errorMessage = str(get(record, 'errorMessage'));
  const callerAccount = str(get(get(record, 'userIdentity'), 'accountId'));
  const vpcEndpoint = str(get(record, 'vpcEndpointId'));
  const resources = resourceFields(typeof alert.eventName === 'string' ? alert.eventName : '', requestParametersOf(record)).map((r) => ({
    label: r.label,
    value: reveal(r.value),
  }));
  const mfa = alert.mfaAuthenticated === true || alert.mfaAuthenticated === false ? alert.mfaAuthenticated : null;

  const summary: Segment[] = [
    { text: principalShort, kind: 'value' },
    { text: ' called ', kind: 'text' },
    { text: eventName, kind: 'value' },
  ];
  const main = resources[0];
  if (main && main.label !== 'Request parameters') {
    summary.push({ text: ` on ${lowerFirst(main.label)} `, kind: 'text' }, { text: main.value, kind: 'value' });
  }
  summary.push(
    { text: ' in account ', kind: 'text' },
    { text: account, kind: 'value' },
    { text: accountName ? ` (${accountName}, ` : ' (', kind: 'text' },
    { text: region, kind: 'value' },
    { text: ') from ', kind: 'text' },
    { text: sourceIp, kind: 'value' },
    { text: ', ', kind: 'text' },
    mfa === false ? { text: 'without MFA', kind: 'strong' } : { text: mfa === true ? 'with MFA' : 'MFA unknown', kind: 'text' },
    { text: ', at ', kind: 'text' },
    { text: eventTime, kind: 'value' },
    { text: '.', kind: 'text' },
  );
  if (errorCode) summary.push({ text: ' The call failed with ', kind: 'text' }, { text: errorCode, kind: 'value' }, { text: '.', kind: 'text' });
  const threshold = thresholdOf(alert);
  if (threshold) {
    const reached = Number.isSafeInteger(threshold.reached) ? threshold.reached : threshold.count;
    summary.push(
      { text: ' It reached the threshold: ', kind: 'text' },
      { text: `${countedText(threshold, reached)} within ${reveal(threshold.window.slice(0, 20))}`, kind: 'strong' },
      { text: ' since ', kind: 'text' },
      { text: reveal(threshold.windowStart.slice(0, 40)), kind: 'value' },
      { text: Number.isSafeInteger(threshold.final) && threshold.final! > reached ? ` (${threshold.final} by the end of the window).` : '.', kind: 'text' },
    );
  }
  const held = alert.suppressedBefore;
  if (held && Number.isSafeInteger(held.count) && held.count > 0) {
    summary.push(
      { text: ' And ', kind: 'text' },
      { text: `${held.count} more`, kind: 'strong' },
      { text: ` alert${held.count === 1 ? '' : 's'} like it since `, kind: 'text' },
      { text: s(held.since), kind: 'value' },
      { text: ", held back by the rule's dedupe window.", kind: 'text' },
    );
  }

  const who: Fact[] = [
    { label: 'Principal', value: principal, code: true },
    { label: 'Principal type', value: s(alert.principalType), code: true },
  ];
  if (callerAccount && callerAccount !== alert.account) who.push({ label: 'Caller account', value: labelOf(reveal(callerAccount), nameOf(alert, callerAccount)), code: true });
  who.push({ label: 'MFA', value: mfaText(mfa), code: false });

  const what: Fact[] = [
    { label: 'Action', value: eventName, code: true },
    { label: 'Service', value: s(alert.eventSource), code: true },
    ...resources.map((r) => ({ label: r.label, value: r.value, code: true })),
    { label: 'Result', value: errorCode ? 'failed' : 'succeeded', code: false },
  ];
  if (errorCode) what.push({ label: 'Error code', value: errorCode, code: true });
  if (errorCode && errorMessage) what.push({ label: 'Error message', value: reveal(errorMessage), code: true });
  if (threshold) {
    what.push({ label: 'Threshold', value: `${countedText(threshold, threshold.count)} within ${reveal(threshold.window.slice(0, 20))}`, code: false });
    what.push({ label: 'Counted per', value: thresholdKeyText(threshold), code: true });
    what.push({ label: 'Window start', value: reveal(threshold.windowStart.slice(0, 40)), code: true });
    if (Number.isSafeInteger(threshold.final)) what.push({ label: 'In the window', value: `${threshold.final} when it closed`, code: false });
  }
  const where: Fact[] = [
    { label: 'Account', value: accountLabel, code: true },
    { label: 'Region', value: region, code: true },
    { label: 'Source IP', value: sourceIp, code: true },
    { label: 'User agent', value: s(alert.userAgent), code: true },
  ];
  if (vpcEndpoint) where.push({ label: 'VPC endpoint', value: reveal(vpcEndpoint), code: true });
  if (otherCopies.length) {
    where.push({ label: 'Also recorded by', value: otherCopies.map((c) => `${c.accountLabel} as event ${c.eventId}`).join('; '), code: false });
  }
  const when: Fact[] = [
    { label: 'Event time', value: eventTime, code: true },
    { label: 'Event ID', value: s(alert.eventId), code: true },
  ];
  if (sharedEventId) when.push({ label: 'Shared event ID', value: sharedEventId, code: true });

  const runbook = typeof alert.runbook === 'string' && alert.runbook !== '' ? alert.runbook : null;
  const runbookUrl = safeHttpUrl(runbook);
  const ex = excerpt(record, RECORD_EXCERPT_BYTES);
  return {
    severity,
    severityKey,
    severityLabel,
    ruleId: s(alert.ruleId),
    ruleName: s(alert.ruleName, s(alert.ruleId)),
    description: typeof alert.description === 'string' ? revealMultiline(alert.description.trim()) : '',
    summary,
    principalShort,
    who,
    what,
    where,
    when,
    resources,
    consoleUrl: safeHttpUrl(alert.consoleUrl),
    runbookUrl,
    runbookText: runbook !== null && runbookUrl === null ? reveal(runbook) : null,
    muteLinks: (Array.isArray(alert.muteLinks) ? alert.muteLinks : [])
      .slice(0, 5)
      .flatMap((l) => {
        const url = safeHttpUrl(l?.url);
        return url && typeof l.label === 'string' ? [{ label: reveal(l.label).slice(0, 60), url }] : [];
      }),
    tags: Array.isArray(alert.tags) ? alert.tags.filter((t): t is string => typeof t === 'string' && t !== '').map(reveal) : [],
    eventId: s(alert.eventId),
    eventName,
    alertId: s(alert.id),
    account,
    accountName,
    accountLabel,
    whereShort: account === 'unknown' && region === 'unknown' ? '' : `${accountName ?? account}/${region}`,
    region,
    otherCopies,
    sharedEventId,
    sourceIp,
    recordJson: revealedJson(ex.value),
    recordTruncated: alert.recordTruncated === true || ex.truncated,
    trimmed: (Array.isArray(alert.trimmed) ? alert.trimmed : [])
      .filter((t): t is string => typeof t === 'string' && t !== '')
      .slice(0, 20)
      .map((t) => reveal(t.slice(0, 40))),
  };
}

/** Where to sign in to open the CloudTrail link: Event history shows the signed-in account's events only. */
export function signInNote(view: AlertView): string {
  return view.account === 'unknown' ? 'sign in to the account that recorded the event to open it' : `sign in to account ${view.accountLabel} to open it`;
}

/** The summary as plain text. */
export function summaryText(view: AlertView): string {
  return view.summary.map((seg) => seg.text).join('');
}
