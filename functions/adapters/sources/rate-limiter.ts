/**
 * Spaces calls at least `intervalMs` apart (CloudTrail LookupEvents allows about 2 requests a second
 * per account and region). Clock and sleep are injected, so tests run on a fake clock.
 */
export class IntervalLimiter {
  private next = -Infinity;

  constructor(private readonly intervalMs: number, private readonly now: () => number, private readonly sleep: (ms: number) => Promise<void>) {}

  /** Resolves when the next call may start. */
  async take(): Promise<void> {
    const wait = this.next - this.now();
    if (wait > 0) await this.sleep(wait);
    this.next = Math.max(this.now(), this.next) + this.intervalMs;
  }
}
