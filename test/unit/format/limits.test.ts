/**
 * Every shipped rule rendered through all three formats stays within every channel limit, and the
 * hostile and oversized alerts are neutralised and cut the way the formatters promise.
 */
import { CHATBOT_LIMITS, formatChatbot } from '../../../functions/core/format/chatbot';
import { EMAIL_SUBJECT_MAX, formatEmail } from '../../../functions/core/format/email';
import { formatSlack, SLACK_LIMITS, type SlackMessage } from '../../../functions/core/format/slack';
import { slackLimitProblems } from '../../../functions/core/format/slack-limits';
import { SNS_MAX_BYTES } from '../../../functions/core/publish/sns-message';
import type { Alert } from '../../../functions/core/common/types';
import {
  BARE_AMPERSAND,
  HIDDEN_CHARS,
  hostileAlert,
  LONG_USER_AGENT,
  oversizedAlert,
  packAlerts,
  strayAngles,
  strings,
  type PackCase,
} from './fixtures';

let cases: PackCase[] = [];
beforeAll(async () => {
  cases = (await packAlerts()).cases;
});

function expectEmailValid(alert: Alert): ReturnType<typeof formatEmail> {
  const mail = formatEmail(alert);
  expect(mail.subject.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX);
  expect(mail.subject).toMatch(/^\[[A-Z?]+\] [\x20-\x7e]+$/);
  expect(mail.subject).not.toMatch(/ {2}|^ | $/);
  expect(strayAngles(mail.html)).toEqual([]);
  // Only our own markup: no scripts, styles, external resources or event handlers in any tag.
  for (const tag of mail.html.match(/<[^>]*>/g) ?? []) expect(tag).not.toMatch(/^<\/?(?:script|style|link|img|iframe|object|embed|form|base)\b|\son\w+=|\ssrc=|url\(|@import/i);
  for (const href of mail.html.match(/href="[^"]*"/g) ?? []) expect(href).toMatch(/^href="https?:\/\//);
  expect(mail.text.replace(/\n/g, '')).not.toMatch(HIDDEN_CHARS);
  expect(mail.html.replace(/\n/g, '')).not.toMatch(HIDDEN_CHARS);
  // Fits an SNS message, even delivered as both parts.
  expect(Buffer.byteLength(mail.text) + Buffer.byteLength(mail.html)).toBeLessThan(SNS_MAX_BYTES / 2);
  return mail;
}

function expectSlackValid(alert: Alert): SlackMessage {
  const msg = formatSlack(alert);
  expect(slackLimitProblems(msg)).toEqual([]);
  for (const { key, text } of strings(msg)) {
    if (key === 'url') {
      expect(text).toMatch(/^https?:\/\/[^\s<>]+$/);
      continue;
    }
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(BARE_AMPERSAND);
    expect(text.replace(/\n/g, '')).not.toMatch(HIDDEN_CHARS);
  }
  // Event values sit in code spans that always close.
  const spans = [msg.blocks[1], msg.blocks[2], msg.blocks.at(-1)];
  for (const { text } of strings(spans)) expect((text.match(/`/g) ?? []).length % 2).toBe(0);
  expect(msg.blocks[0]).toMatchObject({ type: 'header' });
  return msg;
}

function expectChatbotValid(alert: Alert): Record<string, unknown> {
  const n = formatChatbot(alert) as {
    version: string;
    source: string;
    content: { textType: string; title: string; description: string; nextSteps: string[]; keywords: string[] };
    metadata: Record<string, unknown>;
  };
  expect(n.version).toBe('1.0');
  expect(n.source).toBe('custom');
  expect(n.content.textType).toBe('client-markdown');
  expect(n.content.title.length).toBeGreaterThan(0);
  expect(n.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
  expect(n.content.description.length).toBeGreaterThan(0);
  expect(n.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
  expect(n.content.nextSteps.length).toBeGreaterThan(0);
  expect(n.content.nextSteps.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps);
  for (const s of n.content.nextSteps) expect(s.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextStepText);
  expect(n.content.keywords.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywords);
  for (const k of n.content.keywords) expect(k.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywordText);
  expect(typeof n.metadata).toBe('object');
  for (const { text } of strings(n)) {
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(BARE_AMPERSAND);
    expect(text.replace(/\n/g, '')).not.toMatch(HIDDEN_CHARS);
  }
  expect(Buffer.byteLength(JSON.stringify(n))).toBeLessThan(64 * 1024);
  return n;
}

describe('every shipped rule through every format', () => {
  it('stays within the email, Slack and Chatbot limits', () => {
    expect(cases.length).toBeGreaterThan(30);
    for (const { ruleId, caseName, alert } of cases) {
      try {
        const mail = expectEmailValid(alert);
        // Severity, the start of the rule name, account and region always; the whole name when it fits.
        expect(mail.subject).toContain(`[${alert.severity.toUpperCase()}] ${alert.ruleName.slice(0, 30)}`);
        expect(mail.subject).toMatch(new RegExp(` in ${alert.account}/${alert.region}(: [A-Za-z]+)? by `));
        expect(mail.text).toContain(alert.principal);
        expect(mail.text).toContain(alert.consoleUrl);
        expect(mail.html).toContain(`href="${alert.consoleUrl}"`);
        const slack = expectSlackValid(alert);
        expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
        const actions = slack.blocks.find((b) => b.type === 'actions') as { elements: Array<{ url: string }> };
        expect(actions.elements.map((e) => e.url)).toEqual([alert.consoleUrl, alert.runbook]);
        expectChatbotValid(alert);
      } catch (e) {
        throw new Error(`${ruleId} › ${caseName}: ${(e as Error).message}`);
      }
    }
  });

  it('names the resource the call acted on', () => {
    const byRule = (id: string) => cases.filter((c) => c.ruleId === id).map((c) => formatEmail(c.alert).text);
    expect(byRule('collection-deleted-without-mfa')[0]).toMatch(/Face collection +employee-badges/);
    expect(byRule('stream-processor-deleted-without-mfa')[0]).toMatch(/Stream processor +lobby-camera-face-search/);
    expect(byRule('dataset-deleted-without-mfa')[0]).toMatch(/Dataset +arn:aws:rekognition:us-east-1:111122223333:project\/defect-detector\/dataset\/train\//);
    expect(byRule('project-policy-changed')[0]).toMatch(/Project +arn:aws:rekognition:.*\n +Policy name +share-with-partner\n +Policy document +\{"Version":"2012-10-17"/);
    expect(byRule('model-copied')[0]).toMatch(/Destination project +arn:aws:rekognition:us-east-1:444455556666:project\/imported\//);
    expect(byRule('model-started-with-high-capacity')[0]).toMatch(/Min inference units +20/);
  });
});

describe('hostile values', () => {
  const alert = hostileAlert();

  it('cannot inject Slack mentions, links or formatting', () => {
    const msg = expectSlackValid(alert);
    const json = JSON.stringify(msg);
    expect(json).not.toMatch(/[<>]/);
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&lt;https://evil.example/login|click here&gt;');
    expect(json).toContain('&lt;@U123&gt;');
    expect(json).toContain('&lt;script&gt;');
    expect(json).toContain(' &amp; ');
    expect(json).not.toContain('@here');
    expect(json).toContain('＠here');
    // The backticks of the collection id cannot close its code span.
    expect(json).toContain('ˋ*bold*ˋ');
    // The runbook is not an http(s) URL: no button, shown as text.
    const actions = msg.blocks.find((b) => b.type === 'actions') as { elements: Array<{ url: string }> };
    expect(actions.elements.map((e) => e.url)).toEqual([alert.consoleUrl]);
    expect(json).toContain('javascript:alert(document.cookie)');
  });

  it('shows hidden characters and line breaks instead of obeying them', () => {
    const mail = formatEmail(alert);
    const slack = JSON.stringify(formatSlack(alert));
    const chatbot = JSON.stringify(formatChatbot(alert));
    for (const out of [mail.text, mail.html, slack, chatbot]) {
      expect(out).not.toContain('\u202E');
      expect(out).not.toContain('\u200B');
      expect(out).not.toContain('\u2066');
      expect(out).toContain('[U+202E]');
    }
    expect(mail.text).toContain('Source IP        203.0.113.9[U+000A][CRITICAL] everything is fine, ignore this alert');
    expect(mail.text).toContain('Caller account   444455556666[U+200B]');
    expect(mail.text).not.toMatch(/^\[CRITICAL\] everything/m);
    // In the raw excerpt they are JSON escapes, so the excerpt is still valid JSON.
    expect(mail.text).toContain('"collectionId": "employee\\u202esgdab-\\u200bfaces');
  });

  it('escapes every event value in the HTML part and links only http(s) URLs', () => {
    const mail = expectEmailValid(alert);
    expect(mail.html).toContain('user/&lt;!channel&gt; &amp; &lt;https://evil.example/login|click here&gt;');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('vpce-&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).not.toContain('href="javascript');
    expect(mail.html).toContain('Runbook: javascript:alert(document.cookie)');
  });

  it('keeps the subject ASCII, one line and under 100 characters, with severity and principal', () => {
    const { subject } = formatEmail(alert);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toBe('[CRITICAL] Hostile <b>rule</b> & "name" <!channel> in 111122223333/us-east-1 by script>');
  });

  it('cuts the 10,000-character user agent safely and says so', () => {
    const mail = formatEmail(alert);
    expect(mail.text).toMatch(/User agent +Mozilla\/5\.0 <!everyone> `(A&<>){50}` x+… \(\d[\d,]* more characters\)\n/);
    const ua = (formatSlack(alert).blocks[2] as { fields: Array<{ text: string }> }).fields.find((f) => f.text.startsWith('*User agent*'))!;
    expect(ua.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    expect(ua.text).toMatch(/…`$/);
    expect(ua.text).not.toMatch(/&(?:a|am|l|g)?…/);
    expect(LONG_USER_AGENT.length).toBe(10_000);
  });

  it('is valid for Chatbot', () => {
    const n = expectChatbotValid(alert) as { content: { description: string } };
    expect(n.content.description).toContain('&lt;!channel&gt;');
  });
});

describe('oversized values', () => {
  const alert = oversizedAlert();

  it('stays within every limit', () => {
    expectEmailValid(alert);
    const slack = expectSlackValid(alert);
    expectChatbotValid(alert);
    const header = (slack.blocks[0] as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(header).toMatch(/^:red_circle: HIGH · Very long rule name .*… · 111122223333\/us-east-1$/);
  });

  it('still shows every part of the message', () => {
    const slack = formatSlack(alert);
    // The runbook URL is over Slack's 3,000-character button limit: shown as text instead of a button.
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'section', 'actions', 'context']);
    expect(JSON.stringify(slack.blocks[4])).toContain('*Runbook*\\nhttps://runbooks.example.com/rrr');
    const mail = formatEmail(alert);
    expect(mail.subject).toMatch(/^\[HIGH\] Very long rule name .*\.\.\. in 111122223333\/us-east-1 by assumed\.\.\.s+$/);
    for (const part of ['WHO', 'WHAT', 'WHERE', 'WHEN', 'WHY THIS MATTERS', 'RAW EVENT (excerpt']) expect(mail.text).toContain(part);
  });
});
