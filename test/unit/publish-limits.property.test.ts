/**
 * Property test: whatever the CloudTrail record and rule hold (strings from empty to 256 KB, the
 * largest CloudTrail event, in any field; thousands of small fields; nesting 100,000 levels deep),
 * every message rekwatch publishes is within its limit, is valid JSON where it must be, and says so
 * when it was trimmed:
 *   - the SNS Publish (message + subject + attributes <= 256 KiB), and the envelope SNS wraps
 *     `default` in for the Slack forwarder's Lambda;
 *   - the Slack message the forwarder builds from that `default` (Block Kit limits);
 *   - the Chatbot topic's Publish;
 *   - the EventBridge alert entry (size as EventBridge counts it, nesting under 1,000 levels).
 */
import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert/alert';
import { alertEventEntry } from '../../functions/core/publish/alert-event';
import { parseAlertMessage } from '../../functions/core/publish/alert-message';
import { formatSlack } from '../../functions/core/format/slack';
import { slackLimitProblems } from '../../functions/core/format/slack-limits';
import { jsonExtent, valueBytes } from '../../functions/core/common/json-bytes';
import { chatbotPublishParams, snsPublishParams, SNS_MAX_BYTES, type MessageAttributes } from '../../functions/core/publish/sns-message';
import type { Alert, CloudTrailRecord, RuleDefinition } from '../../functions/core/common/types';
import { nested, record } from '../helpers/records';

const KB = 1024;
const CLOUDTRAIL_MAX = 256 * KB;

/** Units repeated to a length: escapes (quote, backslash, controls), multi-byte, astral, mrkdwn and HTML specials. */
const UNITS = ['a', 'Z9 ', '"', '\\', '\n', '\u0001', 'é', '€', '😀', '\u202E', '<&>', '`*_', '/:', '\uD800'];
const sized = (min: number, max: number) =>
  fc.tuple(fc.array(fc.constantFrom(...UNITS), { minLength: 1, maxLength: 4 }), fc.integer({ min, max })).map(([units, n]) => {
    const unit = units.join('');
    return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  });
/** Mostly short; often kilobytes; sometimes up to the size of the largest CloudTrail event. */
const anySize = fc.oneof({ weight: 6, arbitrary: sized(0, 40) }, { weight: 2, arbitrary: sized(1 * KB, 16 * KB) }, { weight: 1, arbitrary: sized(16 * KB, CLOUDTRAIL_MAX) });

const requestParameters = fc.oneof(
  anySize.map((collectionId) => ({ collectionId })),
  // Many small fields.
  fc.integer({ min: 100, max: 5000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))),
  fc.integer({ min: 10, max: 5000 }).map((n) => ({ faceIds: Array.from({ length: n }, (_, i) => `face-${i}`) })),
  // Deep nesting.
  fc.integer({ min: 1000, max: 100_000 }).map((depth) => ({ collectionId: 'c', filter: nested(depth) })),
);

const arbRecord: fc.Arbitrary<CloudTrailRecord> = fc
  .record({
    userAgent: anySize,
    sourceIPAddress: anySize,
    arn: anySize,
    eventName: fc.oneof(fc.constant('DeleteCollection'), anySize),
    eventID: fc.oneof(fc.constant('b602e460-c134-4ecb-ae78-6d383720f29d'), anySize),
    awsRegion: fc.oneof(fc.constant('eu-west-1'), anySize),
    errorCode: fc.option(anySize, { nil: undefined }),
    errorMessage: anySize,
    requestParameters,
    responseElements: fc.option(anySize.map((jobId) => ({ jobId })), { nil: null }),
  })
  .map(({ arn, ...fields }) => record({ ...fields, userIdentity: { type: 'IAMUser', arn, accountId: '444455556666' } }));

const arbRule: fc.Arbitrary<RuleDefinition> = fc
  .record({
    name: sized(1, 120),
    description: anySize,
    tags: fc.oneof(fc.constant<string[]>(['rekognition']), fc.integer({ min: 100, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `tag-${i}`))),
    runbook: fc.option(anySize.map((path) => `https://runbooks.example.com/${path}`), { nil: undefined }),
  })
  .map((r): RuleDefinition => ({ id: 'size-rule', severity: 'high', enabled: true, references: [], tests: [], conditions: { all: [] }, file: 'rules/size-rule.json', ...r }));

const muteLinks = fc.option(
  fc.integer({ min: 100, max: 2000 }).map((n) => [
    { label: 'Mute this rule 1 h', url: `https://mute.example.com/mute?t=${'t'.repeat(n)}` },
    { label: 'Mute this rule 24 h', url: `https://mute.example.com/mute?t=${'u'.repeat(n)}` },
  ]),
  { nil: undefined },
);

const arbAlert: fc.Arbitrary<Alert> = fc.tuple(arbRule, arbRecord, muteLinks).map(([rule, rec, links]) => {
  const alert = buildAlert(rule, rec);
  return links ? { ...alert, muteLinks: links } : alert;
});

