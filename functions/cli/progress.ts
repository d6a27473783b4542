/** A one-line progress indicator on stderr, shown only when stderr is a terminal. */
import type { Writable } from 'node:stream';
import type { ReplayStats } from '../core/report/replay-stats';

export class Progress {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: Writable, private readonly enabled: boolean, private readonly intervalMs = 200) {}

  update(stats: ReplayStats): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const mb = (stats.bytes / 1e6).toFixed(1);
    this.stream.write(`\r\x1b[2K${stats.files} files, ${stats.records.toLocaleString('en-US')} records, ${mb} MB read, ${stats.alerts.toLocaleString('en-US')} alerts`);
    this.drawn = true;
  }

  /** Erases the progress line so other output starts on a clean line. */
  clear(): void {
    if (this.drawn) {
      this.stream.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  /** Prints a message line on the progress stream (clearing the progress line first). */
  above(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }
}
