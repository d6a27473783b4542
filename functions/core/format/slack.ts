/**
 * Alert -> Slack Block Kit message for an incoming webhook or chat.postMessage (pure).
 *
 *   header   ":red_circle: HIGH · Face collection deleted without MFA · prod-vision/us-east-1"
 *   section  the one-sentence summary
 *   section  up to 10 fields: principal, type, MFA, action, resource, result, account/region,
 *            source IP, user agent, event time
 *   section  why the rule matters (its description)
 *   actions  "Open in CloudTrail" and "Open runbook" link buttons (only validated http(s) URLs)
 *   context  rule id, event id, the account to sign in to, other accounts' copies, tags
 * plus a one-line `text` fallback for notifications and clients that cannot show blocks.
 *
 * Safety: Slack parses `&`, `<` and `>` as control characters in mrkdwn (mentions such as
 * `<!channel>` and `<@U123>`, links such as `<http://x|y>`), so they are escaped as `&amp;`, `&lt;`,
 * `&gt;` in every text this module emits; it never emits a link or mention of its own in text, so
 * the output holds no `<` or `>` at all. Values from the event sit in code spans (no bold/italic/
 * strike, no auto-linking) with backticks replaced by `ˋ` (U+02CB) so they cannot close the span;
 * `@channel`/`@here`/`@everyone` get a full-width `＠`; mrkdwn texts are `verbatim` (no automatic
 * link or mention parsing); hidden characters are shown as `[U+202E]`.
 *
 * Limits (Block Kit): at most 50 blocks; section text 3,000 characters; at most 10 fields of 2,000;
 * header plain_text 150; button text 75 and url 3,000; context at most 10 elements. Every text is cut
 * to its limit between graphemes, never inside an escape sequence.
 */
import type { Alert, Severity } from '../common/types';
import { alertView, signInNote, type AlertView, type Fact } from './model';
import { clip, clipEscaped, escapeMrkdwn, safeCut } from './text';

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
  contextText: 2000,
  actionElements: 25,
  actionId: 255,
  /** Our own bound for the top-level fallback (Slack truncates notifications long before 40,000). */
  fallbackText: 3000,
} as const;

/** Longest value in a field: a 10,000-character user agent is cut well before Slack's limit. */
const FIELD_VALUE_MAX = 600;

export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};
export const DEFAULT_EMOJI = ':white_circle:';

/** `@channel`, `@here`, `@everyone` in event text become `＠channel`...: never a broadcast. */
function defuseBroadcasts(value: string): string {
  return value.replace(/@(?=(?:channel|here|everyone|group))/giu, '＠');
}

/**
 * Only the start of a long value can be shown: it is prepared (broadcasts defused, backticks
 * replaced) as far as it can reach the output, plus room for a mention cut at the edge, and stays
 * longer than `max`, so it is still cut and marked.
 */
function visiblePart(value: string, max: number): string {
  return value.length > max + 64 ? value.slice(0, max + 64) : value;
}

/** Text for mrkdwn (outside code spans), escaped and cut to at most `max` characters. */
export function mrkdwnClip(value: string, max: number): string {
  return clipEscaped(defuseBroadcasts(visiblePart(value, max)), max, escapeMrkdwn);
}

/**
 * A value as an inline code span of at most `max` characters including the backticks. Backticks
 * in the value become `ˋ` (U+02CB) so the value cannot close the span and start formatting.
 */
export function codeSpan(value: string, max: number): string {
  if (value === '') return '_(empty)_';
  return `\`${clipEscaped(defuseBroadcasts(visiblePart(value, max).replace(/`/g, 'ˋ')), Math.max(1, max - 2), escapeMrkdwn)}\``;
}

function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

function plain(text: string): Record<string, unknown> {
  return { type: 'plain_text', text, emoji: true };
}

/** `*Label*\nvalue` within the field limit. */
function fieldText(label: string, value: string, code: boolean): string {
  const head = `*${escapeMrkdwn(label)}*\n`;
  const budget = Math.min(FIELD_VALUE_MAX, SLACK_LIMITS.fieldText - head.length);
  return head + (code ? codeSpan(value, budget) : mrkdwnClip(value, budget));
}

