/** Runs the CLI in-process with captured output. */
import { Readable, Writable } from 'node:stream';
import { main } from '../../functions/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], options: { cwd?: string; stdin?: string | Buffer } = {}): Promise<CliResult> {
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
  });
  return { code, stdout, stderr };
}
