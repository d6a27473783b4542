/**
 * `npm run build`: compiles what the published package runs into `dist/` with esbuild (CommonJS,
 * Node 20, source maps), so an installed rekwatch needs neither tsx nor TypeScript:
 * - `dist/cli.js`: the CLI (functions/cli/main.ts). Dependencies stay external (they are the
 *   package's `dependencies`); each command's modules are evaluated only when it runs (main.ts).
 * - `dist/entry.js`: the replay worker thread. replay-workers/pool.ts starts `entry.js` next to
 *   itself, which in the bundle is `dist/`; here it is the worker already compiled.
 * - `dist/cdk.js` + `dist/cdk.d.ts`: the construct library (infra/lib/index.ts), `rekwatch/cdk`;
 *   aws-cdk-lib and constructs are the user's (peer dependencies).
 * - `dist/lambda/<name>/index.js`: the Lambda handlers, bundled as the stack bundles them, for the
 *   library to deploy when the TypeScript sources are not there (infra/constructs/node-function.ts).
 * Exit 1 with esbuild's (or tsc's) messages when a step fails.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { LAMBDA_ENTRIES } from '../infra/constructs/node-function';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: ROOT,
};

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  await Promise.all([
    build({ ...common, entryPoints: { cli: 'functions/cli/main.ts', entry: 'functions/adapters/replay-workers/worker.ts' }, outdir: DIST, packages: 'external' }),
    build({ ...common, entryPoints: { cdk: 'infra/lib/index.ts' }, outdir: DIST, packages: 'external' }),
    // The Lambda handlers exactly as node-function.ts has CDK bundle them (Node 24, minified, AWS SDK
    // left to the runtime); the evaluate function's rule pack is added at synth time.
    ...Object.entries(LAMBDA_ENTRIES).map(([name, entry]) =>
      build({
        ...common,
        entryPoints: { index: entry },
        outdir: join(DIST, 'lambda', name),
        target: 'node24',
        minify: true,
        external: ['@aws-sdk/*', '@smithy/*'],
      }),
    ),
  ]);
  // Type declarations of the construct library, for TypeScript users of `rekwatch/cdk`.
  writeFileSync(join(DIST, 'cdk.d.ts'), "export * from './types/infra/lib/index';\n");
  execFileSync(process.execPath, [join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'), '-p', 'tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' });
}

main().catch((e: unknown) => {
  process.stderr.write(`build: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
