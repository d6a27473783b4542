/**
 * `npm run bench:startup [-- --rounds N] [-- --json]`: CLI start-up, wall-clock time of a fresh
 * `node bin/rekwatch ...` process, the compiled CLI (dist/, as the installed package runs it) and the
 * TypeScript sources through tsx (a checkout without a build) side by side: rounds interleaved,
 * medians and the slowest round reported. Builds dist/ first when it is not there (and removes it
 * again afterwards, so the checkout keeps running its sources). Exit 1 when a command fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const argv = process.argv.slice(2);
const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 15;
const asJson = argv.includes('--json');

const COMMANDS: ReadonlyArray<readonly string[]> = [['--help'], ['--version'], ['validate', '--rules', 'rules'], ['replay', 'samples/trail']];
const MODES = { dist: {}, tsx: { REKWATCH_FROM_SOURCE: '1' } } as const;
type Mode = keyof typeof MODES;

/** A fresh `node -e 0`: the floor under every row (Node's own start-up on this machine, now). */
function nodeAlone(): number {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function runOnce(args: readonly string[], mode: Mode): number {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, ['bin/rekwatch', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...MODES[mode], REKWATCH_STATE_DIR: join(ROOT, 'bench', '.data', 'startup-state') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(`rekwatch ${args.join(' ')} (${mode}) exited ${res.status}: ${String(res.stderr).slice(0, 500)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function main(): void {
  const built = !existsSync(join(ROOT, 'dist', 'cli.js'));
  if (built) execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  try {
    const times = new Map<string, number[]>();
    for (const args of COMMANDS) for (const mode of Object.keys(MODES) as Mode[]) runOnce(args, mode); // warm the file cache
    const floor: number[] = [];
    for (let r = 0; r < rounds; r++) {
      floor.push(nodeAlone());
      for (const args of COMMANDS) {
        for (const mode of Object.keys(MODES) as Mode[]) {
          const key = `${args.join(' ')}\t${mode}`;
          times.set(key, [...(times.get(key) ?? []), runOnce(args, mode)]);
        }
      }
    }
    const rows = COMMANDS.map((args) => {
      const of = (mode: Mode) => times.get(`${args.join(' ')}\t${mode}`) as number[];
      return {
        command: `rekwatch ${args.join(' ')}`,
        distMs: Math.round(median(of('dist'))),
        distMaxMs: Math.round(Math.max(...of('dist'))),
        tsxMs: Math.round(median(of('tsx'))),
        tsxMaxMs: Math.round(Math.max(...of('tsx'))),
      };
    });
    if (asJson) {
      process.stdout.write(`${JSON.stringify({ node: process.version, rounds, nodeAloneMs: Math.round(median(floor)), rows })}\n`);
      return;
    }
    process.stdout.write(`CLI start-up, ${rounds} interleaved rounds, Node ${process.version}: median (slowest) wall-clock ms of a fresh process\n\n`);
    process.stdout.write('| command | dist/ (installed package) | tsx (checkout, no build) |\n|---|---|---|\n');
    for (const r of rows) process.stdout.write(`| \`${r.command}\` | ${r.distMs} (${r.distMaxMs}) | ${r.tsxMs} (${r.tsxMaxMs}) |\n`);
    process.stdout.write(`| \`node -e 0\` (the floor) | ${Math.round(median(floor))} (${Math.round(Math.max(...floor))}) | |\n`);
  } finally {
    if (built) rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  }
}

main();
