/**
 * Imports flow one way, down the layers ARCHITECTURE.md describes: the pure core at the bottom
 * (functions/core/, which imports nothing of rekwatch's outside itself, and no I/O module), the
 * adapters above it, the Lambda handlers, the mute page and the CLI above those, infra/ (CDK) on top.
 * A new file in the wrong place, or an import that points upward, fails here with its line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import {
  file: string;
  line: number;
  spec: string;
  /** The imported file, relative to the repository, for relative specifiers. */
  target?: string;
}

function importsOf(file: string): Import[] {
  const out: Import[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\(\s*|^import\s+)(['"])([^'"]+)\1/g)) {
      const spec = m[2]!;
      const target = spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : undefined;
      out.push({ file: relative(ROOT, file), line: i + 1, spec, target });
    }
  });
  return out;
}

/** The layer of a repository path: lower numbers are lower layers. */
function layer(path: string): number | undefined {
  if (path.startsWith('functions/core/')) return 0;
  if (path.startsWith('functions/types/')) return 0;
  if (path.startsWith('functions/adapters/')) return 1;
  if (/^functions\/(evaluate|slack|mute-page|cli)\//.test(path)) return 2;
  if (path.startsWith('infra/')) return 3;
  if (path.startsWith('schema/')) return 0; // data files any layer may read
  return undefined;
}

const all = [...tsFiles(join(ROOT, 'functions')), ...tsFiles(join(ROOT, 'infra'))].flatMap(importsOf);
const where = (i: Import) => `${i.file}:${i.line} imports ${i.spec}`;

it('finds the imports it checks (the scan is not empty)', () => {
  expect(all.filter((i) => i.file.startsWith('functions/core/')).length).toBeGreaterThan(100);
});

it('nothing imports a higher layer', () => {
  const upward = all.filter((i) => i.target !== undefined && (layer(i.target) ?? -1) > (layer(i.file) ?? 99)).map(where);
  expect(upward).toEqual([]);
});

it('the core is pure: no file system, network, process or AWS SDK modules', () => {
  const io = /^(node:)?(fs|fs\/promises|net|http|https|child_process|worker_threads|dgram|tls|readline)$|^@aws-sdk\/|^nodemailer$|^pino$|^dynalite$/;
  const impure = all.filter((i) => i.file.startsWith('functions/core/') && io.test(i.spec)).map(where);
  expect(impure).toEqual([]);
});

it('the core keeps no loose files: each step of the walk has its folder', () => {
  const loose = readdirSync(join(ROOT, 'functions', 'core')).filter((n) => n.endsWith('.ts'));
  expect(loose).toEqual([]);
});

it('handlers, the mute page and the CLI do not import each other', () => {
  const top = (p: string) => /^functions\/(evaluate|slack|mute-page|cli)\//.exec(p)?.[1];
  const sideways = all
    .filter((i) => i.target !== undefined && top(i.file) !== undefined && top(i.target) !== undefined && top(i.file) !== top(i.target))
    // The CLI's `serve` runs the mute page locally: the one sanctioned edge, through its server module.
    .filter((i) => !(top(i.file) === 'cli' && i.target!.startsWith('functions/mute-page/')))
    .map(where);
  expect(sideways).toEqual([]);
});
