/**
 * A matching record with `requestParameters` nested 100,000 levels deep (JSON.stringify overflows
 * the stack on it) still gives an alert, with a bounded excerpt, that every channel can carry.
 */
import { createHash } from 'node:crypto';
import { eventIdOf } from '../../functions/core/alert/alert';
import { alertEventEntry } from '../../functions/core/publish/alert-event';
import { parseAlertMessage } from '../../functions/core/publish/alert-message';
import { Evaluator } from '../../functions/core/match/evaluator';
import { MAX_WHOLE_DEPTH } from '../../functions/core/alert/excerpt';
import { formatEmail } from '../../functions/core/format/email';
import { formatSlack } from '../../functions/core/format/slack';
import { slackLimitProblems } from '../../functions/core/format/slack-limits';
import { jsonExtent } from '../../functions/core/common/json-bytes';
import { chatbotPublishParams, snsPublishParams } from '../../functions/core/publish/sns-message';
import type { RuleDefinition } from '../../functions/core/common/types';
import { nested, record } from '../helpers/records';

const rule: RuleDefinition = {
  id: 'collection-deleted', name: 'Face collection deleted', description: 'A face collection was deleted.', severity: 'high', enabled: true,
  tags: [], references: [], tests: [], file: 'rules/collection-deleted.json',
  conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] },
};

const DEPTH = 100_000;
const deepRecord = () => record({ eventName: 'DeleteCollection', requestParameters: { collectionId: 'employee-badges', filter: nested(DEPTH) } });

describe('a record nested 100,000 levels deep', () => {
  it('is too deep for JSON.stringify (the premise)', () => {
    expect(() => JSON.stringify(deepRecord())).toThrow(RangeError);
  });

  it('still alerts (not a rule error), with a bounded, shallow record excerpt', async () => {
    const evaluation = await new Evaluator({ rules: [rule], lists: {} }).evaluate(deepRecord());
    expect(evaluation.errors).toEqual([]);
    expect(evaluation.alerts).toHaveLength(1);
    const alert = evaluation.alerts[0]!;
    expect(alert.recordTruncated).toBe(true);
    expect(jsonExtent(alert.record, 8192, MAX_WHOLE_DEPTH)).toBeDefined();
    expect((alert.record as { requestParameters: { collectionId: string } }).requestParameters.collectionId).toBe('employee-badges');

    const sns = snsPublishParams(alert);
    const sent = parseAlertMessage((JSON.parse(sns.Message) as { default: string }).default);
    expect(sent).toEqual({ ok: true, alert });
    expect(formatEmail(alert).text).toMatch(/Face collection +employee-badges/);
    expect(slackLimitProblems(formatSlack(alert))).toEqual([]);
    expect(JSON.parse(chatbotPublishParams(alert).Message)).toMatchObject({ source: 'custom' });
    expect(parseAlertMessage(alertEventEntry(alert, 'alerts').Detail)).toEqual({ ok: true, alert });
  });

  it('gets an event id when it has none: the same digest as before for ordinary records, and one for deep ones', () => {
    const plain = record({ eventID: undefined });
    expect(eventIdOf(plain)).toBe(`sha256:${createHash('sha256').update(JSON.stringify(plain)).digest('hex').slice(0, 32)}`);
    const deep = { ...deepRecord(), eventID: undefined };
    expect(eventIdOf(deep)).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(eventIdOf(deep)).not.toBe(eventIdOf({ ...deep, requestParameters: { collectionId: 'employee-badges', filter: nested(DEPTH - 1) } }));
  });
});
