/** Runs one `rekwatch replay --json` in a fresh process and reports its time and peak RSS. */
import { Writable, Readable } from 'node:stream';
import { join } from 'node:path';
import { main } from '../functions/cli/main';

async function run() {
  let alerts = 0;
  let summary = '';
  const stdout = new Writable({ write(chunk, _enc, cb) { alerts += String(chunk).split('\n').length - 1; cb(); } });
  const stderr = new Writable({ write(chunk, _enc, cb) { summary += String(chunk); cb(); } });
  const t = process.hrtime.bigint();
  const code = await main(['node', 'rekwatch', 'replay', '--json', '--rules', join(__dirname, '..', 'rules'), process.argv[2] as string], {
    stdout, stderr, stdin: Readable.from([]), cwd: process.cwd(), stderrIsTTY: false,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (code !== 0) throw new Error(`replay exited ${code}: ${summary}`);
  const s = JSON.parse(summary.trim().split('\n').pop() as string) as { records: number };
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, records: s.records, alerts })}\n`);
}

run().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
