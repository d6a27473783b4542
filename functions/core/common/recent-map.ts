/**
 * The most recent `capacity` keys and their values, oldest evicted first, in O(1) per operation
 * whatever the history. Eviction order is kept in a ring buffer of keys: a V8 `Map`/`Set` used as a
 * queue (`keys().next()` to find the oldest) slows down as deleted entries pile up in front of the
 * live ones, which made replay superlinear past a few hundred thousand records.
 */
export class RecentMap<V> {
  private readonly values = new Map<string, V>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity);
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** Remembers `key` (a new key may evict the oldest); an existing key keeps its place and gets `value`. */
  set(key: string, value: V): void {
    if (this.values.has(key)) {
      this.values.set(key, value);
      return;
    }
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.values.delete(evicted);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.values.set(key, value);
  }

  get size(): number {
    return this.values.size;
  }
}
