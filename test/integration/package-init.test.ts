/**
 * `rekwatch init [DIR]`: a byte-for-byte copy of the shipped pack (or, with --example, one rule and
 * exactly the lists it uses) with the runbook pages, that validates under --strict and passes its own tests; never overwrites without
 * --force (and then writes nothing at all); the pack is found from the package, not the cwd.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { formatProblem } from '../../functions/core/rules/problem';
import { packageRoot } from '../../functions/adapters/package-root';
import { EXAMPLE_RULE, planInit } from '../../functions/cli/init';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const PACK = join(ROOT, 'rules');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'rekwatch-init-'));

it('finds the package root from the sources, and from any directory below it', () => {
  expect(packageRoot()).toBe(ROOT);
  expect(packageRoot(join(ROOT, 'functions', 'cli'))).toBe(ROOT);
  expect(() => packageRoot(tmpdir())).toThrow(/cannot find the rekwatch package above/);
});

it('copies the whole pack into ./rules, byte for byte, and the copy validates and passes its tests', async () => {
  const cwd = emptyDir();
  const res = await runCli(['init'], { cwd });
  expect(res).toMatchObject({ code: 0, stderr: '' });
  const packFiles = filesUnder(PACK).filter((f) => f.endsWith('.json'));
  expect(filesUnder(join(cwd, 'rules'))).toEqual(packFiles);
  for (const f of packFiles) expect(readFileSync(join(cwd, 'rules', f), 'utf8')).toBe(readFileSync(join(PACK, f), 'utf8'));
  const rules = packFiles.filter((f) => !f.includes('/')).length;
  const pages = readdirSync(join(ROOT, 'docs', 'runbooks')).filter((f) => f !== 'README.md').sort();
  expect(pages).toHaveLength(rules);
  expect(filesUnder(join(cwd, 'docs', 'runbooks'))).toEqual(pages);
  expect(res.stdout).toContain(`wrote ${rules} rules and ${packFiles.length - rules} lists to rules, ${rules} runbook pages to docs/runbooks\n`);
  // The copy meets the pack conventions as the repository's own pack does.
  expect((await runCli(['validate', '--strict'], { cwd })).code).toBe(0);
  expect((await runCli(['test'], { cwd })).code).toBe(0);
});

it('--example writes one rule and exactly the lists its conditions use, into DIR', async () => {
  const cwd = emptyDir();
  const res = await runCli(['init', '--example', 'security/rekognition-rules'], { cwd });
  expect(res).toMatchObject({ code: 0, stderr: '' });
  const dir = join(cwd, 'security', 'rekognition-rules');
  expect(filesUnder(dir)).toEqual([EXAMPLE_RULE, 'lists/mfa-exempt-principals.json']);
  expect(filesUnder(join(cwd, 'security', 'docs', 'runbooks'))).toEqual(['collection-deleted-without-mfa.md']);
  expect(res.stdout).toContain('wrote 1 rule and 1 list to security/rekognition-rules, 1 runbook page to security/docs/runbooks\n');
  const validate = await runCli(['validate', '--strict', '--rules', 'security/rekognition-rules'], { cwd });
  expect(validate).toMatchObject({ code: 0 });
  expect(validate.stdout).toContain('(1 rule, 1 list)');
  expect((await runCli(['test', '--rules', 'security/rekognition-rules'], { cwd })).code).toBe(0);
});

it('whichever rule is the example, it comes with the lists it needs and no others: the result is a valid pack', () => {
  for (const rule of readdirSync(PACK).filter((f) => f.endsWith('.json'))) {
    const plan = planInit(PACK, { example: true }, rule);
    expect(plan.filter((f) => f.runbook).map((f) => f.name)).toEqual([rule.replace(/\.json$/, '.md')]);
    const out = mkdtempSync(join(tmpdir(), 'rekwatch-init-plan-'));
    for (const f of plan.filter((p) => !p.runbook)) {
      mkdirSync(dirname(join(out, f.name)), { recursive: true });
      writeFileSync(join(out, f.name), f.text);
    }
    const load = loadRulesDir(out, out);
    expect({ rule, errors: load.problems.filter((p) => p.level === 'error').map(formatProblem) }).toEqual({ rule, errors: [] });
    const text = readFileSync(join(PACK, rule), 'utf8');
    for (const list of Object.keys(load.pack.lists)) expect({ rule, list, used: text.includes(`"$.${list}"`) }).toEqual({ rule, list, used: true });
  }
});

it('refuses to overwrite: names every existing file, writes nothing, exit 1; --force overwrites', async () => {
  const cwd = emptyDir();
  mkdirSync(join(cwd, 'rules', 'lists'), { recursive: true });
  writeFileSync(join(cwd, 'rules', EXAMPLE_RULE), 'mine\n');
  writeFileSync(join(cwd, 'rules', 'lists', 'mfa-exempt-principals.json'), 'mine too\n');
  const res = await runCli(['init'], { cwd });
  expect(res.code).toBe(1);
  expect(res.stderr).toBe(
    `rules/${EXAMPLE_RULE}: exists (use --force to overwrite)\nrules/lists/mfa-exempt-principals.json: exists (use --force to overwrite)\nrekwatch init: nothing written\n`,
  );
  expect(filesUnder(join(cwd, 'rules'))).toEqual([EXAMPLE_RULE, 'lists/mfa-exempt-principals.json']);
  expect(readFileSync(join(cwd, 'rules', EXAMPLE_RULE), 'utf8')).toBe('mine\n');

  const forced = await runCli(['init', '--force'], { cwd });
  expect(forced.code).toBe(0);
  expect(forced.stdout).toContain('(2 overwritten)');
  expect(filesUnder(join(cwd, 'rules')).length).toBeGreaterThan(2);
  expect(readFileSync(join(cwd, 'rules', EXAMPLE_RULE), 'utf8')).toBe(readFileSync(join(PACK, EXAMPLE_RULE), 'utf8'));
});

it('a target that is a file is a usage problem (exit 2), and nothing is written', async () => {
  const cwd = emptyDir();
  writeFileSync(join(cwd, 'rules'), 'not a directory');
  const res = await runCli(['init'], { cwd });
  expect(res).toEqual({ code: 2, stdout: '', stderr: 'rules: exists and is not a directory\n' });
});
