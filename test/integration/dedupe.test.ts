/**
 * Dedupe windows: the same decisions in memory (backtests) and on DynamoDB (dynalite), and on
 * DynamoDB under concurrent evaluations: exactly one alert per key per window is delivered, every
 * other one is counted, and the count is carried into the next window's alert.
 */
import { DynamoDedupeState } from '../../functions/adapters/dedupe-store';
import { MemoryDedupeState, type DedupeState } from '../../functions/core/suppress/dedupe';
import { Suppressor } from '../../functions/core/suppress/suppression';
import type { Alert, RuleDefinition } from '../../functions/core/common/types';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { hostileAlert, HOSTILE_RULE } from '../unit/format/fixtures';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo('dedupe-test');
});
afterAll(() => dynamo.close());

const RULE: RuleDefinition = { ...HOSTILE_RULE, id: 'noisy', dedupe: { windowMs: 15 * 60_000, by: ['principalArn', 'sourceIPAddress'] } };
const T0 = Date.parse('2026-11-24T10:00:00Z');
let n = 0;
function alert(minutes: number, over: Partial<Alert> = {}): Alert {
  return { ...hostileAlert(), ruleId: 'noisy', id: `noisy:e${++n}`, principal: 'arn:aws:iam::111122223333:user/ci', sourceIp: '203.0.113.9', eventTime: new Date(T0 + minutes * 60_000).toISOString(), ...over };
}

describe.each([
  ['in memory', () => new MemoryDedupeState() as DedupeState],
  ['on DynamoDB', () => new DynamoDedupeState(dynamo.client, dynamo.tableName) as DedupeState],
])('dedupe windows %s', (_name, make) => {
  it('delivers one alert per key per window and reports the held-back count on the next one', async () => {
    const suppressor = new Suppressor({ rules: [RULE], dedupe: make() });
    const principal = `arn:aws:iam::111122223333:user/ci-${_name.length}-${Math.random()}`;
    const a = (m: number, o: Partial<Alert> = {}) => suppressor.decide(alert(m, { principal, ...o }));
    expect(await a(0)).toMatchObject({ deliver: true });
    expect(await a(5)).toEqual({ deliver: false, reason: 'dedupe', windowStart: '2026-11-24T10:00:00.000Z' });
    expect(await a(14)).toMatchObject({ deliver: false, reason: 'dedupe' });
    expect(await a(6, { sourceIp: '198.51.100.1' })).toMatchObject({ deliver: true }); // another key
    const next = await a(15);
    expect(next).toMatchObject({ deliver: true, alert: { suppressedBefore: { count: 2, since: '2026-11-24T10:00:00.000Z' } } });
    expect(await a(40)).toEqual({ deliver: true, alert: expect.not.objectContaining({ suppressedBefore: expect.anything() }) });
  });

  it('gives a retried or redriven alert its first decision again, without counting it twice', async () => {
    const suppressor = new Suppressor({ rules: [RULE], dedupe: make() });
    const principal = `arn:aws:iam::111122223333:user/redrive-${_name.length}-${Math.random()}`;
    const first = alert(0, { principal });
    const held = alert(5, { principal });
    expect(await suppressor.decide(first)).toMatchObject({ deliver: true });
    expect(await suppressor.decide(held)).toMatchObject({ deliver: false });
    const carrier = alert(20, { principal }); // opens the next window, carrying "1 more"
    expect(await suppressor.decide(carrier)).toMatchObject({ deliver: true, alert: { suppressedBefore: { count: 1 } } });
    // Redrives, after the window moved on: the first alert is still delivered, the held one still held,
    // the carrier still carries its count, and nothing is counted again.
    expect(await suppressor.decide(first)).toMatchObject({ deliver: true });
    expect(await suppressor.decide(held)).toMatchObject({ deliver: false });
    expect(await suppressor.decide(carrier)).toMatchObject({ deliver: true, alert: { suppressedBefore: { count: 1 } } });
    expect(await suppressor.decide(alert(40, { principal }))).toEqual({ deliver: true, alert: expect.not.objectContaining({ suppressedBefore: expect.anything() }) });
  });

  it('delivers an event older than the open window (late delivery) instead of holding it back', async () => {
    const suppressor = new Suppressor({ rules: [RULE], dedupe: make() });
    const principal = `arn:aws:iam::111122223333:user/late-${_name.length}-${Math.random()}`;
    expect(await suppressor.decide(alert(30, { principal }))).toMatchObject({ deliver: true });
    expect(await suppressor.decide(alert(10, { principal }))).toMatchObject({ deliver: true });
    expect(await suppressor.decide(alert(31, { principal }))).toMatchObject({ deliver: false });
  });

  it('holds back a second alert at exactly the window\'s start second (CloudTrail times are whole seconds)', async () => {
    const suppressor = new Suppressor({ rules: [RULE], dedupe: make() });
    const principal = `arn:aws:iam::111122223333:user/same-second-${_name.length}-${Math.random()}`;
    const first = alert(0, { principal, eventTime: '2026-11-24T10:00:00Z' });
    const second = alert(0, { principal, eventTime: '2026-11-24T10:00:00Z' });
    expect(await suppressor.decide(first)).toMatchObject({ deliver: true });
    expect(await suppressor.decide(second)).toEqual({ deliver: false, reason: 'dedupe', windowStart: '2026-11-24T10:00:00.000Z' });
    // One second before the start is older than the window (a late delivery): delivered.
    expect(await suppressor.decide(alert(0, { principal, eventTime: '2026-11-24T09:59:59Z' }))).toMatchObject({ deliver: true });
    // The last second inside the window is held back; the window's end opens the next one.
    expect(await suppressor.decide(alert(0, { principal, eventTime: '2026-11-24T10:14:59Z' }))).toMatchObject({ deliver: false });
    expect(await suppressor.decide(alert(0, { principal, eventTime: '2026-11-24T10:15:00Z' }))).toMatchObject({ deliver: true, alert: { suppressedBefore: { count: 2 } } });
  });

  it('delivers a retried alert again instead of holding it back', async () => {
    const state = make();
    const first = alert(0, { principal: `arn:aws:iam::1:user/retry-${Math.random()}` });
    expect(await state.admit(`k-${first.principal}`, first.id, T0, 60_000)).toEqual({ deliver: true });
    expect(await state.admit(`k-${first.principal}`, first.id, T0, 60_000)).toEqual({ deliver: true });
    expect(await state.admit(`k-${first.principal}`, 'other', T0 + 1, 60_000)).toMatchObject({ deliver: false });
  });
});

