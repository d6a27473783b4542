/**
 * The documented CI recipe (docs/ci/rule-review.yml) is a well-formed GitHub Actions workflow, keeps
 * event data out of its shell scripts, and the rekwatch commands it runs work: each is run here
 * in-process as the workflow would run it, on the bundled sample, against this repository's HEAD.
 * YAML is parsed with js-yaml (a devDependency, pinned to the version jest's coverage tooling also uses).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const yaml = require('js-yaml') as { safeLoad(text: string): unknown };

const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, 'docs', 'ci', 'rule-review.yml');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: { pull_request: { paths: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

const workflow = yaml.safeLoad(readFileSync(FILE, 'utf8')) as Workflow;
const steps = workflow.jobs.review!.steps;

/** The `node bin/rekwatch …` command lines of the workflow's scripts, as argument lists (double quotes honoured). */
function rekwatchCommands(): string[][] {
  return steps
    .flatMap((s) => (s.run ?? '').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('node bin/rekwatch '))
    .map((l) => [...l.replace(/\s*>.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string).slice(2));
}

it('is a pull-request workflow with the permissions it needs and no more', () => {
  expect(workflow.name).toBe('Rule review');
  expect(workflow.on.pull_request.paths).toContain('rules/**');
  expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', 'id-token': 'write' });
  expect(Object.keys(workflow.jobs)).toEqual(['review']);
  expect(workflow.jobs.review!['runs-on']).toBe('ubuntu-latest');
  for (const s of steps) expect(Object.keys(s).filter((k) => !['name', 'id', 'uses', 'run', 'if', 'env', 'with', 'continue-on-error'].includes(k))).toEqual([]);
  for (const s of steps) expect(Boolean(s.uses) !== Boolean(s.run)).toBe(true);
});

it('pins actions to a major version, fetches the base branch, and passes event data to scripts through env only', () => {
  for (const s of steps.filter((x) => x.uses)) expect(s.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  expect(steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
  for (const s of steps.filter((x) => x.run)) expect(s.run).not.toContain('${{');
  const diff = steps.find((s) => s.id === 'diff')!;
  expect(diff.env).toMatchObject({ BASE_REF: '${{ github.base_ref }}' });
});

it('runs validate --strict, test, then diff --base origin/<base> --format markdown, and comments with the report', () => {
  expect(rekwatchCommands()).toEqual([
    ['validate', '--strict'],
    ['test'],
    ['diff', '--base', 'origin/$BASE_REF', '--format', 'markdown', '$SAMPLE_LOGS'],
  ]);
  const comment = steps.find((s) => s.uses?.startsWith('actions/github-script@'))!;
  expect(String(comment.with?.script)).toContain("fs.readFileSync('rule-review.md', 'utf8')");
  expect(steps.indexOf(comment)).toBeGreaterThan(steps.findIndex((s) => s.id === 'diff'));
});

it("the workflow's rekwatch commands succeed here, the diff writing a Markdown report", async () => {
  for (const args of rekwatchCommands()) {
    const res = await runCli(args.map((a) => a.replace('origin/$BASE_REF', 'HEAD').replace('$SAMPLE_LOGS', 'samples/trail')), { cwd: ROOT });
    expect({ args, code: res.code }).toEqual({ args, code: 0 });
    if (args[0] === 'diff') expect(res.stdout).toMatch(/^### rekwatch diff: /);
  }
});
