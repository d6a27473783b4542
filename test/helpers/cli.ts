/** Runs the CLI in-process with captured output. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { CoverageClients } from '../../functions/cli/coverage';
import { main } from '../../functions/cli/main';
import type { RedriveClients } from '../../functions/cli/redrive';
import type { RetryOptions } from '../../functions/core/deliver/retry';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A state directory of the tests' own, so a developer's .rekwatch/ (mutes, channels) never leaks in. */
export const TEST_STATE_DIR = mkdtempSync(join(tmpdir(), 'rekwatch-test-state-'));

export interface CliOptions {
  cwd?: string;
  stdin?: string | Buffer;
  /** The command's whole environment (besides the test state directory): nothing leaks in from the developer's shell. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  retry?: RetryOptions;
  /** AWS clients for `redrive` (aws-sdk-client-mock'ed in its tests). */
  aws?: (region?: string) => Promise<RedriveClients>;
  /** AWS clients for `coverage`. */
  coverageAws?: (env: NodeJS.ProcessEnv, region?: string) => Promise<CoverageClients>;
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } });
  const err = new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } });
  const code = await main(['node', 'rekwatch', ...args], {
    stdout: out,
    stderr: err,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    cwd: options.cwd ?? process.cwd(),
    stderrIsTTY: false,
    env: { REKWATCH_STATE_DIR: TEST_STATE_DIR, REKWATCH_USER: 'tester', ...options.env },
    now: options.now,
    sleep: options.sleep,
    retry: options.retry,
  }, options.aws, options.coverageAws);
  return { code, stdout, stderr };
}
