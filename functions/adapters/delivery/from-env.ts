/**
 * The local delivery channels, from the environment (secrets stay out of files and argv):
 *   REKWATCH_SLACK_WEBHOOK_URL                           Slack incoming webhook
 *   REKWATCH_SMTP_URL, REKWATCH_EMAIL_FROM, REKWATCH_EMAIL_TO (comma-separated)   email over SMTP
 * plus `--deliver-file PATH` for a JSON Lines file. Misconfiguration is an error naming the variable.
 */
import type { DeliveryChannel } from './channel';
import { FileChannel } from './file';
import { SlackWebhookChannel } from './slack-webhook';
import { SmtpChannel } from './smtp';

export class ChannelConfigError extends Error {}

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

export function channelsFromEnv(env: NodeJS.ProcessEnv, options: { file?: string } = {}): DeliveryChannel[] {
  const channels: DeliveryChannel[] = [];
  const slack = env.REKWATCH_SLACK_WEBHOOK_URL;
  if (slack) {
    let url: URL;
    try {
      url = new URL(slack);
    } catch {
      throw new ChannelConfigError('REKWATCH_SLACK_WEBHOOK_URL: not a URL');
    }
    if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new ChannelConfigError('REKWATCH_SLACK_WEBHOOK_URL: must be an https:// URL (plain http only on loopback)');
    }
    channels.push(new SlackWebhookChannel(slack));
  }
  const smtp = env.REKWATCH_SMTP_URL;
  if (smtp) {
    let url: URL;
    try {
      url = new URL(smtp);
    } catch {
      throw new ChannelConfigError('REKWATCH_SMTP_URL: not a URL (e.g. smtp://127.0.0.1:2525)');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ChannelConfigError('REKWATCH_SMTP_URL: must start with smtp:// or smtps://');
    const from = env.REKWATCH_EMAIL_FROM;
    const to = (env.REKWATCH_EMAIL_TO ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!from || !EMAIL.test(from)) throw new ChannelConfigError('REKWATCH_EMAIL_FROM: set it to the sender address when REKWATCH_SMTP_URL is set');
    if (to.length === 0) throw new ChannelConfigError('REKWATCH_EMAIL_TO: set it to one or more comma-separated addresses when REKWATCH_SMTP_URL is set');
    for (const addr of to) if (!EMAIL.test(addr)) throw new ChannelConfigError(`REKWATCH_EMAIL_TO: "${addr}" is not an email address`);
    channels.push(new SmtpChannel(smtp, from, to));
  }
  if (options.file) channels.push(new FileChannel(options.file));
  return channels;
}