function find(facts: Fact[], label: string): Fact | undefined {
  return facts.find((f) => f.label === label);
}

function summaryMrkdwn(v: AlertView): string {
  // Each value gets a fair share of the section so the sentence always ends.
  const share = Math.floor((SLACK_LIMITS.sectionText - 400) / Math.max(1, v.summary.filter((s) => s.kind === 'value').length));
  const text = v.summary
    .map((seg) => {
      if (seg.kind === 'value') return codeSpan(seg.text, Math.min(share, FIELD_VALUE_MAX));
      if (seg.kind === 'strong') return `*${mrkdwnClip(seg.text, 200)}*`;
      return mrkdwnClip(seg.text, 200);
    })
    .join('');
  return safeCut(text, SLACK_LIMITS.sectionText);
}

function fields(v: AlertView): Array<Record<string, unknown>> {
  const out: string[] = [];
  const add = (f: Fact | undefined, label?: string): void => {
    if (f) out.push(fieldText(label ?? f.label, f.value, f.code));
  };
  const principal = find(v.who, 'Principal');
  const caller = find(v.who, 'Caller account');
  if (principal) {
    let text = fieldText('Principal', principal.value, true);
    if (caller) {
      const extra = `\nfrom account ${codeSpan(caller.value, 40)}`;
      if (text.length + extra.length <= SLACK_LIMITS.fieldText) text += extra;
    }
    out.push(text);
  }
  add(find(v.who, 'Principal type'));
  add(find(v.who, 'MFA'));
  add(find(v.what, 'Action'));
  if (v.resources.length) {
    const head = `*${v.resources.length === 1 ? escapeMrkdwn(v.resources[0]!.label) : 'Resource'}*\n`;
    const lines =
      v.resources.length === 1
        ? [codeSpan(v.resources[0]!.value, Math.min(FIELD_VALUE_MAX, SLACK_LIMITS.fieldText - head.length))]
        : v.resources.map((r) => `${escapeMrkdwn(r.label)}: ${codeSpan(r.value, 300)}`);
    let text = head;
    for (const [i, line] of lines.entries()) {
      const sep = i === 0 ? '' : '\n';
      if (text.length + sep.length + line.length > SLACK_LIMITS.fieldText - 20) {
        text += `\n… (${lines.length - i} more)`;
        break;
      }
      text += sep + line;
    }
    out.push(text);
  }
  const code = find(v.what, 'Error code');
  if (code) {
    const message = find(v.what, 'Error message');
    out.push(`*Result*\nfailed: ${codeSpan(code.value, 300)}${message ? `\n${codeSpan(message.value, FIELD_VALUE_MAX)}` : ''}`);
  } else add(find(v.what, 'Result'));
  const account = find(v.where, 'Account');
  const region = find(v.where, 'Region');
  if (account && region) {
    out.push(`*Account / region*\n${codeSpan(v.account, 200)}${v.accountName ? ` ${mrkdwnClip(v.accountName, 100)}` : ''} / ${codeSpan(region.value, 100)}`);
  }
  add(find(v.where, 'Source IP'));
  add(find(v.where, 'User agent'));
  add(find(v.when, 'Event time'));
  return out.slice(0, SLACK_LIMITS.fields).map((t) => mrkdwn(safeCut(t, SLACK_LIMITS.fieldText)));
}

function buttons(v: AlertView): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (v.consoleUrl && v.consoleUrl.length <= SLACK_LIMITS.buttonUrl) {
    out.push({ type: 'button', text: plain('Open in CloudTrail'), url: v.consoleUrl, action_id: 'rekwatch-open-cloudtrail', style: 'primary' });
  }
  if (v.runbookUrl && v.runbookUrl.length <= SLACK_LIMITS.buttonUrl) {
    out.push({ type: 'button', text: plain('Open runbook'), url: v.runbookUrl, action_id: 'rekwatch-open-runbook' });
  }
  return out;
}

