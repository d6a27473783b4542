/**
 * bin/rekwatch as a process: it runs the compiled CLI when dist/cli.js is next to it (the installed
 * package) and the TypeScript sources through tsx otherwise; every command module that main.ts
 * loads lazily resolves from the sources under tsx (its CommonJS hook does not see `import()` of a
 * .ts file, which jest's transform would hide). scripts/pack-test.sh tests the packed build itself.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

it('runs dist/cli.js when present, passing argv and taking its exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-bin-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(ROOT, 'bin', 'rekwatch'), join(dir, 'bin', 'rekwatch'));
  writeFileSync(
    join(dir, 'dist', 'cli.js'),
    "exports.main = async (argv) => { process.stdout.write('compiled ' + argv.slice(2).join(' ')); return 3; };\n",
  );
  let out = '';
  let status = 0;
  try {
    out = execFileSync(process.execPath, [join(dir, 'bin', 'rekwatch'), 'validate', '--strict'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  } catch (e) {
    const err = e as { status: number; stdout: string };
    status = err.status;
    out = err.stdout;
  }
  expect({ status, out }).toEqual({ status: 3, out: 'compiled validate --strict' });
});

it('loads every lazily loaded command module from the TypeScript sources through tsx', () => {
  const script = [
    "require('tsx/cjs/api').register();",
    "const { commands } = require('./functions/cli/main.ts');",
    'Promise.all(Object.entries(commands).map(async ([name, load]) => [name, Object.keys(await load()).length]))',
    '  .then((rows) => process.stdout.write(JSON.stringify(rows)));',
  ].join('\n');
  const rows = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as Array<[string, number]>;
  expect(rows.map(([name]) => name).sort()).toEqual(['coverage', 'diff', 'init', 'mutes', 'redrive', 'replay', 'replaySources', 'serve', 'test', 'validate', 'watch']);
  for (const [name, exported] of rows) expect({ name, exported: exported > 0 }).toEqual({ name, exported: true });
});
