/**
 * One call, one alert: the copies of a cross-account call (records sharing a sharedEventID) give one
 * alert id per rule, one alert per process, and name each other when more than one copy is known.
 */
import { join } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { buildAlert, callIdOf, deliveryKeyOf, sharedEventIdOf } from '../../functions/core/alert/alert';
import { CopyWindow, copyKey, parseCopyKey, withCopies } from '../../functions/core/alert/copies';
import { Evaluator } from '../../functions/core/match/evaluator';
import { runtimePack, withAccountNames } from '../../functions/core/rules/runtime-pack';
import type { RuleDefinition, RulePack } from '../../functions/core/common/types';
import { crossAccountCopies, envelope, record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');
const pack = loadRulesDir(join(ROOT, 'rules'), ROOT).pack;
const copyRule: RuleDefinition = {
  id: 'any-model-copy', name: 'Model copied', description: 'd', severity: 'medium', enabled: true, tags: [], references: [],
  conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'CopyProjectVersion' }] }, tests: [], file: 'rules/any-model-copy.json',
};
const onlyCopies: RulePack = { rules: [copyRule], lists: {} };

describe('the alert id of a cross-account call', () => {
  const [owner, caller] = crossAccountCopies();

  it('is ruleId:sharedEventID for every copy, while each copy keeps its own eventId, account and console link', () => {
    const a = buildAlert(copyRule, owner);
    const b = buildAlert(copyRule, caller);
    expect(a.id).toBe('any-model-copy:0b7c3f5e-4444-4a1b-8c2d-000000000020');
    expect(b.id).toBe(a.id);
    expect([a.eventId, a.account, a.sharedEventId]).toEqual(['a1d2e3f4-5555-4b6c-9d7e-000000000021', '111122223333', '0b7c3f5e-4444-4a1b-8c2d-000000000020']);
    expect([b.eventId, b.account]).toEqual(['c5b6a7d8-6666-4e9f-8a0b-000000000022', '444455556666']);
    expect(b.consoleUrl).toBe('https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/c5b6a7d8-6666-4e9f-8a0b-000000000022');
  });

  it('is ruleId:eventId without a sharedEventID (unchanged), and has no sharedEventId field', () => {
    const alert = buildAlert(copyRule, record({ eventName: 'CopyProjectVersion' }));
    expect(alert.id).toBe('any-model-copy:7e1a9b2c-2222-4d3e-8f4a-000000000001');
    expect('sharedEventId' in alert).toBe(false);
  });

  it('ignores the sharedEventID of Insights events (it links an insight\'s start and end, two events)', () => {
    const insight = record({ eventType: 'AwsCloudTrailInsight', sharedEventID: 's-1', insightDetails: { state: 'Start' } });
    expect(sharedEventIdOf(insight)).toBeUndefined();
    expect(callIdOf(insight)).toBe(insight.eventID);
  });

  it('keeps the duplicate-delivery key per copy: both copies are evaluated, not dropped as duplicates', () => {
    expect(deliveryKeyOf(owner)).not.toBe(deliveryKeyOf(caller));
  });
});

describe('account names in alerts', () => {
  const names = { '111122223333': 'prod-vision', '444455556666': 'ml-central', __proto__: 'x' } as Record<string, string>;

  it('names the recording account and the caller account, and nothing the alert does not mention', () => {
    const [owner] = crossAccountCopies();
    const alert = buildAlert(copyRule, owner, undefined, { ...names, '999988887777': 'other' });
    expect(alert.accountNames).toEqual({ '111122223333': 'prod-vision', '444455556666': 'ml-central' });
    expect(alert.title).toContain('in 111122223333/us-east-1 (prod-vision)');
  });

  it('has no accountNames field when no account is named', () => {
    const alert = buildAlert(copyRule, record(), undefined, { '999988887777': 'other' });
    expect('accountNames' in alert).toBe(false);
  });

  it('stay in the pack the Lambda bundle is built from (runtimePack), and only when there are some', () => {
    expect(runtimePack(withAccountNames(onlyCopies, { '111122223333': 'prod-vision' })).accountNames).toEqual({ '111122223333': 'prod-vision' });
    expect('accountNames' in runtimePack(withAccountNames(onlyCopies, {}))).toBe(false);
  });

  it('reach alerts through the pack', async () => {
    const [owner] = crossAccountCopies();
    const evaluation = await new Evaluator({ ...onlyCopies, accountNames: names }).evaluate(owner);
    expect(evaluation.alerts[0]!.accountNames).toEqual({ '111122223333': 'prod-vision', '444455556666': 'ml-central' });
  });
});

