/** The CLI's edges, injected so commands can be tested without touching the real process. */
import type { Readable, Writable } from 'node:stream';
import type { RetryOptions } from '../core/retry';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  cwd: string;
  /** Whether stderr is a terminal (progress and colour go there only then). */
  stderrIsTTY: boolean;
  /** Environment (delivery channels); process.env when absent. */
  env?: NodeJS.ProcessEnv;
  /** Delivery retry policy; the defaults (4 attempts, 0.5 s doubling backoff) when absent. */
  retry?: RetryOptions;
  /** The clock (mute expiry); Date.now when absent. */
  now?: () => number;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
