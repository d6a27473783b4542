/**
 * Local delivery (`rekwatch replay --deliver`) to real local stand-ins, the local inbox of
 * `npm run inbox`: an SMTP server on loopback (smtp-server) whose mail is parsed with mailparser,
 * and a loopback HTTP server standing in for a Slack incoming webhook. A failing channel is retried and reported while the others still deliver.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startInbox, type Inbox, type InboxEmail } from '../../scripts/local-inbox';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const isolatedState = mkdtempSync(join(tmpdir(), 'rekwatch-deliver-state-'));
const SAMPLES = join(ROOT, 'samples', 'trail');

let inbox: Inbox;
let smtpPort = 0;
let slackPort = 0;
const mails: InboxEmail[] = [];
const slackBodies: Array<Record<string, unknown>> = [];
let slackFailuresLeft = 0;

beforeAll(async () => {
  // The local inbox (npm run inbox): a real SMTP server whose mail is parsed with mailparser, and a
  // loopback Slack-shaped webhook; here it refuses the first `slackFailuresLeft` posts with a 429.
  inbox = await startInbox({
    smtpPort: 0,
    httpPort: 0,
    onEmail: (m) => mails.push(m),
    onSlack: (m) => slackBodies.push(m.payload as Record<string, unknown>),
    slackRefusal: () => (slackFailuresLeft > 0 ? (slackFailuresLeft--, { status: 429, headers: { 'retry-after': '0' }, body: 'rate_limited' }) : undefined),
  });
  smtpPort = inbox.smtpPort;
  slackPort = inbox.httpPort;
});

afterAll(() => inbox.close());

beforeEach(() => {
  mails.length = 0;
  slackBodies.length = 0;
  slackFailuresLeft = 0;
});

/** `rekwatch replay` in-process, its environment only `env` (never the developer's .rekwatch/channels.json). */
function replay(args: string[], env: NodeJS.ProcessEnv) {
  return runCli(['replay', ...args], { cwd: ROOT, env: { REKWATCH_STATE_DIR: isolatedState, ...env }, retry: { baseMs: 1, maxMs: 5 } });
}

