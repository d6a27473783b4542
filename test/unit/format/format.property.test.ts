/**
 * Property tests: whatever string sits in whatever alert field (and in the record's request
 * parameters, caller account, error message), the Slack message holds no `<`/`>` and no bare `&`
 * and stays within every Block Kit limit; the email HTML has no `<` outside its own tags and links
 * only http(s) URLs; the subject stays ASCII, one line, under 100 characters; the Chatbot
 * notification keeps its shape and limits. Formatting is deterministic and never throws.
 */
import fc from 'fast-check';
import { CHATBOT_LIMITS, formatChatbot } from '../../../functions/core/format/chatbot';
import { EMAIL_SUBJECT_MAX, formatEmail } from '../../../functions/core/format/email';
import { formatSlack } from '../../../functions/core/format/slack';
import { slackLimitProblems } from '../../../functions/core/format/slack-limits';
import { clipEscaped, escapeMrkdwn } from '../../../functions/core/format/text';
import { SEVERITIES, type Alert } from '../../../functions/core/common/types';
import { BARE_AMPERSAND, HIDDEN_CHARS, hostileAlert, strayAngles, strings } from './fixtures';

const FRAGMENTS = [
  '<', '>', '&', '&amp;', '&lt;', '<!channel>', '<!here|here>', '<@U123>', '<#C123>', '<!subteam^S1>', '<https://evil.example|click>',
  '<script>alert(1)</script>', '"', "'", '`', '```', '*', '_', '~', '@here', '@channel', '\n', '\r\n', '\t', '\u0000', '\u202E', '\u2066',
  '\u200B', '\u200D', '\uFEFF', '\u2028', '\uD800', '\uDC00', '👨‍👩‍👧', 'é', 'e\u0301', 'ü', '\u0635\u0648\u0631\u0629', 'javascript:', 'arn:aws:iam::1:user/x',
  'https://', '|', ':red_circle:', '[U+202E]', '\\', '{', '}',
];

