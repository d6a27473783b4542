/**
 * Remembers the most recent N keys, to drop an event delivered twice. Duplicates in trail logs and
 * EventBridge deliveries arrive close together, so a bounded window keeps memory flat on any input.
 */
export class DuplicateWindow {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 200_000) {}

  /** True when the key was seen within the window; otherwise remembers it and returns false. */
  seenBefore(key: string): boolean {
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
