/**
 * Remembers the most recent N keys, to drop an event delivered twice. Duplicates in trail logs and
 * EventBridge deliveries arrive close together, so a bounded window keeps memory flat on any input,
 * and constant time per key however long the input (common/recent-map.ts).
 */
import { RecentMap } from '../common/recent-map';

export class DuplicateWindow {
  private readonly seen: RecentMap<true>;

  constructor(capacity = 200_000) {
    this.seen = new RecentMap(capacity);
  }

  /** True when the key was seen within the window; otherwise remembers it and returns false. */
  seenBefore(key: string): boolean {
    if (this.seen.has(key)) return true;
    this.seen.set(key, true);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