const fragment = fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 8 }));
const hostileString = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));
/** Occasionally very long: beyond every per-field limit. */
const anyString = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.tuple(hostileString.filter((s) => s.length > 0), fc.integer({ min: 2000, max: 12_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
);
const url = fc.oneof(anyString, fc.webUrl({ withQueryParameters: true, withFragments: true }), anyString.map((s) => `https://example.com/${s}`));

const arbAlert: fc.Arbitrary<Alert> = fc
  .record({
    id: anyString,
    ruleId: anyString,
    ruleName: anyString,
    severity: fc.oneof(fc.constantFrom(...SEVERITIES, '__proto__', 'constructor', 'toString', 'HIGH'), anyString),
    title: anyString,
    description: anyString,
    eventId: anyString,
    eventName: fc.oneof(fc.constantFrom('DeleteCollection', 'DeleteStreamProcessor', 'PutProjectPolicy'), anyString),
    eventSource: anyString,
    eventTime: anyString,
    account: anyString,
    region: anyString,
    principal: anyString,
    principalType: anyString,
    sourceIp: anyString,
    userAgent: anyString,
    mfaAuthenticated: fc.constantFrom(true, false, null),
    errorCode: fc.option(anyString, { nil: null }),
    consoleUrl: url,
    runbook: fc.option(url, { nil: null }),
    tags: fc.array(anyString, { maxLength: 30 }),
    record: fc.oneof(
      fc.record(
        {
          requestParameters: fc.oneof(
            fc.dictionary(fc.constantFrom('collectionId', 'name', 'projectArn', 'datasetArn', 'faceIds', 'policyDocument', 'image', 'other'), fc.oneof(anyString, fc.array(anyString, { maxLength: 8 }), fc.jsonValue())),
            fc.jsonValue(),
          ),
          userIdentity: fc.record({ accountId: anyString }),
          errorMessage: anyString,
          vpcEndpointId: anyString,
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
      anyString,
    ),
    recordTruncated: fc.boolean(),
  })
  .map((a) => a as Alert);

const RUNS = { numRuns: 300 };

describe('Slack output for any alert', () => {
  it('has no unescaped <, > or & from event data and respects every Block Kit limit', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const msg = formatSlack(alert);
        expect(slackLimitProblems(msg)).toEqual([]);
        const texts = strings(msg);
        const urls = texts.filter((t) => t.key === 'url').map((t) => t.text);
        expect(urls.filter((u) => !/^https?:\/\/[^\s<>]*$/.test(u) || u.length > 3000)).toEqual([]);
        const bad = texts
          .filter((t) => t.key !== 'url')
          .map((t) => t.text)
          .filter((t) => /[<>]/.test(t) || BARE_AMPERSAND.test(t) || HIDDEN_CHARS.test(t.replace(/\n/g, '')) || /(?<!＠)@(?:here|channel|everyone)\b/i.test(t));
        expect(bad).toEqual([]);
        // Summary and fields: event values only in code spans, and every span closes.
        for (const { text } of strings([msg.blocks[1], msg.blocks[2]])) expect((text.match(/`/g) ?? []).length % 2).toBe(0);
      }),
      RUNS,
    );
  });
});

describe('email output for any alert', () => {
  it('has no < in the HTML outside its own tags, links only http(s), and a valid subject', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const mail = formatEmail(alert);
        expect(strayAngles(mail.html)).toEqual([]);
        expect((mail.html.match(/<[^>]*>/g) ?? []).filter((tag) => /\son\w+=|\ssrc=|<\/?script/i.test(tag))).toEqual([]);
        expect((mail.html.match(/href="[^"]*"/g) ?? []).filter((href) => !/^href="https?:\/\/[^"<>\s]*"$/.test(href))).toEqual([]);
        expect(mail.subject.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX);
        expect(mail.subject).toMatch(/^[\x20-\x7e]+$/);
        expect(mail.text.replace(/\n/g, '')).not.toMatch(HIDDEN_CHARS);
        expect(Buffer.byteLength(mail.text)).toBeLessThan(64 * 1024);
        expect(Buffer.byteLength(mail.html)).toBeLessThan(96 * 1024);
      }),
      RUNS,
    );
  });
});

describe('Chatbot output for any alert', () => {
  it('keeps the custom-notification shape and limits, with no <, > or bare &', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const n = formatChatbot(alert) as { version: string; source: string; content: Record<string, unknown>; metadata: unknown };
        expect([n.version, n.source, n.content.textType]).toEqual(['1.0', 'custom', 'client-markdown']);
        expect((n.content.title as string).length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
        expect((n.content.description as string).length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
        expect((n.content.nextSteps as string[]).length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps);
        for (const s of n.content.nextSteps as string[]) expect(s.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextStepText);
        for (const k of n.content.keywords as string[]) expect(k.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywordText);
        expect(strings(n).map((t) => t.text).filter((t) => /[<>]/.test(t) || BARE_AMPERSAND.test(t))).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('formatting', () => {
  it('is deterministic and leaves the alert unchanged', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const before = structuredClone(alert);
        const once = [formatEmail(alert), formatSlack(alert), formatChatbot(alert)];
        expect(alert).toEqual(before);
        expect([formatEmail(before), formatSlack(before), formatChatbot(before)]).toEqual(once);
      }),
      { numRuns: 100 },
    );
    const h = hostileAlert();
    expect(formatSlack(h)).toEqual(formatSlack(structuredClone(h)));
  });

  it('cuts escaped text within its budget and never inside an escape sequence', () => {
    fc.assert(
      fc.property(hostileString, fc.integer({ min: 0, max: 60 }), (s, max) => {
        const out = clipEscaped(s, max, escapeMrkdwn);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(BARE_AMPERSAND);
        if (escapeMrkdwn(s).length <= max) expect(out).toBe(escapeMrkdwn(s));
        else if (max > 0) expect(out.endsWith('…')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
