/**
 * The evaluator asks json-rules-engine once per rule and distinct list of fact values, and remembers
 * the verdict (functions/core/match/evaluator.ts `recall`, `ask`): the same alerts and rule errors as
 * asking it every time, told apart by every value it sees (undefined is not null), and never with the
 * pre-check off (`precheck: false`, the oracle of the differential tests).
 */
import { Engine } from 'json-rules-engine';
import { Evaluator } from '../../functions/core/match/evaluator';
import type { RuleDefinition, RulePack } from '../../functions/core/common/types';
import { record } from '../helpers/records';

const rule = (id: string, conditions: unknown): RuleDefinition => ({
  id, name: id, description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [], file: `${id}.json`, conditions: conditions as RuleDefinition['conditions'],
});
const pack: RulePack = {
  lists: {},
  rules: [
    // Survives the pre-check (it cannot judge a JSONPath filter), so json-rules-engine decides it.
    rule('deletes', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }, { fact: 'requestParameters', path: '$..collectionId', operator: 'equal', value: 'faces' }] }),
    rule('no-error', { all: [{ fact: 'eventName', operator: 'equal', value: 'DetectFaces' }, { fact: 'errorCode', path: '$[?(@)]', operator: 'equal', value: null }, { fact: 'errorCode', operator: 'equal', value: null }] }),
    rule('throws', { all: [{ fact: 'eventName', operator: 'equal', value: 'DetectText' }, { fact: 'sourceIPAddress', operator: 'ipInCidr', value: { fact: 'userAgent' } }] }),
  ],
};

const outcome = async (ev: Evaluator, r: unknown) => {
  const e = await ev.evaluate(r);
  return { alerts: e.alerts.map((a) => `${a.ruleId}:${a.eventId}`), errors: e.errors.map((x) => `${x.ruleId}:${x.message}`) };
};

