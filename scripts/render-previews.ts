/**
 * `npm run previews` (`npx tsx scripts/render-previews.ts`): writes docs/previews/, what a person
 * receives for one genuine alert, for the README:
 *
 *   email.txt    "Subject: ..." and the plain-text body (formatEmail)
 *   email.png    the HTML part, as a mail client draws it
 *   slack.json   the Block Kit payload (formatSlack)
 *   slack.png    that payload drawn the way Slack shows it (scripts/slack-preview-html.ts)
 *   report.png   the top of `rekwatch replay --html`'s report, over a synthetic day of trail logs
 *                (scripts/synthetic-trail.ts: 20,000 records, seed 7), as Chromium draws it
 *
 * The alert is real: the shipped rule pack is loaded the way the CLI loads it, and the first
 * positive test case of `collection-deleted-without-mfa` goes through the production Evaluator.
 * Nothing depends on the clock (the event carries its own eventTime), so the text files are the
 * same on every run; test/unit/format/previews.test.ts fails when they are out of date.
 * The screenshots use playwright-core and the Chromium of scripts/chromium.ts (CHROMIUM_PATH to override).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { loadRulesForCommand } from '../functions/cli/load-rules';
import { main as rekwatch } from '../functions/cli/main';
import { syntheticRecords } from './synthetic-trail';
import { CHROMIUM_ARGS, chromiumExecutable } from './chromium';
import { Evaluator } from '../functions/core/match/evaluator';
import { withAccountNames } from '../functions/core/rules/runtime-pack';
import { formatEmail } from '../functions/core/format/email';
import { formatSlack } from '../functions/core/format/slack';
import { withMuteLinks } from '../functions/core/suppress/mute-links/links';
import { testEventInput } from '../functions/core/testing/base-record';
import type { Alert } from '../functions/core/common/types';
import { slackPreviewHtml } from './slack-preview-html';

export const ROOT = join(__dirname, '..');
export const PREVIEWS_DIR = join(ROOT, 'docs', 'previews');
/** The rule shown: a face collection deleted without MFA. */
export const PREVIEW_RULE_ID = 'collection-deleted-without-mfa';
/** Width of the screenshots, in CSS pixels (= image pixels at device scale factor 1). */
export const PREVIEW_WIDTH = 760;
/** Width and height of the HTML report's screenshot (its top: totals, timeline, rules table, first rule). */
export const REPORT_PREVIEW_SIZE = { width: 1000, height: 1500 };

/** The shipped pack, loaded as `rekwatch test --rules rules` loads it (problems are fatal here). */
function loadShippedPack() {
  let problems = '';
  const stderr = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      problems += chunk.toString();
      done();
    },
  });
  const load = loadRulesForCommand('rules', { stdout: stderr, stderr, stdin: Readable.from([]), cwd: ROOT, stderrIsTTY: false });
  if (!load || !load.ok) throw new Error(`rules/ does not load:\n${problems}`);
  return load;
}

/** The alert the previews show, through the production Evaluator with the whole pack. */
export async function buildPreviewAlert(): Promise<Alert> {
  const load = loadShippedPack();
  const rule = load.pack.rules.find((r) => r.id === PREVIEW_RULE_ID);
  if (!rule) throw new Error(`rules/: no rule ${PREVIEW_RULE_ID}`);
  const testCase = rule.tests.find((t) => t.expect);
  if (!testCase) throw new Error(`${rule.file}: no positive test case`);
  // An example account name, as a deployment config's `accountNames` gives one.
  const pack = withAccountNames(load.pack, PREVIEW_ACCOUNT_NAMES);
  const evaluation = await new Evaluator(pack, { eventSources: load.config.eventSources }).evaluate(testEventInput(testCase.event));
  const alert = evaluation.alerts.find((a) => a.ruleId === PREVIEW_RULE_ID);
  if (!alert) {
    throw new Error(`${rule.file} › ${testCase.name}: expected an alert, got ${evaluation.status} ${JSON.stringify(evaluation.errors)}`);
  }
  // Mute links as a deployed stack adds them: an example function URL and a fixed example key, signed
  // at the event's own time, so the previews are the same on every run.
  return withMuteLinks(alert, { baseUrl: PREVIEW_MUTE_URL, key: Buffer.alloc(32, 7) }, Date.parse(alert.eventTime));
}

