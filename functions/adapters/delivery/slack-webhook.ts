/**
 * Slack incoming webhook: POSTs the Block Kit message. 429 (with Retry-After) and 5xx are retried;
 * other 4xx answers (invalid_payload, no_service, ...) are not, since a retry cannot fix them. The
 * webhook URL is a secret: it never appears in the channel name or in error messages.
 */
import { formatSlack } from '../../core/format/slack';
import { DeliveryFailure } from '../../core/deliver/retry';
import type { Alert } from '../../core/common/types';
import type { DeliveryChannel } from './channel';

/**
 * What went wrong under fetch's bare "fetch failed": the socket error (`connect ECONNREFUSED
 * 127.0.0.1:9`, `getaddrinfo ENOTFOUND hooks.slack.com`), each address's when several were tried.
 * Never the URL's path (the webhook's secret).
 */
export function networkCause(e: unknown): string {
  // Duck-typed: the errors come from Node's own realm, where `instanceof Error` of another realm fails.
  const text = (x: unknown) => (typeof (x as Error | undefined)?.message === 'string' ? (x as Error).message : String(x));
  const cause = (e as { cause?: { message?: unknown; errors?: unknown } }).cause;
  if (typeof cause?.message !== 'string') return text(e);
  if (Array.isArray(cause.errors) && cause.errors.length > 0) return cause.errors.map(text).join('; ');
  return cause.message === 'bad port' ? 'fetch refuses to connect to this port (bad port)' : cause.message;
}

export class SlackWebhookChannel implements DeliveryChannel {
  readonly name = 'slack';

  constructor(
    private readonly webhookUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(alert: Alert): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(formatSlack(alert)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new DeliveryFailure(`Slack webhook unreachable: ${(e as Error).name === 'TimeoutError' ? `no answer in ${this.timeoutMs / 1000} s` : networkCause(e)}`, true);
    }
    if (res.ok) return;
    const body = (await res.text().catch(() => '')).slice(0, 200);
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after'));
      throw new DeliveryFailure('Slack rate limited the webhook (429)', true, Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
    }
    throw new DeliveryFailure(`Slack webhook answered ${res.status}${body ? ` ${body}` : ''}`, res.status >= 500);
  }
}