describe('remembered json-rules-engine verdicts', () => {
  let runs: jest.SpyInstance;
  beforeEach(() => {
    runs = jest.spyOn(Engine.prototype, 'run');
  });
  afterEach(() => runs.mockRestore());

  const records = [
    record({ eventID: 'a', eventName: 'DeleteCollection', requestParameters: { collectionId: 'faces' } }),
    record({ eventID: 'b', eventName: 'DeleteCollection', requestParameters: { collectionId: 'faces' } }),
    record({ eventID: 'c', eventName: 'DeleteCollection', requestParameters: { collectionId: 'other' } }),
    record({ eventID: 'd', eventName: 'DeleteCollection', requestParameters: { collectionId: 'faces' } }),
    record({ eventID: 'e', eventName: 'DetectFaces', errorCode: null }),
    (({ errorCode: _e, ...r }) => r)(record({ eventID: 'f', eventName: 'DetectFaces' })),
    record({ eventID: 'g', eventName: 'DetectFaces', errorCode: null }),
    record({ eventID: 'h', eventName: 'DetectText', userAgent: 'aws-cli/2' }),
    record({ eventID: 'i', eventName: 'DetectText', userAgent: 'aws-cli/2' }),
  ];

  it('gives what asking json-rules-engine every time gives, and asks once per distinct list of values', async () => {
    // The oracle: a fresh evaluator for each record, so json-rules-engine is asked every time.
    const want = [];
    for (const r of records) want.push(await outcome(new Evaluator(pack), r));
    const oracleRuns = runs.mock.calls.length;
    runs.mockClear();
    const ev = new Evaluator(pack);
    const got = [];
    for (const r of records) got.push(await outcome(ev, r));
    expect(got).toEqual(want);
    // Alerts on a, b, d (the same values), not c; on e and g (errorCode null), not f (no errorCode);
    // the same rule error for h and i.
    expect(got.map((o) => o.alerts.length)).toEqual([1, 1, 0, 1, 1, 0, 1, 0, 0]);
    expect(got[7]?.errors).toEqual(got[8]?.errors);
    expect(got[7]?.errors).toHaveLength(1);
    // The oracle ran each record's rule once per record; the evaluator once per rule and distinct
    // values: deletes {faces, other}, no-error {null, undefined}, throws {aws-cli/2}.
    expect(oracleRuns).toBe(records.length);
    expect(runs.mock.calls.length).toBe(5);
  });

  it('always asks json-rules-engine with the pre-check off', async () => {
    const ev = new Evaluator(pack, { precheck: false });
    for (const r of records) await ev.evaluate(r);
    expect(runs.mock.calls.length).toBe(records.length * pack.rules.length);
  });

  it('does not keep a verdict for values too large to be worth it', async () => {
    const ev = new Evaluator(pack);
    const big = { collectionId: 'faces', pad: 'x'.repeat(5000) };
    for (const id of ['x', 'y']) await ev.evaluate(record({ eventID: id, eventName: 'DeleteCollection', requestParameters: big }));
    expect(runs.mock.calls.length).toBe(2);
  });

  it('keeps no verdict for values JSON text cannot tell apart (1e400 parses to Infinity, written as null)', async () => {
    const many = rule('many-faces', { all: [{ fact: 'eventName', operator: 'equal', value: 'SearchFaces' }, { fact: 'requestParameters', path: '$..maxFaces', operator: 'greaterThan', value: 100 }] });
    const p: RulePack = { lists: {}, rules: [many] };
    const infinite = (id: string) => JSON.parse(JSON.stringify(record({ eventID: id, eventName: 'SearchFaces', requestParameters: { maxFaces: 0 } })).replace('"maxFaces":0', '"maxFaces":1e400')) as unknown;
    const none = (id: string) => record({ eventID: id, eventName: 'SearchFaces', requestParameters: { maxFaces: null } });
    for (const order of [[infinite('a'), none('b')], [none('b'), infinite('a')]]) {
      const ev = new Evaluator(p);
      const got = [];
      const want = [];
      for (const r of order) {
        got.push(await outcome(ev, r));
        want.push(await outcome(new Evaluator(p), r));
      }
      expect(got).toEqual(want);
      expect(got.flatMap((o) => o.alerts)).toEqual(['many-faces:a']);
    }
  });

  it('keeps no verdict for objects JSON text makes equal to plain ones (a null prototype, a Date)', async () => {
    // json-rules-engine turns the path's values into a number: a null-prototype object cannot be
    // turned into a string (a rule error), the plain object can (no match). Not from JSON.parse, but
    // a caller in code can pass one.
    const less = rule('less', { all: [{ fact: 'requestParameters', operator: 'lessThan', value: 'DetectFaces', path: '$.*' }] });
    const p: RulePack = { lists: {}, rules: [less] };
    const bare = (id: string) => record({ eventID: id, eventName: 'DetectFaces', requestParameters: { image: Object.assign(Object.create(null) as object, { s3Object: null }), omitted: true } });
    const plain = (id: string) => record({ eventID: id, eventName: 'DetectFaces', requestParameters: { image: { s3Object: null }, omitted: true } });
    const dated = (id: string) => record({ eventID: id, eventName: 'DetectFaces', requestParameters: { image: new Date('2026-11-20T09:00:00Z'), omitted: true } });
    const text = (id: string) => record({ eventID: id, eventName: 'DetectFaces', requestParameters: { image: '2026-11-20T09:00:00.000Z', omitted: true } });
    for (const order of [[bare('a'), plain('b')], [plain('b'), bare('a')], [dated('c'), text('d')], [text('d'), dated('c')]]) {
      const ev = new Evaluator(p);
      const got = [];
      const want = [];
      for (const r of order) {
        got.push(await outcome(ev, r));
        want.push(await outcome(new Evaluator(p, { precheck: false }), r));
      }
      expect(got).toEqual(want);
    }
    expect((await outcome(new Evaluator(p, { precheck: false }), bare('a'))).errors).toEqual(['less:Cannot convert object to primitive value']);
  });

  it('keeps no verdict for lists JSON text makes equal (undefined and null, a hole, -0 and 0)', async () => {
    const hasNull = rule('has-null', { all: [{ fact: 'requestParameters', operator: 'contains', value: null, path: '$..ids' }] }); // $.. : json-rules-engine decides (the pre-check cannot)
    const p: RulePack = { lists: {}, rules: [hasNull] };
    const withIds = (id: string, ids: unknown[]) => record({ eventID: id, eventName: 'DetectFaces', requestParameters: { ids } });
    // eslint-disable-next-line no-sparse-arrays
    const lists: unknown[][] = [[undefined], [null], [, 1], [null, 1], [-0], [0]];
    for (const a of lists) {
      for (const b of lists) {
        const ev = new Evaluator(p);
        const got = [await outcome(ev, withIds('a', a)), await outcome(ev, withIds('b', b))];
        const want = [await outcome(new Evaluator(p, { precheck: false }), withIds('a', a)), await outcome(new Evaluator(p, { precheck: false }), withIds('b', b))];
        expect([a, b, got]).toEqual([a, b, want]);
      }
    }
  });
});
