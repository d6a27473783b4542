/**
 * Alert -> email (pure): an ASCII one-line subject under 100 characters, a plain-text body and an
 * HTML part with the same content. Both bodies lead with what happened in one sentence and the two
 * links that matter at 3 a.m. (the CloudTrail event and the runbook), then who / what / where /
 * when, why the rule matters, and the raw event excerpt.
 *
 * The HTML part is self-contained: no scripts, no external images, fonts or style sheets, inline
 * styles only; every value is HTML-escaped and only validated http(s) URLs become links.
 */
import { shortArn } from '../common/text';
import type { Alert, Severity } from '../common/types';
import { alertView, signInNote, summaryText, type AlertView, type Fact } from './model';
import { clip, escapeHtml, escapeHtmlText } from './text';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** SNS and most mail clients: a subject under 100 characters. */
export const EMAIL_SUBJECT_MAX = 99;
/** Longest value shown in a table row (the raw event excerpt follows). */
export const EMAIL_VALUE_MAX = 1000;
/** Longest rule description shown. */
export const EMAIL_DESCRIPTION_MAX = 4000;

/** ASCII only, one line: accents dropped, anything else non-ASCII (or hidden) becomes `?`. */
function ascii(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/[^\x20-\x7e]+/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
}

function cutAscii(value: string, max: number): string {
  if (value.length <= max) return value;
  return max <= 3 ? value.slice(0, Math.max(0, max)) : `${value.slice(0, max - 3).trimEnd()}...`;
}

/** Cuts the middle out: both the role and the session name of `assumed-role/Role/session` stay readable. */
function cutMiddle(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 9) return cutAscii(value, max);
  const head = Math.ceil((max - 3) / 2);
  const tail = max - 3 - head;
  return `${value.slice(0, head)}...${value.slice(value.length - tail)}`;
}

/**
 * Shortens a principal (`assumed-role/Role/session`, `user/name`) keeping its last part whole (the
 * session or user name: usually the person), then as much of the role as fits.
 */
function cutPrincipal(who: string, max: number): string {
  if (who.length <= max) return who;
  const slash = who.lastIndexOf('/');
  const last = who.slice(slash + 1);
  if (slash >= 0 && last.length + 8 > max && last.length <= max) return last; // the session or user name alone
  if (slash < 0 || last.length + 8 > max) return cutMiddle(who, max);
  return `${cutAscii(who.slice(0, slash).replace(/^assumed-role\//, ''), max - last.length - 1)}/${last}`;
}

/** However long the rule name, the principal keeps this many characters (the rule name is cut first). */
const SUBJECT_PRINCIPAL_KEEP = 16;
/** Longest account name (or id) and region in the subject. */
const SUBJECT_ACCOUNT_MAX = 24;
const SUBJECT_REGION_MAX = 16;

/**
 * `[HIGH] Face collection deleted without MFA in prod-vision/us-east-1: DeleteCollection by
 * assumed-role/Admin/alice`, always ASCII, one line and at most 99 characters. Severity, rule name,
 * the account (its configured name, else its id) and region, and the principal always survive: the
 * event name is dropped first, then the principal is shortened to its last part (the session or
 * user name), then the rule name loses its end, the principal keeping at least 16 characters.
 */
