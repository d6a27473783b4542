/**
 * Alert -> AWS Chatbot (Amazon Q Developer in chat applications) custom notification (pure), for
 * teams that subscribe Chatbot to the alert topic instead of using a webhook. Chatbot drops any
 * SNS message that is not in this schema:
 *
 *   { "version": "1.0", "source": "custom", "id": "...",
 *     "content": { "textType": "client-markdown", "title", "description", "nextSteps": [], "keywords": [] },
 *     "metadata": { "summary", "eventType", "relatedResources": [], "additionalContext": {} } }
 *
 * `client-markdown` is rendered in the chat platform's own markdown (Slack mrkdwn), and Chatbot
 * passes `<...>` sequences through to Slack, so the same escaping as the Slack formatter applies:
 * `&`, `<`, `>` as entities in every string of the payload, event values in code spans with
 * backticks replaced, hidden characters shown as `[U+XXXX]`, no `@channel`/`@here`. Links are bare
 * validated http(s) URLs (both Slack and Teams turn them into links).
 *
 * Lengths: AWS does not publish limits for these fields (unverified), so the payload stays within
 * conservative bounds: title 250, description 3,000 (a Slack section), at most 5 next steps of 500,
 * at most 10 keywords of 50, summary 200.
 */
import type { Alert } from '../common/types';
import { alertView, signInNote, summaryText, type AlertView } from './model';
import { codeSpan, DEFAULT_EMOJI, mrkdwnClip, SEVERITY_EMOJI } from './slack';
import { clip, joinWithin, safeCut } from './text';

export const CHATBOT_LIMITS = {
  title: 250,
  description: 3000,
  nextSteps: 5,
  nextStepText: 500,
  keywords: 10,
  keywordText: 50,
  summary: 200,
  id: 256,
  relatedResources: 10,
  contextValue: 256,
} as const;

/** Per-value budgets inside the description: typical values are far shorter. */
const SUMMARY_VALUE_MAX = 120;
const FACT_VALUE_MAX = 150;

/** Summary, facts, why it matters, rule id: each part within what the parts before it left. */
function description(v: AlertView): string {
  const summary = v.summary
    .map((seg) => {
      if (seg.kind === 'value') return codeSpan(seg.text, SUMMARY_VALUE_MAX);
      if (seg.kind === 'strong') return `*${mrkdwnClip(seg.text, 100)}*`;
      return mrkdwnClip(seg.text, 100);
    })
    .join('');
  const facts = [...v.who, ...v.what.filter((f) => f.label !== 'Service'), ...v.where, ...v.when].map(
    (f) => `• *${mrkdwnClip(f.label, 60)}:* ${f.code ? codeSpan(f.value, FACT_VALUE_MAX) : mrkdwnClip(f.value, FACT_VALUE_MAX)}`,
  );
  const ruleLine = `Rule ${codeSpan(v.ruleId, 200)}`;
  let budget = CHATBOT_LIMITS.description - ruleLine.length - 2;
  const summaryPart = safeCut(summary, Math.min(1200, budget));
  budget -= summaryPart.length + 2;
  const factsPart = joinWithin(facts, '\n', Math.max(0, budget - 300));
  budget -= factsPart.length + 2;
  const whyHead = '*Why this matters:* ';
  const whyPart = v.description && budget > whyHead.length + 20 ? whyHead + mrkdwnClip(v.description, budget - whyHead.length - 2) : '';
  const text = [summaryPart, factsPart, whyPart, ruleLine].filter(Boolean).join('\n\n');
  return safeCut(text, CHATBOT_LIMITS.description);
}

function nextSteps(v: AlertView): string[] {
  const steps: string[] = [];
  const signIn = mrkdwnClip(signInNote(v).replace(/ to open it$/, ''), 150);
  if (v.consoleUrl) steps.push(`Open the event in CloudTrail (${signIn}): ${mrkdwnClip(v.consoleUrl, CHATBOT_LIMITS.nextStepText - 200)}`);
  else steps.push(`Look up event ${codeSpan(v.eventId, 200)} in CloudTrail Event history (${codeSpan(v.region, 60)})`);
  if (v.runbookUrl) steps.push(`Follow the runbook: ${mrkdwnClip(v.runbookUrl, CHATBOT_LIMITS.nextStepText - 40)}`);
  else if (v.runbookText) steps.push(`Follow the runbook: ${mrkdwnClip(v.runbookText, CHATBOT_LIMITS.nextStepText - 40)}`);
  steps.push(`Confirm with the owner of ${codeSpan(v.principalShort, 300)} whether this ${codeSpan(v.eventName, 120)} call was expected`);
  const mute = v.muteLinks.find((l) => l.label.includes('24 h')) ?? v.muteLinks[0];
  if (mute && mute.url.length < CHATBOT_LIMITS.nextStepText - 60) steps.push(`Too noisy? ${mrkdwnClip(mute.label, 60)}: ${mrkdwnClip(mute.url, CHATBOT_LIMITS.nextStepText - 80)}`);
  return steps.slice(0, CHATBOT_LIMITS.nextSteps).map((s) => safeCut(s, CHATBOT_LIMITS.nextStepText));
}

function keywords(v: AlertView): string[] {
  const words = [v.severityLabel, v.ruleId, v.eventName, v.account, v.accountName ?? '', v.region].filter((w) => w && w !== 'unknown');
  return [...new Set(words)].slice(0, CHATBOT_LIMITS.keywords).map((w) => mrkdwnClip(w, CHATBOT_LIMITS.keywordText));
}

export function formatChatbot(alert: Alert): Record<string, unknown> {
  const v = alertView(alert);
  const emoji = v.severityKey ? SEVERITY_EMOJI[v.severityKey] : DEFAULT_EMOJI;
  const titlePrefix = `${emoji} [${mrkdwnClip(clip(v.severityLabel, 20), 100)}] `;
  const where = v.whereShort ? ` · ${mrkdwnClip(v.whereShort, 60)}` : '';
  const title = titlePrefix + mrkdwnClip(v.ruleName, CHATBOT_LIMITS.title - titlePrefix.length - where.length) + where;
  const related = [v.who[0]?.value, ...v.resources.filter((r) => r.value.startsWith('arn:')).map((r) => r.value)]
    .filter((r): r is string => typeof r === 'string' && r.startsWith('arn:'))
    .slice(0, CHATBOT_LIMITS.relatedResources)
    .map((r) => mrkdwnClip(r, 2048));
  const ctx = (value: string): string => mrkdwnClip(value, CHATBOT_LIMITS.contextValue);
  return {
    version: '1.0',
    source: 'custom',
    id: mrkdwnClip(v.alertId, CHATBOT_LIMITS.id),
    content: {
      textType: 'client-markdown',
      title,
      description: description(v),
      nextSteps: nextSteps(v),
      keywords: keywords(v),
    },
    metadata: {
      summary: mrkdwnClip(`[${clip(v.severityLabel, 20)}] ${summaryText(v)}`, CHATBOT_LIMITS.summary),
      eventType: 'rekwatch alert',
      relatedResources: related,
      additionalContext: {
        ruleId: ctx(v.ruleId),
        severity: ctx(v.severity),
        eventId: ctx(v.eventId),
        eventName: ctx(v.eventName),
        account: ctx(v.account),
        ...(v.accountName ? { accountName: ctx(v.accountName) } : {}),
        region: ctx(v.region),
        principal: ctx(v.who[0]?.value ?? 'unknown'),
        sourceIp: ctx(v.sourceIp),
      },
    },
  };
}