function attributeBytes(attributes: MessageAttributes): number {
  return Object.entries(attributes).reduce((n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue), 0);
}

/** What SNS hands a Lambda subscriber (the Slack forwarder), with full-length ARNs and signature. */
function lambdaEnvelope(message: string, subject: string, attributes: MessageAttributes): string {
  const arn = `arn:aws:sns:ap-southeast-2:111122223333:${'rekwatch-alerts-'.padEnd(256, 'x')}`;
  return JSON.stringify({
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: arn,
          Subject: subject,
          Message: message,
          Timestamp: '2026-11-20T09:15:00.000Z',
          SignatureVersion: '1',
          Signature: 'S'.repeat(344),
          SigningCertUrl: 'https://sns.ap-southeast-2.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: `https://sns.ap-southeast-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
          MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue }])),
        },
      },
    ],
  });
}

/**
 * The alert a message carries says it was trimmed exactly when it differs from the alert built:
 * every changed field is listed in `trimmed`, each listed field changed, every cut string says how
 * much it lost, and no field left whole is larger than one that was cut.
 */
function expectHonestTrim(sent: Alert, built: Alert, levels: number): void {
  const trimmed = sent.trimmed ?? [];
  const changed = Object.keys(built).filter((k) => k !== 'recordTruncated' && JSON.stringify(sent[k as keyof Alert]) !== JSON.stringify(built[k as keyof Alert]));
  expect([...trimmed].sort()).toEqual(changed.sort());
  for (const k of trimmed) {
    const v = sent[k as keyof Alert];
    if (typeof v === 'string') expect(v).toMatch(/…\(\d+ more chars\)$/);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) expect(v.at(-1)).toMatch(/…\(\d+ more (?:chars|items)\)$/);
  }
  if (trimmed.includes('record')) expect(sent.recordTruncated).toBe(true);
  const cost = (k: string) => valueBytes(built[k as keyof Alert], levels);
  const smallestCut = Math.min(...trimmed.map(cost));
  const largestWhole = Math.max(0, ...Object.keys(built).filter((k) => !trimmed.includes(k)).map(cost));
  if (trimmed.length > 0) expect(largestWhole).toBeLessThanOrEqual(smallestCut);
}

/** About half the runs cut something; a run with huge fields costs tens of milliseconds. */
const RUNS = { numRuns: 30 };

describe('every published message fits its limit, for any record', () => {
  it('SNS alert topic: within 256 KiB with subject and attributes; its default reaches the Slack forwarder intact and within limits', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const p = snsPublishParams(alert);
        expect(Buffer.byteLength(p.Message) + Buffer.byteLength(p.Subject) + attributeBytes(p.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_BYTES);
        expect(p.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
        expect(p.MessageAttributes.severity?.StringValue).toBe('high');
        const message = JSON.parse(p.Message) as Record<string, unknown>;
        expect(Object.keys(message).sort()).toEqual(['default', 'email']);
        expect(typeof message.email).toBe('string');
        const sent = message.default as string;
        expect(Buffer.byteLength(lambdaEnvelope(sent, p.Subject, p.MessageAttributes))).toBeLessThanOrEqual(SNS_MAX_BYTES);

        const parsed = parseAlertMessage(sent);
        if (!parsed.ok) throw new Error(parsed.reason);
        expectHonestTrim(parsed.alert, alert, 2);
        const trimmed = (parsed.alert.trimmed ?? []).length > 0;
        expect((message.email as string).includes('NOTE: to fit the message size limit')).toBe(trimmed);

        const slack = formatSlack(parsed.alert);
        expect(slackLimitProblems(slack)).toEqual([]);
        expect(JSON.stringify(slack).includes('Shortened to fit the message size limit')).toBe(trimmed);
      }),
      RUNS,
    );
  });

  it('Chatbot topic: a custom notification within 256 KiB with its attributes', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const p = chatbotPublishParams(alert);
        expect(Buffer.byteLength(p.Message) + attributeBytes(p.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_BYTES);
        expect(JSON.parse(p.Message)).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
      }),
      RUNS,
    );
  });

  it('EventBridge alert bus: an entry under 256 KB as EventBridge counts it, nested under 1,000 levels', () => {
    fc.assert(
      fc.property(arbAlert, (alert) => {
        const e = alertEventEntry(alert, 'alerts');
        const size = (e.Time ? 14 : 0) + Buffer.byteLength(e.Source) + Buffer.byteLength(e.DetailType) + Buffer.byteLength(e.Detail) + e.Resources.reduce((n, r) => n + Buffer.byteLength(r), 0);
        expect(size).toBeLessThan(256_000);
        expect(jsonExtent(JSON.parse(e.Detail), Infinity, 1000)).toBeDefined();
        const parsed = parseAlertMessage(e.Detail);
        if (!parsed.ok) throw new Error(parsed.reason);
        expectHonestTrim(parsed.alert, alert, 1);
      }),
      RUNS,
    );
  });
});