export function emailSubject(alert: Alert): string {
  const view = alertView(alert);
  const sev = cutAscii(ascii(typeof alert.severity === 'string' ? alert.severity.toUpperCase() : '') || 'ALERT', 12);
  const tag = `[${sev}]`;
  const name = ascii(typeof alert.ruleName === 'string' ? alert.ruleName : '') || ascii(String(alert.ruleId ?? '')) || 'rekwatch alert';
  const event = cutAscii(ascii(typeof alert.eventName === 'string' ? alert.eventName : ''), 40);
  const who = ascii(shortArn(typeof alert.principal === 'string' ? alert.principal : '')) || 'unknown principal';
  const account = cutAscii(ascii(view.accountName ?? view.account), SUBJECT_ACCOUNT_MAX);
  const where = view.whereShort ? ` in ${account || 'unknown'}/${cutAscii(ascii(view.region), SUBJECT_REGION_MAX) || 'unknown'}` : '';
  const full = `${tag} ${name}${where}${event ? `: ${event}` : ''} by ${who}`;
  if (full.length <= EMAIL_SUBJECT_MAX) return full;
  const withoutEvent = `${tag} ${name}${where} by ${who}`;
  if (withoutEvent.length <= EMAIL_SUBJECT_MAX) return withoutEvent;
  const person = who.slice(who.lastIndexOf('/') + 1); // the session or user name
  const byPerson = `${tag} ${name}${where} by ${person}`;
  if (person !== '' && person !== who && byPerson.length <= EMAIL_SUBJECT_MAX) return byPerson;
  const room = EMAIL_SUBJECT_MAX - tag.length - ' '.length - where.length - ' by '.length;
  const nameLength = Math.min(name.length, Math.max(room - SUBJECT_PRINCIPAL_KEEP, room - who.length));
  return `${tag} ${cutAscii(name, nameLength)}${where} by ${cutPrincipal(who, room - nameLength)}`;
}

/** Cuts a long value, saying how much was left out. */
function clipNoted(value: string, max: number): string {
  if (value.length <= max) return value;
  const kept = clip(value, max, '');
  const rest = Array.from(value.slice(kept.length)).length; // code points

  return `${kept}… (${rest.toLocaleString('en-US')} more characters)`;
}

const SECTIONS = (v: AlertView): Array<[string, Fact[]]> => [
  ['Who', v.who],
  ['What', v.what],
  ['Where', v.where],
  ['When', v.when],
];

function runbookLine(v: AlertView): string {
  return v.runbookUrl ?? v.runbookText ?? '(none: see the rule description below)';
}

/** Says which values were shortened to fit the message size limit (alert-fit.ts). */
function trimmedNote(v: AlertView): string {
  return `to fit the message size limit, these values were shortened: ${v.trimmed.join(', ')}. The trail log file or CloudTrail Event history has the whole event.`;
}

const HISTORY_NOTE =
  'CloudTrail Event history keeps management events for 90 days; after that the trail log files in S3 are the evidence.';