it('under 20 concurrent evaluations of the same key, exactly one is delivered and 19 are counted', async () => {
  const alerts = Array.from({ length: 20 }, (_, i) => alert(i / 10, { principal: 'arn:aws:iam::111122223333:user/concurrent' }));
  // Separate state objects and clients per "invocation", as separate Lambda containers would have.
  const verdicts = await Promise.all(alerts.map((a) => new Suppressor({ rules: [RULE], dedupe: new DynamoDedupeState(dynamo.client, dynamo.tableName) }).decide(a)));
  expect(verdicts.filter((v) => v.deliver)).toHaveLength(1);
  expect(verdicts.filter((v) => !v.deliver && v.reason === 'dedupe')).toHaveLength(19);
  const after = await new Suppressor({ rules: [RULE], dedupe: new DynamoDedupeState(dynamo.client, dynamo.tableName) }).decide(alert(30, { principal: 'arn:aws:iam::111122223333:user/concurrent' }));
  expect(after).toMatchObject({ deliver: true, alert: { suppressedBefore: { count: 19 } } });
});

it('a live mute wins over dedupe and names the mute', async () => {
  const now = T0;
  const suppressor = new Suppressor({
    rules: [RULE],
    dedupe: new MemoryDedupeState(),
    mutes: async () => [{ id: 'm-x', ruleId: 'noisy', scope: {}, reason: 'r', createdBy: 'a', createdAt: '2026-11-24T09:00:00Z', expiresAt: '2026-11-24T11:00:00Z' }],
    now: () => now,
  });
  expect(await suppressor.decide(alert(0))).toEqual({ deliver: false, reason: 'mute', muteId: 'm-x' });
});
