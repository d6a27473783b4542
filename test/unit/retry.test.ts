import { DeliveryFailure, withRetry } from '../../functions/core/deliver/retry';

describe('withRetry', () => {
  const sleeps: number[] = [];
  const opts = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 1, baseMs: 100, attempts: 4 };
  beforeEach(() => (sleeps.length = 0));

  it('retries with doubling backoff until it succeeds', async () => {
    let n = 0;
    const out = await withRetry(async () => {
      if (++n < 3) throw new Error('flaky');
      return 'ok';
    }, opts);
    expect(out).toEqual({ value: 'ok', attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it('honours Retry-After and gives up after the last attempt', async () => {
    const out = await withRetry(async () => {
      throw new DeliveryFailure('429', true, 1500);
    }, opts);
    expect(out.attempts).toBe(4);
    expect((out.error as Error).message).toBe('429');
    expect(sleeps).toEqual([1500, 1500, 1500]);
  });

  it('stops at once on a permanent failure', async () => {
    const out = await withRetry(async () => {
      throw new DeliveryFailure('400 invalid_payload', false);
    }, opts);
    expect(out.attempts).toBe(1);
    expect(sleeps).toEqual([]);
  });
});