function plainText(v: AlertView): string {
  const facts = SECTIONS(v);
  const width = Math.max(...facts.flatMap(([, fs]) => fs.map((f) => f.label.length)));
  const lines: string[] = [
    `[${clip(v.severityLabel, 40)}] ${clip(v.ruleName, 200)}`,
    `Account ${clip(v.accountLabel, 200)}, region ${clip(v.region, 50)}`,
    '',
    clipNoted(summaryText(v), 3 * EMAIL_VALUE_MAX),
    '',
    `  CloudTrail event: ${v.consoleUrl ?? `(no console link: look up event ID ${clip(v.eventId, 200)} in ${clip(v.region, 50)})`}`,
    `                    ${clip(signInNote(v), 300)}`,
    `  Runbook:          ${clipNoted(runbookLine(v), EMAIL_VALUE_MAX)}`,
  ];
  // Signed links to a confirmation page: opening one changes nothing until you confirm.
  v.muteLinks.forEach((l, i) => lines.push(`  ${i === 0 ? 'Too noisy?' : ''}`.padEnd(20) + `${l.label}: ${l.url}`));
  for (const [title, fs] of facts) {
    lines.push('', title.toUpperCase());
    for (const f of fs) lines.push(`  ${f.label.padEnd(width)}  ${clipNoted(f.value, EMAIL_VALUE_MAX)}`);
  }
  lines.push('', `WHY THIS MATTERS (rule ${clip(v.ruleId, 200)}, severity ${clip(v.severity, 40)})`);
  lines.push(v.description ? clipNoted(v.description, EMAIL_DESCRIPTION_MAX) : '(the rule has no description)');
  if (v.tags.length) lines.push('', `Tags: ${clipNoted(v.tags.join(', '), EMAIL_VALUE_MAX)}`);
  if (v.trimmed.length) lines.push('', `NOTE: ${trimmedNote(v)}`);
  lines.push('', `RAW EVENT${v.recordTruncated ? ' (excerpt: long values and arrays shortened)' : ''}`, v.recordJson);
  lines.push('', '-- ', `rekwatch alert ${clip(v.alertId, 500)}`, HISTORY_NOTE, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// HTML

const COLORS: Readonly<Record<Severity, { bg: string; fg: string }>> = {
  critical: { bg: '#8e0000', fg: '#ffffff' },
  high: { bg: '#d93025', fg: '#ffffff' },
  medium: { bg: '#e37400', fg: '#ffffff' },
  low: { bg: '#f9ab00', fg: '#202124' },
  info: { bg: '#1a73e8', fg: '#ffffff' },
};
const DEFAULT_COLOR = { bg: '#5f6368', fg: '#ffffff' };

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const MONO = 'font-family:Menlo,Consolas,monospace';
const CODE_STYLE = `${MONO};font-size:13px;background:#f1f3f4;padding:1px 4px;word-break:break-all`;

/** Element content. */
const h = escapeHtmlText;
/** Attribute values. */
const attr = escapeHtml;

function htmlValue(f: Fact): string {
  const text = h(clipNoted(f.value, EMAIL_VALUE_MAX));
  return f.code ? `<code style="${CODE_STYLE}">${text}</code>` : text;
}

function htmlSummary(v: AlertView): string {
  return v.summary
    .map((seg) => {
      const text = h(clip(seg.text, EMAIL_VALUE_MAX));
      if (seg.kind === 'value') return `<code style="${CODE_STYLE}">${text}</code>`;
      if (seg.kind === 'strong') return `<strong>${text}</strong>`;
      return text;
    })
    .join('');
}

function button(href: string, label: string, color: { bg: string; fg: string }): string {
  return (
    `<a href="${attr(href)}" style="display:inline-block;margin:0 8px 8px 0;padding:9px 16px;border-radius:4px;` +
    `background:${color.bg};color:${color.fg};text-decoration:none;font-weight:bold;font-size:14px">${h(label)}</a>`
  );
}

function html(v: AlertView, subject: string): string {
  const color = v.severityKey ? COLORS[v.severityKey] : DEFAULT_COLOR;
  const buttons: string[] = [];
  if (v.consoleUrl) buttons.push(button(v.consoleUrl, 'Open the event in CloudTrail', { bg: '#1a73e8', fg: '#ffffff' }));
  if (v.runbookUrl) buttons.push(button(v.runbookUrl, 'Open the runbook', { bg: '#3c4043', fg: '#ffffff' }));
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(subject)}</title>`,
    '</head>',
    `<body style="margin:0;padding:16px;background:#f4f5f7;color:#202124;${FONT}">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:760px;margin:0 auto;background:#ffffff;border-collapse:collapse;border-top:6px solid ${color.bg}">`,
    '<tr><td style="padding:20px 24px">',
    `<span style="display:inline-block;padding:2px 8px;border-radius:3px;background:${color.bg};color:${color.fg};font-weight:bold;font-size:12px;letter-spacing:0.5px">${h(clip(v.severityLabel, 40))}</span>`,
    `<h1 style="margin:10px 0 6px;font-size:20px;line-height:1.3">${h(clip(v.ruleName, 200))}</h1>`,
    `<p style="margin:0 0 10px;font-size:14px;color:#3c4043">Account <code style="${CODE_STYLE}">${h(clip(v.account, 200))}</code>${v.accountName ? ` <strong>${h(clip(v.accountName, 200))}</strong>` : ''} &middot; region <code style="${CODE_STYLE}">${h(clip(v.region, 50))}</code></p>`,
    `<p style="margin:0 0 16px;font-size:15px;line-height:1.6">${htmlSummary(v)}</p>`,
  ];
  if (buttons.length) out.push(`<p style="margin:0 0 8px">${buttons.join('')}</p>`);
  if (v.consoleUrl) out.push(`<p style="margin:0 0 8px;font-size:13px;color:#5f6368">CloudTrail: ${h(clip(signInNote(v), 300))}.</p>`);
  if (v.muteLinks.length) {
    out.push(`<p style="margin:0 0 8px;font-size:13px;color:#5f6368">Too noisy? ${v.muteLinks.map((l) => `<a href="${h(l.url)}" style="color:#5f6368">${h(l.label)}</a>`).join(' · ')} (you confirm on the next page)</p>`);
  }
  if (!v.consoleUrl) out.push(`<p style="margin:0 0 8px;font-size:14px">No console link: look up event ID <code style="${CODE_STYLE}">${h(clip(v.eventId, 200))}</code> in CloudTrail Event history (${h(clip(v.region, 50))}).</p>`);
  if (v.runbookText) out.push(`<p style="margin:0 0 8px;font-size:14px">Runbook: ${h(clipNoted(v.runbookText, EMAIL_VALUE_MAX))}</p>`);
  out.push(`<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;margin:12px 0;border-collapse:collapse;font-size:14px">`);
  for (const [title, fs] of SECTIONS(v)) {
    out.push(`<tr><th colspan="2" style="text-align:left;padding:12px 0 4px;border-bottom:1px solid #dadce0;font-size:12px;color:#5f6368;text-transform:uppercase;letter-spacing:0.5px">${h(title)}</th></tr>`);
    for (const f of fs) {
      out.push(
        `<tr><td style="padding:4px 12px 4px 0;vertical-align:top;white-space:nowrap;color:#5f6368">${h(f.label)}</td>` +
          `<td style="padding:4px 0;vertical-align:top;word-break:break-word">${htmlValue(f)}</td></tr>`,
      );
    }
  }
  out.push('</table>');
  out.push(`<h2 style="margin:20px 0 6px;font-size:16px">Why this matters <span style="font-weight:normal;color:#5f6368;font-size:13px">(rule <code style="${CODE_STYLE}">${h(clip(v.ruleId, 200))}</code>)</span></h2>`);
  const description = v.description ? clipNoted(v.description, EMAIL_DESCRIPTION_MAX) : '(the rule has no description)';
  out.push(`<p style="margin:0 0 12px;font-size:14px;line-height:1.6">${h(description).replace(/\n/g, '<br>')}</p>`);
  if (v.tags.length) out.push(`<p style="margin:0 0 12px;font-size:13px;color:#5f6368">Tags: ${h(clipNoted(v.tags.join(', '), EMAIL_VALUE_MAX))}</p>`);
  if (v.trimmed.length) out.push(`<p style="margin:0 0 12px;font-size:13px;color:#5f6368">Note: ${h(trimmedNote(v))}</p>`);
  out.push(`<h2 style="margin:20px 0 6px;font-size:16px">Raw event${v.recordTruncated ? ' <span style="font-weight:normal;color:#5f6368;font-size:13px">(excerpt: long values and arrays shortened)</span>' : ''}</h2>`);
  out.push(`<pre style="margin:0;padding:12px;background:#f6f8fa;border:1px solid #dadce0;border-radius:4px;${MONO};font-size:12px;line-height:1.45;white-space:pre-wrap;word-break:break-all">${h(v.recordJson)}</pre>`);
  out.push(`<p style="margin:16px 0 0;font-size:12px;color:#5f6368">rekwatch alert <code style="${CODE_STYLE}">${h(clip(v.alertId, 500))}</code>. ${h(HISTORY_NOTE)}</p>`);
  out.push('</td></tr>', '</table>', '</body>', '</html>', '');
  return out.join('\n');
}

/** The plain-text body alone (what the SNS message's `email` key carries). */
export function emailText(alert: Alert): string {
  return plainText(alertView(alert));
}

export function formatEmail(alert: Alert): EmailMessage {
  const view = alertView(alert);
  const subject = emailSubject(alert);
  return { subject, text: plainText(view), html: html(view, subject) };
}
