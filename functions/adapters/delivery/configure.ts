/**
 * The local delivery channels: the channels file (channels-file.ts), with environment variables on
 * top for scripting (each replaces its part of the file):
 *   REKWATCH_SLACK_WEBHOOK_URL                                  Slack incoming webhook
 *   REKWATCH_SMTP_URL, REKWATCH_EMAIL_FROM, REKWATCH_EMAIL_TO   email over SMTP (TO comma-separated)
 * plus `--deliver-file PATH` for a JSON Lines file. Misconfiguration is an error naming the variable
 * or the file and field; secrets never appear in channel names or errors.
 */
import type { Severity } from '../../core/common/types';
import type { DeliveryChannel } from './channel';
import { ChannelConfigError, type ChannelsConfig } from './channels-file';
import { FileChannel } from './file';
import { SlackWebhookChannel } from './slack-webhook';
import type { SmtpChannel } from './smtp';

export { ChannelConfigError };

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

function withSeverities(channel: DeliveryChannel, severities: readonly Severity[] | undefined): DeliveryChannel {
  if (!severities) return channel;
  return { name: `${channel.name} [${severities.join('|')}]`, severities, deliver: (a) => channel.deliver(a) };
}

function checkWebhook(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChannelConfigError(`${where}: not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.includes(url.hostname))) {
    throw new ChannelConfigError(`${where}: must be an https:// URL (plain http only on loopback)`);
  }
}

function checkSmtp(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChannelConfigError(`${where}: not a URL (e.g. smtp://127.0.0.1:2525)`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ChannelConfigError(`${where}: must start with smtp:// or smtps://`);
}

/** `source` names the channels file in errors (or is undefined when there is none). */
export function buildChannels(config: ChannelsConfig, env: NodeJS.ProcessEnv, options: { file?: string; source?: string } = {}): DeliveryChannel[] {
  const channels: DeliveryChannel[] = [];
  const src = options.source ?? 'channels file';

  const slackUrl = env.REKWATCH_SLACK_WEBHOOK_URL || config.slack?.webhookUrl;
  if (slackUrl) {
    checkWebhook(slackUrl, env.REKWATCH_SLACK_WEBHOOK_URL ? 'REKWATCH_SLACK_WEBHOOK_URL' : `${src}: slack.webhookUrl`);
    channels.push(withSeverities(new SlackWebhookChannel(slackUrl), config.slack?.severities));
  }

  const smtpUrl = env.REKWATCH_SMTP_URL || config.email?.smtpUrl;
  if (smtpUrl) {
    checkSmtp(smtpUrl, env.REKWATCH_SMTP_URL ? 'REKWATCH_SMTP_URL' : `${src}: email.smtpUrl`);
    const from = env.REKWATCH_EMAIL_FROM || config.email?.from;
    const toEnv = (env.REKWATCH_EMAIL_TO ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const to = toEnv.length > 0 ? toEnv : (config.email?.to ?? []);
    if (!from || !EMAIL.test(from)) throw new ChannelConfigError('REKWATCH_EMAIL_FROM: set it to the sender address when REKWATCH_SMTP_URL is set');
    if (to.length === 0) throw new ChannelConfigError('REKWATCH_EMAIL_TO: set it to one or more comma-separated addresses when REKWATCH_SMTP_URL is set');
    for (const addr of to) if (!EMAIL.test(addr)) throw new ChannelConfigError(`REKWATCH_EMAIL_TO: "${addr}" is not an email address`);
    // nodemailer is loaded only when email is configured (it is a large share of CLI start-up).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SmtpChannel: Smtp } = require('./smtp') as { SmtpChannel: typeof SmtpChannel };
    channels.push(withSeverities(new Smtp(smtpUrl, from, to), config.email?.severities));
  }

  if (config.file) channels.push(withSeverities(new FileChannel(config.file.path), config.file.severities));
  if (options.file) channels.push(new FileChannel(options.file));
  return channels;
}

/** The channels from the environment alone. */
export function channelsFromEnv(env: NodeJS.ProcessEnv, options: { file?: string } = {}): DeliveryChannel[] {
  return buildChannels({}, env, options);
}