/** The one-line fallback: what Slack shows in notifications and where blocks cannot be drawn. */
function fallback(v: AlertView): string {
  const line = `[${clip(v.severityLabel, 20)}] ${clip(v.ruleName, 150)}: ${clip(v.eventName, 100)} by ${clip(v.principalShort, 200)} from ${clip(v.sourceIp, 100)} in ${clip(v.account, 50)}/${clip(v.region, 50)}${v.accountName ? ` (${clip(v.accountName, 60)})` : ''}`;
  return mrkdwnClip(line, SLACK_LIMITS.fallbackText);
}

export function formatSlack(alert: Alert): SlackMessage {
  const v = alertView(alert);
  const emoji = v.severityKey ? SEVERITY_EMOJI[v.severityKey] : DEFAULT_EMOJI;
  // Header is plain_text: no mrkdwn parsing, but escaped the same way so no `<`/`>` ever leaves here.
  // Account and region always show: the rule name is cut to leave room for them.
  const headerPrefix = `${emoji} ${mrkdwnClip(v.severityLabel, 40)} · `;
  const where = v.whereShort ? ` · ${mrkdwnClip(v.whereShort, 60)}` : '';
  const header = headerPrefix + mrkdwnClip(v.ruleName, SLACK_LIMITS.headerText - headerPrefix.length - where.length) + where;

  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: plain(header) },
    { type: 'section', text: mrkdwn(summaryMrkdwn(v)) },
    { type: 'section', fields: fields(v) },
  ];
  if (v.description) {
    const head = '*Why this matters*\n';
    blocks.push({ type: 'section', text: mrkdwn(head + mrkdwnClip(v.description, SLACK_LIMITS.sectionText - head.length)) });
  }
  if (v.runbookText) {
    const head = '*Runbook*\n';
    blocks.push({ type: 'section', text: mrkdwn(head + mrkdwnClip(v.runbookText, 1000 - head.length)) });
  }
  const actions = buttons(v);
  if (actions.length) blocks.push({ type: 'actions', elements: actions });
  const mutes = v.muteLinks.filter((l) => l.url.length <= SLACK_LIMITS.buttonUrl);
  if (mutes.length) {
    blocks.push({ type: 'actions', elements: mutes.map((l, i) => ({ type: 'button', text: plain(clip(l.label, SLACK_LIMITS.buttonText)), url: l.url, action_id: `rekwatch-mute-${i}` })) });
  }
  const context = [
    mrkdwn(`Rule ${codeSpan(v.ruleId, 300)} · event ${codeSpan(v.eventId, 300)}${v.recordTruncated ? ' · record excerpt' : ''}`),
  ];
  if (v.trimmed.length) context.push(mrkdwn(safeCut(`Shortened to fit the message size limit: ${v.trimmed.map((t) => codeSpan(t, 44)).join(' ')}`, SLACK_LIMITS.contextText)));
  if (!v.consoleUrl) context.push(mrkdwn(`No console link: look up the event ID in CloudTrail Event history (${codeSpan(v.region, 60)})`));
  context.push(mrkdwn(`CloudTrail: ${mrkdwnClip(signInNote(v), 400)}`));
  if (v.otherCopies.length) {
    const copies = v.otherCopies.map((c) => `${codeSpan(c.accountLabel, 120)} as event ${codeSpan(c.eventId, 120)}`).join(', ');
    context.push(mrkdwn(safeCut(`Also recorded by ${copies} (shared event ${codeSpan(v.sharedEventId ?? 'unknown', 120)})`, SLACK_LIMITS.contextText)));
  }
  if (v.tags.length) {
    const tags = v.tags.slice(0, 20).map((t) => codeSpan(t, 80)).join(' ');
    context.push(mrkdwn(safeCut(`Tags: ${tags}${v.tags.length > 20 ? ` … (${v.tags.length - 20} more)` : ''}`, SLACK_LIMITS.contextText)));
  }
  blocks.push({ type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements) });
  return { text: fallback(v), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
