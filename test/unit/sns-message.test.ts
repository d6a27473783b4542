import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert';
import { emailSubject, formatEmail } from '../../functions/core/format/email';
import { snsPublishParams, SNS_MAX_BYTES } from '../../functions/core/sns-message';
import type { RuleDefinition } from '../../functions/core/types';
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
    expect(p.Subject).toBe('[HIGH] Face collection deleted without MFA: DeleteCollection by assumed-role/Admin/JorgeSouza');
    expect(p.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'collection-deleted-without-mfa' },
    });
    const message = JSON.parse(p.Message) as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sqs']);
    expect(JSON.parse(message.sqs as string)).toEqual(alert);
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
    expect(Buffer.byteLength(p.Message)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(JSON.parse(JSON.parse(p.Message).sqs).recordTruncated).toBe(true);
  });
});