/** The example account name the previews show (a deployment config's `accountNames`). */
export const PREVIEW_ACCOUNT_NAMES = { '111122223333': 'prod-vision' };

/** An example mute page address (the stack's MutePageUrl output looks like this). */
export const PREVIEW_MUTE_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/';

/** `09:15` from the event time: the time Slack would show next to the app name. */
function timeLabel(eventTime: string): string | undefined {
  return /T(\d\d:\d\d)/.exec(eventTime)?.[1];
}

export interface PreviewTexts {
  /** docs/previews/email.txt */
  'email.txt': string;
  /** docs/previews/slack.json */
  'slack.json': string;
}

export interface PreviewPages {
  /** HTML drawn into docs/previews/email.png: the email's HTML part as sent. */
  'email.png': string;
  /** HTML drawn into docs/previews/slack.png. */
  'slack.png': string;
}

/** The committed text previews of an alert (pure). */
export function renderPreviewTexts(alert: Alert): PreviewTexts {
  const mail = formatEmail(alert);
  return {
    'email.txt': `Subject: ${mail.subject}\n\n${mail.text}`,
    'slack.json': `${JSON.stringify(formatSlack(alert), null, 2)}\n`,
  };
}

/** The pages the screenshots are taken of (pure). */
export function renderPreviewPages(alert: Alert): PreviewPages {
  const slack = formatSlack(alert);
  return {
    'email.png': formatEmail(alert).html,
    'slack.png': slackPreviewHtml(slack.blocks, { appName: 'rekwatch', timeLabel: timeLabel(alert.eventTime), fallbackText: slack.text }),
  };
}

const sink = () => new Writable({ write: (_c, _e, done) => done() });

/**
 * The HTML report the screenshot shows: `rekwatch replay synthetic-day.jsonl --html` run in-process
 * over a synthetic day (20,000 records, about 1% risky), with the shipped rules, no mutes and no
 * state (a fresh state directory), from a temporary directory so no path of this machine shows.
 */
export async function renderReportPreview(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-report-preview-'));
  try {
    const lines = Array.from(syntheticRecords(20_000, 7, 0.01), (r) => JSON.stringify(r));
    writeFileSync(join(dir, 'synthetic-day.jsonl'), `${lines.join('\n')}\n`);
    let errors = '';
    const stderr = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        errors += chunk.toString();
        done();
      },
    });
    const code = await rekwatch(['node', 'rekwatch', 'replay', 'synthetic-day.jsonl', '--rules', join(ROOT, 'rules'), '--html', 'report.html', '--max-alerts', '0', '--workers', '1'], {
      stdout: sink(), stderr, stdin: Readable.from([]), cwd: dir, stderrIsTTY: false, env: { REKWATCH_STATE_DIR: join(dir, '.rekwatch') },
    });
    if (code !== 0) throw new Error(`rekwatch replay --html exited ${code}:\n${errors}`);
    return readFileSync(join(dir, 'report.html'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function screenshots(pages: PreviewPages, outDir: string, report: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'rekwatch-previews-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumExecutable(),
    args: [...CHROMIUM_ARGS],
    viewport: { width: PREVIEW_WIDTH, height: 600 },
    deviceScaleFactor: 1,
    offline: true,
    javaScriptEnabled: false,
  });
  try {
    // Nothing leaves the page: setContent only, and any request is refused.
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    for (const [file, html] of Object.entries(pages) as Array<[keyof PreviewPages, string]>) {
      await page.setContent(html, { waitUntil: 'load' });
      const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
      writeFileSync(join(outDir, file), png);
    }
    await page.setViewportSize(REPORT_PREVIEW_SIZE);
    await page.setContent(report, { waitUntil: 'load' });
    writeFileSync(join(outDir, 'report.png'), await page.screenshot({ fullPage: false, animations: 'disabled', caret: 'hide' }));
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const alert = await buildPreviewAlert();
  mkdirSync(PREVIEWS_DIR, { recursive: true });
  for (const [file, text] of Object.entries(renderPreviewTexts(alert))) writeFileSync(join(PREVIEWS_DIR, file), text);
  await screenshots(renderPreviewPages(alert), PREVIEWS_DIR, await renderReportPreview());
  for (const file of ['email.txt', 'slack.json', 'email.png', 'slack.png', 'report.png']) {
    process.stdout.write(`docs/previews/${file}: ${statSync(join(PREVIEWS_DIR, file)).size.toLocaleString('en-US')} bytes\n`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
