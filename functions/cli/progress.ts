/** A one-line progress indicator on stderr, shown only when stderr is a terminal. */
import type { Writable } from 'node:stream';
import type { ReplayStats } from '../core/report/replay-stats';

export class Progress {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: Writable, private readonly enabled: boolean, private readonly intervalMs = 200) {}

  private stats: ReplayStats | undefined;
  private detail = '';

  update(stats: ReplayStats): void {
    if (!this.enabled) return;
    this.stats = stats;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(stats);
  }

  /** What a slow source is doing (`LookupEvents us-east-1 EventName=X: page 3`), after the counts; drawn at once. */
  status(text: string): void {
    if (!this.enabled) return;
    this.detail = text;
    if (this.stats) this.draw(this.stats);
    else {
      this.stream.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    }
  }

  private draw(stats: ReplayStats): void {
    const mb = (stats.bytes / 1e6).toFixed(1);
    this.stream.write(`\r\x1b[2K${stats.files} files, ${stats.records.toLocaleString('en-US')} records, ${mb} MB read, ${stats.alerts.toLocaleString('en-US')} alerts${this.detail ? ` (${this.detail})` : ''}`);
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
