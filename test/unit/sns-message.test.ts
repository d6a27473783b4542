import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert/alert';
import { emailSubject, formatEmail } from '../../functions/core/format/email';
import { parseAlertMessage } from '../../functions/core/publish/alert-message';
import { publishBytes, snsPublishParams, SNS_ENVELOPE_RESERVE, SNS_MAX_BYTES, type SnsPublishParams } from '../../functions/core/publish/sns-message';
import type { RuleDefinition } from '../../functions/core/common/types';
import { record, SEED_START_LABEL_DETECTION } from '../helpers/records';

const rule: RuleDefinition = {
  id: 'collection-deleted-without-mfa', name: 'Face collection deleted without MFA', description: 'A face collection was deleted by a session without MFA.',
  severity: 'high', enabled: true, tags: ['rekognition'], runbook: 'https://docs.aws.amazon.com/rekognition/latest/dg/collections.html', references: [], tests: [],
  conditions: { all: [] }, file: 'x.json',
};

describe('SNS publish parameters', () => {
  it('uses MessageStructure json: readable text for email, the alert JSON for machines', () => {
    const alert = buildAlert(rule, { ...SEED_START_LABEL_DETECTION, eventName: 'DeleteCollection' });
    const p = snsPublishParams(alert);
    expect(p.MessageStructure).toBe('json');
    expect(p.Subject).toBe('[HIGH] Face collection deleted without MFA in 111122223333/us-east-1 by JorgeSouza');
    expect(p.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'collection-deleted-without-mfa' },
    });
    const message = JSON.parse(p.Message) as Record<string, string>;
    // One copy of the alert: SNS sends `default` to every protocol without its own key.
    expect(Object.keys(message).sort()).toEqual(['default', 'email']);
    expect(JSON.parse(message.default as string)).toEqual(alert);
    expect(message.email).toBe(formatEmail(alert).text);
    expect(message.email).toContain('arn:aws:sts::111122223333:assumed-role/Admin/JorgeSouza');
    expect(message.email).toContain('CloudTrail event: https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/b602e460-c134-4ecb-ae78-6d383720f29d');
  });

  it('always produces a valid subject (ASCII, one line, under 100 characters)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 300 }), (name, principal) => {
        const alert = buildAlert({ ...rule, name }, record({ userIdentity: { type: 'IAMUser', arn: principal } }));
        const s = snsPublishParams(alert).Subject;
        expect(s).toBe(emailSubject(alert));
        expect(s.length).toBeLessThan(100);
        expect(s).toMatch(/^[\x20-\x7e]+$/);
      }),
    );
  });

  it('trims an oversized alert to fit 256 KiB instead of failing the publish', () => {
    const huge = record({ requestParameters: { blob: 'x'.repeat(400_000), many: Array.from({ length: 5000 }, (_, i) => `item-${i}`) } });
    const alert = buildAlert({ ...rule, description: 'd'.repeat(100_000) }, huge);
    const p = snsPublishParams(alert);
    expect(publishBytes(p)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(JSON.parse(JSON.parse(p.Message).default).recordTruncated).toBe(true);
  });

  it('publishes an alert with a 36 KB user agent whole (it used to carry eight copies and pass 256 KiB)', () => {
    // Quotes and backslashes are escaped twice in the message: the worst ordinary case.
    const userAgent = 'Mozilla/5.0 (X11) "quoted" C:\\path\\ '.repeat(1000).slice(0, 36 * 1024);
    const alert = buildAlert(rule, record({ userAgent }));
    const p = snsPublishParams(alert);
    expect(Buffer.byteLength(p.Message) + Buffer.byteLength(p.Subject) + attributeBytes(p.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const parsed = parseAlertMessage(JSON.parse(p.Message).default);
    expect(parsed).toEqual({ ok: true, alert });
  });

  it('cuts the largest fields first, leaves the small ones whole and says what it cut', () => {
    const big = (n: number, unit: string) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
    const rec = record({
      userAgent: big(250_000, 'ua"'),
      sourceIPAddress: big(120_000, '203.0.113.9 '),
      errorCode: 'AccessDenied',
      errorMessage: big(60_000, 'denied '),
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${big(30_000, 'n')}`, accountId: '111122223333' },
    });
    const alert = buildAlert(rule, rec);
    const p = snsPublishParams(alert);
    expect(publishBytes(p)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const message = JSON.parse(p.Message) as { default: string; email: string };
    const parsed = parseAlertMessage(message.default);
    if (!parsed.ok) throw new Error(parsed.reason);
    const out = parsed.alert;
    // The two largest are cut to the same size; the 30 KB principal still fits whole.
    expect(out.trimmed).toEqual(['userAgent', 'sourceIp']);
    expect(out.userAgent).toMatch(/^(?:ua")+u?a?…\(\d+ more chars\)$/);
    expect(out.sourceIp).toMatch(/^203\.0\.113\.9 .*…\(\d+ more chars\)$/);
    expect(out.principal).toBe(alert.principal);
    expect({ ...out, userAgent: alert.userAgent, sourceIp: alert.sourceIp, trimmed: undefined }).toEqual({ ...alert, trimmed: undefined });
    expect(message.email).toContain('NOTE: to fit the message size limit, these values were shortened: userAgent, sourceIp.');
    expect(formatEmail(out).html).toContain('Note: to fit the message size limit, these values were shortened: userAgent, sourceIp.');
    // And the envelope SNS wraps `default` in for the Slack forwarder still fits.
    expect(Buffer.byteLength(JSON.stringify(message.default)) + SNS_ENVELOPE_RESERVE).toBeLessThanOrEqual(SNS_MAX_BYTES);
  });
});

function attributeBytes(attributes: SnsPublishParams['MessageAttributes']): number {
  return Object.entries(attributes).reduce((n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue), 0);
}
