/**
 * `--html FILE` end to end, in-process (runCli) over the bundled samples: replay and diff write one
 * self-contained report atomically (no temporary file left beside it), say where on stderr, keep
 * their other output (the `--json` summary stays the last line of stderr, the readable report stays
 * on stdout), show the summary's numbers, and exit 2 naming the file when it cannot be written.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const SAMPLES = join(ROOT, 'samples', 'trail');
const RULES = join(ROOT, 'rules');

const lastLine = (s: string) => s.trimEnd().split('\n').pop()!;
const shown = (html: string, key: string) => Number(new RegExp(`data-summary="${key.replace('.', '\\.')}"><span class="v">([\\d,]+)<`).exec(html)?.[1]?.replace(/,/g, ''));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rekwatch-html-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('replay --json --html: the file, its path on stderr before the summary, and the summary\'s numbers in it', async () => {
  const res = await runCli(['replay', SAMPLES, '--rules', RULES, '--json', '--html', 'report.html', '--workers', '1'], { cwd: dir });
  expect(res.code).toBe(0);
  const lines = res.stderr.trimEnd().split('\n');
  expect(lines.at(-2)).toMatch(new RegExp(`^rekwatch: HTML report: ${join(dir, 'report.html').replace(/[.]/g, '\\.')} \\(\\d+ KB\\)$`));
  const summary = JSON.parse(lastLine(res.stderr)) as { alerts: number; records: number; files: number; byRule: Record<string, number> };
  expect(summary.alerts).toBeGreaterThan(0);
  expect(res.stdout.trimEnd().split('\n')).toHaveLength(summary.alerts); // the alerts, one JSON line each, as without --html
  expect(readdirSync(dir)).toEqual(['report.html']); // written aside and renamed: nothing else left behind
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect([shown(html, 'files'), shown(html, 'records'), shown(html, 'alerts')]).toEqual([summary.files, summary.records, summary.alerts]);
  for (const [rule, n] of Object.entries(summary.byRule)) expect(html).toMatch(new RegExp(`<tr data-rule="${rule}">.*?data-k="alerts">${n}<`));
});

it('replay --html without --json keeps the readable report on stdout, and replaces an earlier report', async () => {
  const first = await runCli(['replay', SAMPLES, '--rules', RULES, '--html', 'r.html'], { cwd: dir });
  const second = await runCli(['replay', SAMPLES, '--rules', RULES, '--html', 'r.html', '--max-alerts', '0'], { cwd: dir });
  expect([first.code, second.code]).toEqual([0, 0]);
  expect(first.stdout).toContain('By rule (how noisy each rule would have been)');
  expect(first.stderr).toMatch(/rekwatch: HTML report: .*r\.html/);
  expect(readdirSync(dir)).toEqual(['r.html']);
  expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('<h1>rekwatch backtest</h1>');
});

it('exits 2 naming the file when it cannot be written, after the rest of the output', async () => {
  const res = await runCli(['replay', SAMPLES, '--rules', RULES, '--json', '--html', 'no/such/dir/r.html'], { cwd: dir });
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('no/such/dir/r.html: cannot write the HTML report: ENOENT\n');
  expect(JSON.parse(lastLine(res.stderr))).toMatchObject({ files: 3 });
  // A directory in the way: the rename fails, and the temporary file is removed.
  mkdirSync(join(dir, 'taken.html', 'x'), { recursive: true });
  const taken = await runCli(['replay', SAMPLES, '--rules', RULES, '--html', 'taken.html'], { cwd: dir });
  expect(taken.code).toBe(2);
  expect(taken.stderr).toMatch(/taken\.html: cannot write the HTML report: E[A-Z]+\n/);
  expect(readdirSync(dir)).toEqual(['taken.html']);
  const d = await runCli(['diff', SAMPLES, '--base-rules', RULES, '--rules', RULES, '--html', 'no/such/dir/d.html'], { cwd: dir });
  expect(d.code).toBe(2);
  expect(d.stderr).toContain('no/such/dir/d.html: cannot write the HTML report: ENOENT\n');
});

it('diff --html: per rule the alerts that vanished, with examples, and the --json summary\'s numbers', async () => {
  cpSync(RULES, join(dir, 'head'), { recursive: true });
  rmSync(join(dir, 'head', 'root-user-activity.json'));
  const res = await runCli(['diff', SAMPLES, '--base-rules', RULES, '--rules', 'head', '--json', '--html', 'diff.html'], { cwd: dir });
  expect(res.code).toBe(0);
  const summary = JSON.parse(lastLine(res.stderr)) as { alerts: { base: number; head: number; appeared: number; vanished: number }; byRule: Record<string, { status: string; vanished: number }> };
  expect(summary.byRule['root-user-activity']).toMatchObject({ status: 'removed', vanished: 1 });
  const html = readFileSync(join(dir, 'diff.html'), 'utf8');
  expect([shown(html, 'alerts.base'), shown(html, 'alerts.head'), shown(html, 'alerts.vanished'), shown(html, 'alerts.appeared')]).toEqual([
    summary.alerts.base, summary.alerts.head, summary.alerts.vanished, summary.alerts.appeared,
  ]);
  expect(html).toMatch(/<tr data-rule="root-user-activity">.*?removed.*?data-k="vanished">1</);
  expect(html).toContain('<h3 class="vanished">Vanished (1)</h3>');
  expect(html).toContain('<a class="console" href="https://us-east-1.console.aws.amazon.com/cloudtrail/');
});
