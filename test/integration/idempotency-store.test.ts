/**
 * The delivery ledger's owners (DynamoIdempotencyStore with `owner`, as `rekwatch watch` uses it) on
 * dynalite: a claim left by an owner that has ended is taken over at once, by exactly one taker; a
 * live owner's claim, or one without an owner (the Lambda's), waits for its lease.
 */
import { DynamoIdempotencyStore } from '../../functions/adapters/idempotency-store';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo.close());

const gone = new Set<string>();
const store = (owner?: string, now = () => 1_000_000) =>
  new DynamoIdempotencyStore(dynamo.client, { tableName: dynamo.tableName, now, ...(owner ? { owner, isGone: (o: string) => gone.has(o) } : {}) });

it('takes over at once a claim whose owner has ended, and not one whose owner lives', async () => {
  expect(await store('crashed').claim('k1')).toBe('claimed');
  expect(await store('live').claim('k1')).toBe('inflight'); // the claimant still runs (for all we know)
  gone.add('crashed');
  const next = store('next');
  expect(await next.claim('k1')).toBe('claimed');
  await next.markSent('k1');
  expect(await store('another').claim('k1')).toBe('alreadySent');
});

it('lets exactly one of several takers have a dead owner\'s claim', async () => {
  expect(await store('dead-2').claim('k2')).toBe('claimed');
  gone.add('dead-2');
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((o) => store(o).claim('k2')));
  expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
  expect(results.filter((r) => r === 'inflight')).toHaveLength(3);
});

it('without owners (the Lambda) a claim still waits for its lease', async () => {
  let t = 1_000_000;
  expect(await store(undefined, () => t).claim('k3')).toBe('claimed');
  gone.add('anyone');
  expect(await store('anyone', () => t).claim('k3')).toBe('inflight');
  t += 121_000;
  expect(await store(undefined, () => t).claim('k3')).toBe('claimed');
});
