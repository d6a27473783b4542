/** The CLI's edges, injected so commands can be tested without touching the real process. */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import pc from 'picocolors';
import type { Colors } from 'picocolors/types';
import type { RetryOptions } from '../core/deliver/retry';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  cwd: string;
  /** Whether stderr is a terminal (progress and colour go there only then). */
  stderrIsTTY: boolean;
  /** Whether stdout is a terminal (colour goes there only then); false when absent. */
  stdoutIsTTY?: boolean;
  /** Environment (delivery channels); process.env when absent. */
  env?: NodeJS.ProcessEnv;
  /** Delivery retry policy; the defaults (4 attempts, 0.5 s doubling backoff) when absent. */
  retry?: RetryOptions;
  /** The clock (mute expiry); Date.now when absent. */
  now?: () => number;
  /** Waiting (pacing AWS history reads, backing off); setTimeout when absent. */
  sleep?: (ms: number) => Promise<void>;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
}

/**
 * Colours for one of the command's streams: on a terminal only, never when piped or redirected;
 * `NO_COLOR` (any non-empty value, https://no-color.org) and `TERM=dumb` turn them off, `FORCE_COLOR`
 * (non-empty, not `0`) on.
 */
export function colorsFor(io: CliIo, stream: 'stdout' | 'stderr'): Colors {
  const env = io.env ?? process.env;
  const tty = stream === 'stdout' ? io.stdoutIsTTY === true : io.stderrIsTTY;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  const off = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return pc.createColors(forced || (tty && !off));
}

/** `1 rule`, `2 rules`: a count with its noun in the right number. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

/**
 * Lines to a stream that may be slower than the writer (many `--json` lines): waits for `drain`, and
 * stops quietly once the reader went away (EPIPE when piped into `head`) while the caller keeps counting.
 */
export class Output {
  closed = false;
  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.closed = true; // e.g. EPIPE when piped into `head`: stop writing, keep counting
    });
  }
  async line(text: string): Promise<void> {
    if (this.closed) return;
    if (this.stream.write(`${text}\n`)) return;
    try {
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]);
    } catch {
      this.closed = true; // the reader went away (EPIPE): stop writing, keep counting
    }
  }
}
