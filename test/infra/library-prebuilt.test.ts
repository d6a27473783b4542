/**
 * The installed package deploys prebuilt Lambda bundles (dist/lambda/<name>/) with the esbuild
 * `define`s written as a first line: a bundle built by esbuild with the define free, run with that
 * line, gives what esbuild's own define gives; the source map still maps the same code to the same
 * source lines; the asset directory is named by content (same inputs, same directory).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { prebuiltBundle } from '../../infra/constructs/node-function';

const SOURCE = [
  'declare const __REKWATCH_PACK__: string;',
  'export function handler(): unknown {',
  "  if (typeof __REKWATCH_PACK__ !== 'string') throw new Error('no pack');",
  '  return JSON.parse(__REKWATCH_PACK__);',
  '}',
].join('\n');

function bundle(define?: Record<string, string>): { code: string; map: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-prebuilt-src-'));
  writeFileSync(join(dir, 'index.ts'), SOURCE);
  const out = buildSync({ entryPoints: [join(dir, 'index.ts')], bundle: true, platform: 'node', format: 'cjs', minify: true, sourcemap: 'external', write: false, outdir: dir, ...(define ? { define } : {}) });
  const file = (suffix: string) => out.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
  return { code: file('.js'), map: file('.js.map') };
}

function fakePackage(): string {
  const root = mkdtempSync(join(tmpdir(), 'rekwatch-prebuilt-root-'));
  mkdirSync(join(root, 'dist', 'lambda', 'evaluate'), { recursive: true });
  const { code, map } = bundle();
  writeFileSync(join(root, 'dist', 'lambda', 'evaluate', 'index.js'), code);
  writeFileSync(join(root, 'dist', 'lambda', 'evaluate', 'index.js.map'), map);
  return root;
}

const run = (dir: string) => execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(join(dir, 'index.js'))}).handler()))`], { encoding: 'utf8' });

it('runs with the define written in front as esbuild’s define would inline it, the map shifted by one line', () => {
  const pack = { rules: [{ id: 'a' }], note: 'quotes " and \\ and \u2028 survive' };
  const define = { __REKWATCH_PACK__: JSON.stringify(JSON.stringify(pack)) };
  const root = fakePackage();
  const dir = prebuiltBundle('functions/evaluate/index.ts', define, root);
  expect(JSON.parse(run(dir))).toEqual(pack);
  const inlined = mkdtempSync(join(tmpdir(), 'rekwatch-prebuilt-inlined-'));
  writeFileSync(join(inlined, 'index.js'), bundle(define).code);
  expect(run(dir)).toBe(run(inlined));

  const original = JSON.parse(readFileSync(join(root, 'dist', 'lambda', 'evaluate', 'index.js.map'), 'utf8')) as { mappings: string; sources: string[] };
  const shifted = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as { mappings: string; sources: string[] };
  expect(shifted).toEqual({ ...original, mappings: `;${original.mappings}` });
  const lines = readFileSync(join(dir, 'index.js'), 'utf8').split('\n');
  expect(lines[0]).toBe(`var __REKWATCH_PACK__=${define.__REKWATCH_PACK__};`);
  expect(lines.slice(1).join('\n')).toBe(readFileSync(join(root, 'dist', 'lambda', 'evaluate', 'index.js'), 'utf8'));
});

it('names the asset directory by content, and without defines deploys the bundle directory itself', () => {
  const root = fakePackage();
  const define = { __REKWATCH_PACK__: JSON.stringify('{"rules":[]}') };
  expect(prebuiltBundle('functions/evaluate/index.ts', define, root)).toBe(prebuiltBundle('functions/evaluate/index.ts', define, root));
  expect(prebuiltBundle('functions/evaluate/index.ts', { __REKWATCH_PACK__: JSON.stringify('{"rules":[1]}') }, root)).not.toBe(prebuiltBundle('functions/evaluate/index.ts', define, root));
  expect(prebuiltBundle('functions/evaluate/index.ts', {}, root)).toBe(join(root, 'dist', 'lambda', 'evaluate'));
});

it('without sources or a prebuilt bundle, says what to run', () => {
  const root = mkdtempSync(join(tmpdir(), 'rekwatch-prebuilt-empty-'));
  expect(() => prebuiltBundle('functions/slack/index.ts', {}, root)).toThrow(`rekwatch: neither functions/slack/index.ts nor its prebuilt bundle dist/lambda/slack/index.js is in ${root} (run npm run build)`);
});
