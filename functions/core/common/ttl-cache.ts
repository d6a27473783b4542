/**
 * A value read at most once per `ttlMs` (pure apart from the injected reader and clock): concurrent
 * first reads share one request, a failed read is not cached, `invalidate` forces the next read.
 */
export interface TtlCache<T> {
  get(): Promise<T>;
  invalidate(): void;
}

export function ttlCache<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): TtlCache<T> {
  let value: { v: T; at: number } | undefined;
  let pending: Promise<T> | undefined;
  return {
    get: async () => {
      if (value && now() - value.at < ttlMs) return value.v;
      pending ??= read()
        .then((v) => {
          value = { v, at: now() };
          return v;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    invalidate: () => {
      value = undefined;
    },
  };
}
