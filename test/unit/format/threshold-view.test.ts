/** What a person reads about a threshold alert: the count, the window, the key, in every format. */
import { alertView } from '../../../functions/core/format/model';
import { emailText } from '../../../functions/core/format/email';
import type { Alert } from '../../../functions/core/common/types';

const base: Alert = {
  id: 'a1', ruleId: 'bulk-face-search', ruleName: 'Bulk face search', severity: 'high', eventId: 'e1', eventName: 'SearchFacesByImage',
  eventSource: 'rekognition.amazonaws.com', eventTime: '2026-11-20T09:18:19Z', account: '111122223333', region: 'us-east-1',
  principal: 'arn:aws:sts::111122223333:assumed-role/app/s', sourceIp: '198.51.100.20', record: {},
} as unknown as Alert;

const facts = (a: Alert) => Object.fromEntries(alertView(a).what.map((f) => [f.label, f.value]));
const summary = (a: Alert) => alertView(a).summary.map((s) => s.text).join('');

describe('threshold alerts in the view', () => {
  it('say what was counted, within which window, per which key, since when', () => {
    const a = { ...base, threshold: { count: 200, window: '5m', key: { principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s' }, windowStart: '2026-11-20T09:15:00.000Z', reached: 200 } } as Alert;
    expect(facts(a)).toMatchObject({ Threshold: '200 matching calls within 5m', 'Counted per': 'principalArn = arn:aws:sts::111122223333:assumed-role/app/s', 'Window start': '2026-11-20T09:15:00.000Z' });
    expect(facts(a)).not.toHaveProperty('In the window');
    expect(summary(a)).toContain('It reached the threshold: 200 matching calls within 5m since 2026-11-20T09:15:00.000Z.');
  });

  it('name the distinct fact and the final count when the window closed (replay, watch)', () => {
    const a = { ...base, threshold: { count: 10, window: '1h', key: { principalArn: 'p', eventName: 'SearchFaces' }, windowStart: 'T', reached: 10, final: 14, distinct: { fact: 'requestParameters', path: '$.collectionId' } } } as Alert;
    expect(facts(a)).toMatchObject({ Threshold: '10 distinct values of requestParameters.collectionId within 1h', 'Counted per': 'principalArn = p; eventName = SearchFaces', 'In the window': '14 when it closed' });
    expect(summary(a)).toContain('10 distinct values of requestParameters.collectionId within 1h since T (14 by the end of the window).');
  });

  it('show hidden characters in key values and bound them; ignore a malformed threshold', () => {
    const a = { ...base, threshold: { count: 3, window: '5m', key: { userAgent: 'x\u202Ey\n'.repeat(200) }, windowStart: 'T', reached: 3 } } as Alert;
    const key = facts(a)['Counted per']!;
    expect(key).not.toMatch(/[\u202E\n]/);
    expect(key.length).toBeLessThan(2_000);
    const broken = { ...base, threshold: { count: 'many', window: 5 } } as unknown as Alert;
    expect(facts(broken)).not.toHaveProperty('Threshold');
    expect(emailText(broken)).toContain('SearchFacesByImage');
  });
});
