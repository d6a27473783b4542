/**
 * Runs one `rekwatch replay --json [ARGS...] PATH` in a fresh process and reports its time (from the
 * call of main(), so module loading is not counted; worker start-up is), CPU time of every thread
 * from the same point, peak RSS, how many worker threads it started and how many files the main
 * thread read itself. Usage: tsx bench/replay-child.ts PATH [replay options...]
 * The bench also runs it compiled (bench/trail.ts bundles it with esbuild as `npm run build` bundles
 * the CLI, the worker entry beside it); then BENCH_ROOT names the repository (for the rule pack).
 * BENCH_RULES names another rules directory (to measure what one rule costs, say).
 */
import { Writable, Readable } from 'node:stream';
import { join } from 'node:path';
import { subscribe } from 'node:diagnostics_channel';
import { main } from '../functions/cli/main';
import { IN_THREAD_CHANNEL, WORKER_STARTED_CHANNEL } from '../functions/adapters/replay-workers/pool';

const ROOT = process.env.BENCH_ROOT ?? join(__dirname, '..');

async function run() {
  let alerts = 0;
  let summary = '';
  const [path, ...extra] = process.argv.slice(2);
  const stdout = new Writable({ write(chunk, _enc, cb) { alerts += String(chunk).split('\n').length - 1; cb(); } });
  const stderr = new Writable({ write(chunk, _enc, cb) { summary += String(chunk); cb(); } });
  let threads = 0;
  subscribe(WORKER_STARTED_CHANNEL, () => threads++);
  let inMainThread = 0;
  subscribe(IN_THREAD_CHANNEL, () => inMainThread++);
  const before = process.resourceUsage();
  const t = process.hrtime.bigint();
  const code = await main(['node', 'rekwatch', 'replay', '--json', '--no-mutes', '--rules', process.env.BENCH_RULES ?? join(ROOT, 'rules'), ...extra, path as string], {
    stdout, stderr, stdin: Readable.from([]), cwd: process.cwd(), stderrIsTTY: false,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (code !== 0) throw new Error(`replay exited ${code}: ${summary}`);
  const s = JSON.parse(summary.trim().split('\n').pop() as string) as { records: number };
  const u = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (u.userCPUTime + u.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000, maxRssKb: u.maxRSS, records: s.records, alerts, threads, inMainThread })}\n`);
}

run().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
