/**
 * Retry with exponential backoff and jitter, for deliveries to channels that can fail transiently.
 * The error decides: `retryable: false` stops at once; `retryAfterMs` (e.g. from an HTTP 429's
 * Retry-After) overrides the backoff. `sleep` and `random` are injected so tests are instant.
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface RetryOutcome<T> {
  value?: T;
  error?: unknown;
  attempts: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<RetryOutcome<T>> {
  const attempts = options.attempts ?? 4;
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (e) {
      last = e;
      const failure = e instanceof DeliveryFailure ? e : undefined;
      if (failure && !failure.retryable) return { error: e, attempts: attempt };
      if (attempt === attempts) break;
      const backoff = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + random() / 2);
      await sleep(Math.min(max, failure?.retryAfterMs ?? backoff));
    }
  }
  return { error: last, attempts };
}
