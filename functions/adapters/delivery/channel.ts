/** A place alerts are delivered to from the CLI (the embedded default), and fan-out to several. */
import { withRetry, type RetryOptions } from '../../core/deliver/retry';
import type { Alert, Severity } from '../../core/common/types';

export interface DeliveryChannel {
  /** Shown in reports: never contains a secret (no webhook URL, no SMTP password). */
  readonly name: string;
  /** Only alerts of these severities are delivered here (all when omitted). */
  readonly severities?: readonly Severity[];
  deliver(alert: Alert): Promise<void>;
}

export interface DeliveryResult {
  channel: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

/**
 * Delivers to every channel that takes the alert's severity, each retried on its own: one failing
 * channel never stops the others.
 */
export async function deliverToAll(channels: readonly DeliveryChannel[], alert: Alert, retry: RetryOptions = {}): Promise<DeliveryResult[]> {
  return Promise.all(
    channels.filter((c) => !c.severities || c.severities.includes(alert.severity)).map(async (c) => {
      const out = await withRetry(() => c.deliver(alert), retry);
      return out.error === undefined
        ? { channel: c.name, ok: true, attempts: out.attempts }
        : { channel: c.name, ok: false, attempts: out.attempts, error: out.error instanceof Error ? out.error.message : String(out.error) };
    }),
  );
}
