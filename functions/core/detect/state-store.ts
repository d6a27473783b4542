/**
 * Detection state (threshold windows, first-seen memory) behind one small, versioned key-value
 * interface, so the same pure reducers run over an in-memory map (replay, tests), the local store
 * (watch) and the stack's DynamoDB table (the Lambda).
 *
 * Contract every implementation keeps:
 *   - `get` is a strongly consistent read; an item whose `expiresAt` (epoch ms) is at or before the
 *     store's clock reads as absent (TTL deletion is lazy in DynamoDB and missing in dynalite, so
 *     expiry is checked on read, never assumed).
 *   - `put` writes only if the stored version equals `expectedVersion` (0: the key is absent or
 *     expired) and then stores `expectedVersion + 1`; it returns false on a conflict and never
 *     overwrites a newer write. No transactions are needed (dynalite has none).
 *   - Values are plain JSON data, at most `MAX_STATE_BYTES` when serialised (a DynamoDB item is at
 *     most 400 KB; the rest is left for keys and attributes). Reducers keep their values bounded.
 *
 * `updateState` is the one read-modify-write loop (optimistic concurrency): concurrent evaluations
 * of one key converge, each change applied once.
 */

export const MAX_STATE_BYTES = 350_000;

export interface StateItem<T> {
  readonly value: T;
  readonly version: number;
  readonly expiresAt: number;
}

export interface DetectionStateStore {
  get<T>(key: string): Promise<StateItem<T> | undefined>;
  put<T>(key: string, value: T, expectedVersion: number, expiresAt: number): Promise<boolean>;
}

/** What an update decides: the new value and its expiry, or `undefined` to leave the item as it is. */
export type StateChange<T> = { value: T; expiresAt: number } | undefined;

export class StateConflictError extends Error {
  constructor(readonly key: string, readonly attempts: number) {
    super(`detection state ${key}: still conflicting after ${attempts} attempts`);
    this.name = 'StateConflictError';
  }
}

/**
 * Applies `change` to the current value of `key` (undefined when absent), retrying on a conflict
 * with the value another writer stored. `change` must be a pure function of its argument: it may run
 * more than once. Returns the value in effect afterwards (the stored one when `change` left it).
 */
export async function updateState<T>(
  store: DetectionStateStore,
  key: string,
  change: (current: T | undefined) => StateChange<T>,
  maxAttempts = 25,
): Promise<T | undefined> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const item = await store.get<T>(key);
    const next = change(item?.value);
    if (next === undefined) return item?.value;
    if (await store.put(key, next.value, item?.version ?? 0, next.expiresAt)) return next.value;
  }
  throw new StateConflictError(key, maxAttempts);
}

/**
 * A store that answers at once (the in-memory one): `updateStateNow` then runs a change without a
 * promise, which replay's detect stage does for every selection of a long trail.
 */
export interface ImmediateStateStore extends DetectionStateStore {
  getNow<T>(key: string): StateItem<T> | undefined;
  putNow<T>(key: string, value: T, expectedVersion: number, expiresAt: number): boolean;
}

/** `updateState` on a store that answers at once: the same read-modify-write, synchronously. */
export function updateStateNow<T>(store: ImmediateStateStore, key: string, change: (current: T | undefined) => StateChange<T>): T | undefined {
  // One attempt: no other writer can come between this read and this write.
  const item = store.getNow<T>(key);
  const next = change(item?.value);
  if (next === undefined) return item?.value;
  if (!store.putNow(key, next.value, item?.version ?? 0, next.expiresAt)) throw new StateConflictError(key, 1);
  return next.value;
}

/**
 * The in-memory store (replay, tests): same contract, values copied so callers cannot alias them.
 * With `{ copy: false }` (replay's hot path) values are kept by reference and not size-checked: only
 * for callers whose reducers never modify a value they read or wrote (the detect reducers are pure).
 */
const SWEEP_MIN = 1024;

export class MemoryStateStore implements ImmediateStateStore {
  /** With copies, the value's JSON (`json`); without, the value itself and nothing else (`getNow` hands the item out as it is). */
  private readonly items = new Map<string, { json?: string; value?: unknown; version: number; expiresAt: number }>();
  private readonly copy: boolean;
  /**
   * Writes until the next sweep of expired items. Reads drop an expired item they meet, but a key
   * that is never read again (one per assumed-role session, say) would stay for the whole run:
   * every so many writes (at least SWEEP_MIN, and as many as there are items, so a sweep costs O(1)
   * a write amortised) the expired ones go, and memory follows the live state, not the input.
   */
  private untilSweep = SWEEP_MIN;

  constructor(private readonly now: () => number, options: { copy?: boolean } = {}) {
    this.copy = options.copy ?? true;
  }

  async get<T>(key: string): Promise<StateItem<T> | undefined> {
    return this.getNow<T>(key);
  }

  async put<T>(key: string, value: T, expectedVersion: number, expiresAt: number): Promise<boolean> {
    return this.putNow(key, value, expectedVersion, expiresAt);
  }

  getNow<T>(key: string): StateItem<T> | undefined {
    const item = this.live(key);
    if (!item) return undefined;
    // Without copies the stored item is the answer (read-only to the caller): no object per read.
    if (!this.copy) return item as StateItem<unknown> as StateItem<T>;
    return { value: JSON.parse(item.json as string) as T, version: item.version, expiresAt: item.expiresAt };
  }

  putNow<T>(key: string, value: T, expectedVersion: number, expiresAt: number): boolean {
    if ((this.live(key)?.version ?? 0) !== expectedVersion) return false;
    if (--this.untilSweep <= 0) this.sweep();
    if (!this.copy) {
      this.items.set(key, { value, version: expectedVersion + 1, expiresAt });
      return true;
    }
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > MAX_STATE_BYTES) throw new RangeError(`detection state ${key}: value over ${MAX_STATE_BYTES} bytes`);
    this.items.set(key, { json, version: expectedVersion + 1, expiresAt });
    return true;
  }

  /** Live items (not expired), for tests and the replay summary. */
  get size(): number {
    let n = 0;
    for (const key of this.items.keys()) if (this.live(key)) n++;
    return n;
  }

  /** Items held, expired ones not yet swept among them: what the store's memory is (for tests). */
  get held(): number {
    return this.items.size;
  }

  /** Deletes every expired item. */
  private sweep(): void {
    const now = this.now();
    for (const [key, item] of this.items) if (item.expiresAt <= now) this.items.delete(key);
    this.untilSweep = Math.max(SWEEP_MIN, this.items.size);
  }

  private live(key: string) {
    const item = this.items.get(key);
    if (item && item.expiresAt <= this.now()) {
      this.items.delete(key);
      return undefined;
    }
    return item;
  }
}
