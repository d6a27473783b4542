/**
 * Delivery with a ledger, for `rekwatch watch`: each alert goes to each channel at most once, across
 * restarts and crashes, as the Lambda does it (evaluate/handler.ts). Per channel that takes the
 * alert's severity: claim `watch-sent#<alert id>#<channel>` in the ledger (idempotency-store.ts),
 * deliver with retries, mark it sent; a failed delivery releases its claim, so a later pass tries
 * that channel again while the channels that took the alert are never sent it twice. The one gap: a
 * crash after a channel accepted the alert and before the mark leaves a claim that the next watch
 * takes over and sends again (that alert, on that channel, once more). Never throws: a ledger that
 * cannot be reached is a failed delivery, to be retried.
 */
import type { IdempotencyStore } from '../idempotency-store';
import { withRetry, type RetryOptions } from '../../core/deliver/retry';
import type { Alert } from '../../core/common/types';
import type { DeliveryChannel } from './channel';

export type ChannelOutcome =
  | { channel: string; status: 'sent'; attempts: number; /** set when the ledger could not record it */ unrecorded?: string }
  | { channel: string; status: 'alreadySent' }
  /** Another delivery of it is in flight (a claim by a live watch): still owed, asked again later. */
  | { channel: string; status: 'inflight' }
  | { channel: string; status: 'failed'; attempts: number; error: string };

export const ledgerKey = (alertId: string, channel: string) => `watch-sent#${alertId}#${channel}`;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function deliverOnce(channels: readonly DeliveryChannel[], alert: Alert, ledger: IdempotencyStore, retry: RetryOptions = {}): Promise<ChannelOutcome[]> {
  return Promise.all(
    channels.filter((c) => !c.severities || c.severities.includes(alert.severity)).map(async (c): Promise<ChannelOutcome> => {
      const key = ledgerKey(alert.id, c.name);
      let claim;
      try {
        claim = await ledger.claim(key);
      } catch (e) {
        return { channel: c.name, status: 'failed', attempts: 0, error: `delivery ledger unavailable: ${message(e)}` };
      }
      if (claim !== 'claimed') return { channel: c.name, status: claim };
      const out = await withRetry(() => c.deliver(alert), retry);
      if (out.error !== undefined) {
        await ledger.release(key).catch(() => undefined); // else the claim ends with its owner or its lease
        return { channel: c.name, status: 'failed', attempts: out.attempts, error: message(out.error) };
      }
      const marked = await withRetry(() => ledger.markSent(key), { ...retry, attempts: 3 });
      return { channel: c.name, status: 'sent', attempts: out.attempts, ...(marked.error !== undefined ? { unrecorded: message(marked.error) } : {}) };
    }),
  );
}
