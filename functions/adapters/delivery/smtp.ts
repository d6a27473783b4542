/**
 * Email over SMTP with nodemailer: the plain-text body and the HTML part. The SMTP URL may carry
 * credentials, so the channel name only shows the host. STARTTLS is used when the server offers it,
 * except on loopback (local mail catchers), where it is skipped.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { formatEmail } from '../../core/format/email';
import { DeliveryFailure } from '../../core/deliver/retry';
import type { Alert } from '../../core/common/types';
import type { DeliveryChannel } from './channel';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export class SmtpChannel implements DeliveryChannel {
  readonly name: string;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly to: readonly string[],
  ) {
    const url = new URL(smtpUrl);
    this.name = `email (${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 25)})`;
    this.transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 25),
      secure: url.protocol === 'smtps:',
      ignoreTLS: LOOPBACK.has(url.hostname),
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      connectionTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async deliver(alert: Alert): Promise<void> {
    const mail = formatEmail(alert);
    try {
      await this.transport.sendMail({ from: this.from, to: [...this.to], subject: mail.subject, text: mail.text, html: mail.html });
    } catch (e) {
      const err = e as Error & { responseCode?: number };
      // 5xx SMTP replies are permanent (bad recipient, rejected); connection problems and 4xx are not.
      throw new DeliveryFailure(`SMTP: ${err.message}`, !(err.responseCode && err.responseCode >= 500));
    }
  }

  close(): void {
    this.transport.close();
  }
}