const env = () => ({
  REKWATCH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  REKWATCH_EMAIL_FROM: 'rekwatch@example.com',
  REKWATCH_EMAIL_TO: 'oncall@example.com, security@example.com',
  REKWATCH_SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/services/T000/B000/XXXX`,
});

describe('rekwatch replay --deliver', () => {
  it('sends every alert of the sample trail by email and to the Slack webhook', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rekwatch-deliver-')), 'alerts.jsonl');
    const res = await replay(['--json', '--deliver', '--deliver-file', out, SAMPLES], env());
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stderr.trim().split('\n').pop() as string) as { alerts: number; delivery: { delivered: number; failed: number } };
    expect(summary.alerts).toBe(8);
    expect(summary.delivery).toMatchObject({ delivered: 24, failed: 0 });
    expect(mails).toHaveLength(8);
    expect(slackBodies).toHaveLength(8);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(8);

    const mail = mails.find((m) => m.subject.includes('Face collection deleted without MFA'))!;
    expect(mail.subject).toMatch(/^\[HIGH\] Face collection deleted without MFA/);
    expect(mail.subject.length).toBeLessThan(100);
    expect(mail.from).toBe('rekwatch@example.com');
    expect(mail.to).toBe('oncall@example.com, security@example.com');
    expect(mail.text).toContain('DeleteCollection');
    expect(mail.text).toContain('arn:aws:iam::111122223333:user/contractor-ci');
    expect(mail.text).toContain('https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/');
    expect(mail.html).toContain('DeleteCollection');

    for (const body of slackBodies) {
      expect(typeof body.text).toBe('string');
      const blocks = body.blocks as Array<{ type: string }>;
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(blocks[0]!.type).toBe('header');
    }
  });

  it('retries a rate-limited Slack webhook, and one failing channel does not stop the others', async () => {
    slackFailuresLeft = 1;
    const ok = await replay(['--json', '--deliver', SAMPLES], env());
    expect(ok.code).toBe(0);
    expect(slackBodies).toHaveLength(8);

    mails.length = 0;
    const broken = { ...env(), REKWATCH_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T000/B000/SECRET' };
    const res = await replay(['--json', '--deliver', SAMPLES], broken);
    expect(res.code).toBe(3);
    expect(mails).toHaveLength(8);
    const summary = JSON.parse(res.stderr.trim().split('\n').pop() as string) as { delivery: { delivered: number; failed: number } };
    expect(summary.delivery).toMatchObject({ delivered: 8, failed: 8 });
    expect(res.stderr).toMatch(/delivery of .* to slack failed after 4 attempts: Slack webhook unreachable/);
    expect(res.stderr).not.toContain('SECRET');
  });

  it('refuses to start with a half-configured channel, naming the variable', async () => {
    const res = await replay(['--deliver', SAMPLES], { REKWATCH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('REKWATCH_EMAIL_FROM');
    const none = await replay(['--deliver', SAMPLES], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--deliver needs a channel');
    // The hint names the file it looked for: the state directory's.
    expect(none.stderr).toContain(`write ${relative(ROOT, join(isolatedState, 'channels.json'))} (or --channels FILE`);
    const other = await replay(['--deliver', '--state-dir', join(isolatedState, 'other'), SAMPLES], {});
    expect(other.stderr).toContain(`write ${relative(ROOT, join(isolatedState, 'other', 'channels.json'))} (or --channels FILE`);
  });
});

describe('the local channels file', () => {
  function channelsFile(content: unknown, mode = 0o600): { dir: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-channels-'));
    const file = join(dir, 'channels.json');
    writeFileSync(file, JSON.stringify(content), { mode });
    chmodSync(file, mode);
    return { dir, file };
  }

  it('routes by severity per channel; a relative file path is relative to the channels file', async () => {
    const { dir, file } = channelsFile({
      slack: { webhookUrl: `http://127.0.0.1:${slackPort}/services/T000/B000/XXXX`, severities: ['high'] },
      email: { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'rekwatch@example.com', to: ['oncall@example.com'], severities: ['medium'] },
      file: { path: 'all.jsonl' },
    });
    const res = await replay(['--json', '--deliver', '--channels', file, SAMPLES], {});
    expect(res.code).toBe(0);
    const all = readFileSync(join(dir, 'all.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { severity: string });
    expect(all).toHaveLength(8);
    const count = (sev: string[]) => all.filter((a) => sev.includes(a.severity)).length;
    // The sample trail: 5 high and 3 medium alerts.
    expect(count(['high'])).toBe(5);
    expect(count(['medium'])).toBe(3);
    expect(slackBodies).toHaveLength(5);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.subject.startsWith('[MEDIUM]'))).toBe(true);
    expect(res.stderr).not.toContain('XXXX');
  });

  it('is found in the state directory without a flag, and environment variables override it', async () => {
    const { dir } = channelsFile({ email: { smtpUrl: 'smtp://127.0.0.1:9', from: 'rekwatch@example.com', to: ['nobody@example.com'] } });
    const res = await replay(['--json', '--deliver', SAMPLES], { REKWATCH_STATE_DIR: dir, REKWATCH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, REKWATCH_EMAIL_TO: 'override@example.com' });
    expect(res.code).toBe(0);
    expect(mails).toHaveLength(8);
    expect(mails[0]!.to).toBe('override@example.com');
  });

  it('refuses a readable file holding a secret, and a wrong field, naming the file and the field', async () => {
    const readable = channelsFile({ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/XXXXSECRET' } }, 0o644);
    const res = await replay(['--deliver', '--channels', readable.file, SAMPLES], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${readable.file}: holds a webhook URL or SMTP password but group or others can read it; run: chmod 600`);
    expect(res.stderr).not.toContain('XXXXSECRET');
    expect(slackBodies).toHaveLength(0);

    const typo = channelsFile({ slack: { webhookURL: 'https://hooks.slack.com/x' }, emails: {} });
    const bad = await replay(['--deliver', '--channels', typo.file, SAMPLES], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('emails: unknown field (did you mean "email"?)');
    expect(bad.stderr).toContain('slack.webhookURL: unknown field (did you mean "webhookUrl"?)');

    const sev = channelsFile({ file: { path: 'x.jsonl', severities: ['urgent'] } });
    const badSev = await replay(['--deliver', '--channels', sev.file, SAMPLES], {});
    expect(badSev.stderr).toContain('file.severities[0]: must be one of "info", "low", "medium", "high", "critical"');
  });
});