describe('the evaluator and the copies of one call', () => {
  it('merges (default): the first copy gives the alert, a later copy gives none, in either order', async () => {
    for (const order of [crossAccountCopies(), crossAccountCopies().reverse()]) {
      const evaluator = new Evaluator(onlyCopies);
      const first = await evaluator.evaluate(order[0]);
      const second = await evaluator.evaluate(envelope(order[1]!));
      expect(first.alerts).toHaveLength(1);
      expect(second).toMatchObject({ status: 'evaluated', alerts: [] });
    }
  });

  it('returns the same copy again (a duplicate delivery is not a copy), and other calls as usual', async () => {
    const evaluator = new Evaluator(onlyCopies);
    const [owner] = crossAccountCopies();
    const [otherCall] = crossAccountCopies({ sharedEventID: '0b7c3f5e-4444-4a1b-8c2d-000000000099' });
    expect((await evaluator.evaluate(owner)).alerts).toHaveLength(1);
    expect((await evaluator.evaluate(owner)).alerts).toHaveLength(1);
    expect((await evaluator.evaluate(otherCall)).alerts).toHaveLength(1);
  });

  it('still alerts on a later copy when only that copy matches (cross-account-caller matches the owner\'s copy only)', async () => {
    const evaluator = new Evaluator(pack);
    const [owner, caller] = crossAccountCopies();
    expect((await evaluator.evaluate(caller)).alerts.map((a) => a.ruleId)).not.toContain('cross-account-caller');
    expect((await evaluator.evaluate(owner)).alerts.map((a) => a.ruleId)).toContain('cross-account-caller');
  });

  it("with copies: 'each' returns every copy's alert, with the same id (the Lambda's store decides)", async () => {
    const evaluator = new Evaluator(onlyCopies, { copies: 'each' });
    const ids = [];
    for (const copy of crossAccountCopies()) ids.push(...(await evaluator.evaluate(copy)).alerts.map((a) => `${a.id} ${a.account}`));
    expect(ids).toEqual(['any-model-copy:0b7c3f5e-4444-4a1b-8c2d-000000000020 111122223333', 'any-model-copy:0b7c3f5e-4444-4a1b-8c2d-000000000020 444455556666']);
  });

  it('keeps a bounded window', () => {
    const w = new CopyWindow(2);
    const alert = (shared: string, account: string) => ({ ...buildAlert(copyRule, record({ sharedEventID: shared, recipientAccountId: account, eventID: `${shared}-${account}` })) });
    expect(w.fold(alert('s1', '111122223333'))).toBe(false);
    expect(w.fold(alert('s2', '111122223333'))).toBe(false);
    expect(w.fold(alert('s3', '111122223333'))).toBe(false); // s1 leaves the window
    expect(w.fold(alert('s1', '444455556666'))).toBe(false);
    expect(w.fold(alert('s3', '444455556666'))).toBe(true);
  });
});

describe('withCopies', () => {
  const [owner, caller] = crossAccountCopies();
  const a = buildAlert(copyRule, owner);
  const b = buildAlert(copyRule, caller);

  it('names every copy, its own first, when more than one is known, with the copies\' account names', () => {
    const merged = withCopies(b, [{ account: '111122223333', eventId: a.eventId }, { account: b.account, eventId: b.eventId }], { '111122223333': 'prod-vision' });
    expect(merged.recordedBy).toEqual([{ account: '444455556666', eventId: b.eventId }, { account: '111122223333', eventId: a.eventId }]);
    expect(merged.accountNames).toEqual({ '111122223333': 'prod-vision' });
  });

  it('leaves an alert whose only known copy is its own unchanged', () => {
    expect(withCopies(a, [{ account: a.account, eventId: a.eventId }])).toBe(a);
    expect(withCopies(a, [])).toBe(a);
  });

  it('round-trips a copy through its string form', () => {
    expect(parseCopyKey(copyKey({ account: '111122223333', eventId: 'e|1' }))).toEqual({ account: '111122223333', eventId: 'e|1' });
    expect(parseCopyKey('nothing')).toBeNull();
  });
});
