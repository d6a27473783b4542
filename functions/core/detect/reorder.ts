/**
 * The lateness-bounded reorder buffer of replay and watch: items go in in any order and come out in
 * event-time order (ties by a caller-given key, so equal times come out the same way whatever the
 * input order), so that detection results do not depend on file or record order.
 *
 * `newest` is the latest event time pushed. An item is released once its time is before the
 * watermark `newest - lateness`; an item that arrives with a time before the watermark (more than
 * `lateness` older than the newest item seen) is *late*: `push` returns false and the caller counts
 * and names it. Every released item is strictly before the watermark and every accepted item at or
 * after it, so any arrival order in which no item is late releases the same sequence. Memory: the
 * items within `lateness` of the newest (a binary heap).
 */
export const DEFAULT_LATENESS_MS = 15 * 60_000;

interface Slot<T> {
  t: number;
  /** The tie key, made the first time two items of one time are compared (rare: most times differ). */
  tie: string | undefined;
  item: T;
}

export class ReorderBuffer<T> {
  private readonly heap: Slot<T>[] = [];
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly latenessMs: number, private readonly tieOf: (item: T) => string) {}

  /** Items older than this are late; everything released is older than this. */
  get watermark(): number {
    return this.newest - this.latenessMs;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Buffers an item at event time `t`; false (not buffered) when it is late. */
  push(t: number, item: T): boolean {
    if (t < this.watermark) return false;
    if (t > this.newest) this.newest = t;
    this.heap.push({ t, tie: undefined, item });
    this.up(this.heap.length - 1);
    return true;
  }

  /** The items now before the watermark, in order. */
  release(): T[] {
    return this.drain(this.watermark);
  }

  /** Everything, in order (end of input). */
  flush(): T[] {
    return this.drain(Number.POSITIVE_INFINITY);
  }

  private drain(before: number): T[] {
    const out: T[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Slot<T>).t < before) out.push(this.pop().item);
    return out;
  }

  private less(a: Slot<T>, b: Slot<T>): boolean {
    return a.t < b.t || (a.t === b.t && this.tie(a) < this.tie(b));
  }

  private tie(s: Slot<T>): string {
    return (s.tie ??= this.tieOf(s.item));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i] as Slot<T>, h[parent] as Slot<T>)) break;
      const s = h[i] as Slot<T>;
      h[i] = h[parent] as Slot<T>;
      h[parent] = s;
      i = parent;
    }
  }

  private pop(): Slot<T> {
    const h = this.heap;
    const top = h[0] as Slot<T>;
    const last = h.pop() as Slot<T>;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Slot<T>, h[m] as Slot<T>)) m = l;
        if (r < h.length && this.less(h[r] as Slot<T>, h[m] as Slot<T>)) m = r;
        if (m === i) break;
        const s = h[i] as Slot<T>;
        h[i] = h[m] as Slot<T>;
        h[m] = s;
        i = m;
      }
    }
    return top;
  }
}
