/**
 * The README's "try it end to end" walkthrough, as a test: `npm run inbox` (a local SMTP catcher and
 * a Slack-shaped webhook), `rekwatch watch` on a folder with the channels in the environment, then
 * log files dropped into the folder. The seed document's sample log (routine label detection) makes
 * no alert; a sample trail file with a risky call makes alerts arrive as email and Slack messages.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { watchCommand } from '../../functions/cli/watch';
import { until } from '../helpers/wait';
import { startInbox, type Inbox, type InboxEmail, type InboxSlack } from '../../scripts/local-inbox';

const ROOT = join(__dirname, '..', '..');
const SAMPLE_DIR = join(ROOT, 'samples', 'trail', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '20');
const SEED_LOG = join(ROOT, 'samples', 'seed', 'seed-rekognition-cloudtrail.json');

let inbox: Inbox;
const emails: InboxEmail[] = [];
const slack: InboxSlack[] = [];

beforeAll(async () => {
  inbox = await startInbox({ smtpPort: 0, httpPort: 0, onEmail: (m) => emails.push(m), onSlack: (s) => slack.push(s) });
});
afterAll(() => inbox.close());

it('watch delivers a dropped log file\'s alerts to the local inbox by email and Slack; the seed log alone alerts nothing', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-walkthrough-'));
  const dir = join(base, 'incoming');
  mkdirSync(dir);
  let stderr = '';
  const controller = new AbortController();
  const done = watchCommand(dir, { rules: join(ROOT, 'rules'), interval: 1, signal: controller.signal }, {
    stdout: new Writable({ write(_c, _e, cb) { cb(); } }),
    stderr: new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } }),
    stdin: Readable.from([]),
    cwd: base,
    stderrIsTTY: false,
    env: {
      REKWATCH_SMTP_URL: `smtp://127.0.0.1:${inbox.smtpPort}`,
      REKWATCH_EMAIL_FROM: 'rekwatch@example.com',
      REKWATCH_EMAIL_TO: 'me@example.com',
      REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${inbox.httpPort}/services/local`,
    },
  });

  try {
    await until(() => stderr.includes('rekwatch: watching ')); // files already there would be history, not delivered
    copyFileSync(SEED_LOG, join(dir, 'seed.json'));
    await until(() => /seed\.json: 2 records, 0 new alerts/.test(stderr));
  expect(emails).toHaveLength(0);
  expect(slack).toHaveLength(0);

  const risky = readdirSync(SAMPLE_DIR).sort()[1]!; // 09:10: a collection deleted without MFA, and three more alerts
  copyFileSync(join(SAMPLE_DIR, risky), join(dir, risky));
    await until(() => emails.length === 4 && slack.length === 4);
  } catch (e) {
    throw new Error(`${(e as Error).message}; watch said:\n${stderr}`);
  } finally {
    controller.abort();
  }
  expect(await done).toBe(0);

  expect(emails.length).toBe(slack.length);
  const mail = emails.find((m) => m.subject.includes('Face collection deleted without MFA'))!;
  expect(mail).toMatchObject({ to: 'me@example.com', from: 'rekwatch@example.com', html: expect.stringContaining('DeleteCollection') });
  expect(mail.text).toContain('DeleteCollection');
  for (const s of slack) {
    expect(s.path).toBe('/services/local');
    expect(s.problems).toEqual([]);
  }
  expect(stderr).toContain('delivering to console, slack, email');
}, 40_000);
