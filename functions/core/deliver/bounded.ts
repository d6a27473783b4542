/**
 * Bounded concurrency: at most `limit` tasks run at once. `run` waits for a free slot, then starts the
 * task without waiting for it to finish (so a producer is held back while the slots are full);
 * `idle` waits until every started task has finished and rethrows the first error a task threw.
 */
export class Bounded {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${limit}`);
  }

  async run(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.active--;
        this.running.delete(p);
        this.waiting.shift()?.();
      });
    this.running.add(p);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure.error;
  }
}
