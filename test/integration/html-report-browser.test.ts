/**
 * The report of `rekwatch replay samples/trail --html` opened in headless Chromium from `file://`
 * (scripts/chromium.ts's browser and flags, through test/helpers/chromium.ts): the page makes no
 * request but for itself (every 'request' event is recorded, and the CSP would report a blocked one
 * as a console error), logs no console error and throws nothing, shows the `--json` summary's totals
 * and per-rule counts as rendered text, and draws its charts (SVG with non-zero size and columns).
 * A hostile report (script, quotes, bidi controls in every field) runs no script either.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { ReportDetail } from '../../functions/core/report/html/detail';
import { renderReplayHtml } from '../../functions/core/report/html/replay-html';
import { ReplayTally } from '../../functions/core/report/replay-tally';
import { launchChromium } from '../helpers/chromium';
import { runCli } from '../helpers/cli';
import { HOSTILE_RULE, hostileAlert } from '../unit/format/fixtures';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let browser: { context: BrowserContext; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rekwatch-html-browser-'));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a file and records what the page did: requests, console errors, uncaught errors. */
async function open(file: string): Promise<{ page: Page; requests: string[]; problems: string[] }> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, problems };
}

const numberOf = (s: string | null) => Number((s ?? '').replace(/,/g, ''));

it('opens with no request but itself and no console error; shows the --json summary and draws the charts', async () => {
  const file = join(dir, 'report.html');
  const res = await runCli(['replay', join(ROOT, 'samples', 'trail'), '--rules', join(ROOT, 'rules'), '--json', '--html', file, '--workers', '1'], { cwd: dir });
  expect(res.code).toBe(0);
  const summary = JSON.parse(res.stderr.trimEnd().split('\n').pop()!) as Record<string, unknown> & { suppressed: { mute: number; dedupe: number }; byRule: Record<string, number> };
  const { page, requests, problems } = await open(file);
  try {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    expect(await page.title()).toBe('rekwatch backtest');

    // The totals as the reader sees them (rendered text), against the summary.
    const totals = await page.$$eval('[data-summary]', (els) => els.map((e) => [e.getAttribute('data-summary'), e.querySelector('.v')?.textContent ?? null] as const));
    const flat: Record<string, number> = {};
    for (const [k, v] of totals) flat[k!] = numberOf(v);
    const { byRule } = summary;
    // Every number of the summary, nested objects (suppressed, detect) one level deep.
    const expected: Record<string, number> = {};
    for (const [k, v] of Object.entries(summary)) {
      if (k === 'byRule') continue;
      if (typeof v === 'number') expected[k] = v;
      else if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') expected[`${k}.${k2}`] = v2;
    }
    expect(expected).toHaveProperty(['detect.selections']);
    expect(flat).toEqual(expected);

    // Per rule: the table's alert counts, and each rule section's heading.
    const rows = await page.$$eval('table.rules tr[data-rule]', (trs) => trs.map((tr) => [tr.getAttribute('data-rule'), tr.querySelector('[data-k="alerts"]')?.textContent ?? null] as const));
    const withAlerts = Object.fromEntries(rows.map(([id, n]) => [id!, numberOf(n)]).filter(([, n]) => n !== 0));
    expect(withAlerts).toEqual(byRule);
    const sections = await page.$$eval('section.rule[data-rule]', (ss) => ss.map((s) => [s.getAttribute('data-rule'), s.querySelector('h2 [data-k="alerts"]')?.textContent ?? null] as const));
    expect(Object.fromEntries(sections.map(([id, n]) => [id!, numberOf(n)]))).toEqual(byRule);

    // Charts: the overall timeline and one per rule, four bar charts per rule, all drawn with a size.
    const ruleCount = Object.keys(byRule).length;
    expect(await page.locator('figure[data-chart="timeline"] svg').count()).toBe(1 + ruleCount);
    expect(await page.locator('figure[data-chart="timeline"] rect.col').count()).toBeGreaterThanOrEqual(1 + ruleCount);
    expect(await page.locator('figure.bars svg').count()).toBe(4 * ruleCount);
    const boxes = await page.$$eval('figure svg', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]));
    for (const [w, h] of boxes) expect(w! * h!).toBeGreaterThan(0);
    // The alerts with their console links.
    expect(await page.locator('table.alerts a[href^="https://us-east-1.console.aws.amazon.com/cloudtrail/"]').count()).toBe(summary.alerts);
  } finally {
    await page.close();
  }
}, 60_000);

it('a hostile report runs no script and loads nothing: values show as text', async () => {
  const tally = new ReplayTally(new ReportDetail());
  const alert = hostileAlert();
  tally.record({ status: 'evaluated', errors: [], alerts: [{ matched: alert, verdict: { deliver: false, reason: 'mute', muteId: '"><img src=x onerror=alert(1)>' } }] }, 'f', 'r');
  tally.file();
  const html = renderReplayHtml({
    summary: tally.stats.summary(), stats: tally.stats, detail: tally.detail!, rules: [HOSTILE_RULE], byMute: tally.byMute, malformedSamples: [], ruleErrorSamples: [], unreadable: [],
    top: 5, inputs: ['<script>document.title="pwned"</script>'],
  });
  const file = join(dir, 'hostile.html');
  writeFileSync(file, html);
  const { page, requests, problems } = await open(file);
  try {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    expect(await page.title()).toBe('rekwatch backtest');
    expect(await page.locator('script, img, iframe, object, embed, form').count()).toBe(0);
    const text = (await page.textContent('main')) ?? '';
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('"><img src=x onerror=alert(1)>');
    expect(text).toContain('\\u202e');
  } finally {
    await page.close();
  }
}, 60_000);
