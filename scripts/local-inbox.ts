/**
 * `npm run inbox`: a local SMTP catcher and a Slack-shaped incoming webhook on loopback, printing
 * what arrives, so `rekwatch watch` / `replay --deliver` can be tried end to end with no mail server
 * and no Slack workspace:
 *
 *   SMTP     smtp://127.0.0.1:2525              (REKWATCH_SMTP_URL)
 *   webhook  http://127.0.0.1:3000/services/local (REKWATCH_SLACK_WEBHOOK_URL)
 *
 * Each email is parsed (mailparser) and shown as subject + plain text; each Slack payload is checked
 * against Slack's limits (the check Slack would do) and shown as its fallback text and block count.
 * `--out DIR` also keeps every message (`.eml` and `.json`). Ports: `--smtp-port`, `--http-port`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { slackLimitProblems } from '../functions/core/format/slack-limits';

export interface InboxEmail {
  subject: string;
  from: string;
  to: string;
  text: string;
  /** The HTML part, '' when there is none. */
  html: string;
}

export interface InboxSlack {
  path: string;
  text: string;
  blocks: number;
  problems: string[];
  payload: unknown;
}

export interface Inbox {
  smtpPort: number;
  httpPort: number;
  close(): Promise<void>;
}

export interface InboxOptions {
  smtpPort?: number;
  httpPort?: number;
  out?: string;
  onEmail?: (mail: InboxEmail) => void;
  onSlack?: (message: InboxSlack) => void;
  /**
   * Answers Slack would give instead of taking the message (e.g. a 429 with Retry-After), for trying
   * retries; consulted before each webhook request. None by default.
   */
  slackRefusal?: () => { status: number; headers?: Record<string, string>; body: string } | undefined;
}

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
  let n = 0;
  const keep = (name: string, content: string | Buffer) => {
    if (!options.out) return;
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, name), content);
  };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'rekwatch local inbox',
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((m) => {
          keep(`${String(++n).padStart(4, '0')}.eml`, raw);
          options.onEmail?.({
            subject: m.subject ?? '',
            from: m.from?.text ?? '',
            to: Array.isArray(m.to) ? m.to.map((t) => t.text).join(', ') : (m.to?.text ?? ''),
            text: m.text ?? '',
            html: typeof m.html === 'string' ? m.html : '',
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort ?? 2525, '127.0.0.1', resolve);
  });
  const http: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      const refusal = options.slackRefusal?.();
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'text/plain', ...refusal.headers });
        res.end(refusal.body);
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('invalid_payload');
        return;
      }
      const problems = slackLimitProblems(payload);
      keep(`${String(++n).padStart(4, '0')}.json`, JSON.stringify(payload, null, 2));
      const p = payload as { text?: unknown; blocks?: unknown };
      options.onSlack?.({ path: req.url ?? '', text: typeof p.text === 'string' ? p.text : '', blocks: Array.isArray(p.blocks) ? p.blocks.length : 0, problems, payload });
      // What Slack answers: 200 "ok", or 400 with the reason for a payload it cannot take.
      res.writeHead(problems.length > 0 ? 400 : 200, { 'content-type': 'text/plain' });
      res.end(problems.length > 0 ? 'invalid_blocks' : 'ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 3000, '127.0.0.1', resolve);
  });
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    httpPort: (http.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const rule = '-'.repeat(78);
  const inbox = await startInbox({
    smtpPort: arg('--smtp-port') ? Number(arg('--smtp-port')) : undefined,
    httpPort: arg('--http-port') ? Number(arg('--http-port')) : undefined,
    out: arg('--out'),
    onEmail: (m) => process.stdout.write(`${rule}\nEMAIL to ${m.to} from ${m.from}\nSubject: ${m.subject}\n\n${m.text.trim()}\n`),
    onSlack: (s) =>
      process.stdout.write(`${rule}\nSLACK ${s.path} (${s.blocks} blocks${s.problems.length ? `; REJECTED: ${s.problems.join('; ')}` : ', within Slack limits'})\n${s.text}\n`),
  });
  process.stderr.write(
    `rekwatch local inbox: SMTP on 127.0.0.1:${inbox.smtpPort}, Slack-shaped webhook on 127.0.0.1:${inbox.httpPort}. In another terminal:\n` +
      `  export REKWATCH_SMTP_URL=smtp://127.0.0.1:${inbox.smtpPort} REKWATCH_EMAIL_FROM=rekwatch@example.com REKWATCH_EMAIL_TO=me@example.com\n` +
      `  export REKWATCH_SLACK_WEBHOOK_URL=http://127.0.0.1:${inbox.httpPort}/services/local\n` +
      `Ctrl-C to stop.\n`,
  );
  const stop = () => void inbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`rekwatch inbox: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
