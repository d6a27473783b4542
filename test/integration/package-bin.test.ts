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

it('runs the replay modes that load modules on demand (s3://, --lookup-events, --on-aws) from the sources', () => {
  // Each must get as far as its own one-line error (no credentials, a usage error), never a module
  // that tsx cannot resolve. No network: credentials are absent, so nothing is sent.
  const run = (args: string[]) => {
    try {
      return { out: execFileSync(process.execPath, [join(ROOT, 'bin', 'rekwatch'), 'replay', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, REKWATCH_FROM_SOURCE: '1', AWS_REGION: 'us-east-1', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } }), status: 0 };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { out: err.stderr, status: err.status };
    }
  };
  const s3 = run(['s3://my-trail-bucket', '--since', '7d']);
  expect(s3.out).toContain('cannot read s3://my-trail-bucket/');
  const lookup = run(['--lookup-events', '--since', '7d']);
  expect(lookup.out).toContain('rekwatch: no input could be read');
  const onAws = run(['samples/trail', '--on-aws', '--stack', 'X']);
  expect(onAws.out.trim().split('\n').pop()).toBe('rekwatch replay --on-aws: give exactly one s3://BUCKET/PREFIX (local files and --lookup-events are replayed locally)');
  for (const r of [s3, lookup, onAws]) expect(r.out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module|\n\s+at /);
});
