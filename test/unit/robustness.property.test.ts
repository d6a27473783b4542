/** Bad input never crashes the core: any JSON value as a record or envelope. */
import fc from 'fast-check';
import { buildAlert } from '../../functions/core/alert/alert';
import { Evaluator } from '../../functions/core/match/evaluator';
import { toRecord } from '../../functions/core/input/record';
import type { RuleDefinition } from '../../functions/core/common/types';
import { arbPack, arbRecord } from '../helpers/arbitraries';
import { envelope } from '../helpers/records';

const anyRecordish = fc.oneof(
  fc.jsonValue(),
  arbRecord,
  arbRecord.map(envelope),
  fc.dictionary(fc.constantFrom('eventVersion', 'eventSource', 'eventName', 'userIdentity', 'detail', 'detail-type', 'readOnly', 'sourceIPAddress', '__proto__', 'eventID'), fc.jsonValue()),
  fc.jsonValue().map((detail) => ({ 'detail-type': 'AWS API Call via CloudTrail', detail })),
);

describe('the core never throws on hostile input', () => {
  it('evaluates any JSON value to evaluated / outOfScope / malformed without rejecting', async () => {
    await fc.assert(
      fc.asyncProperty(arbPack, anyRecordish, async (pack, input) => {
        for (const sources of ['*', undefined] as const) {
          const ev = new Evaluator(pack, { eventSources: sources });
          const result = await ev.evaluate(input);
          expect(['evaluated', 'outOfScope', 'malformed']).toContain(result.status);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('builds a bounded, one-line-titled alert for any record', () => {
    const rule = arbPack.map((p) => p.rules[0]!);
    fc.assert(
      fc.property(rule, anyRecordish, (r, input) => {
        const parsed = toRecord(input);
        if (!parsed.ok) return;
        const alert = buildAlert(r, parsed.record);
        expect(alert.title).not.toMatch(/[\r\n]/);
        expect(Array.from(alert.title).length).toBeLessThanOrEqual(200);
        expect(Buffer.byteLength(JSON.stringify(alert.record))).toBeLessThanOrEqual(8192);
        expect(alert.consoleUrl).toMatch(/^https:\/\//);
      }),
      { numRuns: 500 },
    );
  });

  it('builds an alert for an eventID with a lone surrogate (valid JSON, not valid in a URI)', () => {
    const rule: RuleDefinition = { id: 'r', name: 'R', description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [], conditions: { all: [] }, file: 'r.json' };
    const alert = buildAlert(rule, JSON.parse('{"eventSource":"rekognition.amazonaws.com","eventName":"DeleteCollection","eventID":"abc\\ud800def"}'));
    expect(alert.eventId).toBe('abc\ud800def');
    expect(alert.consoleUrl).toMatch(/#\/events\/abc%EF%BF%BDdef$/);
  });
});
