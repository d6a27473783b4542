/**
 * A Secrets Manager secret read once per container and kept for a while (default 5 minutes), so a
 * busy function does not call GetSecretValue per alert, and a rotated value is picked up soon.
 * Concurrent first reads share one request (core/ttl-cache.ts). The value is never logged and never
 * put in an error.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ttlCache, type TtlCache } from '../core/common/ttl-cache';
import { errorLine } from '../core/common/text';

export class CachedSecret {
  private readonly cache: TtlCache<string | undefined>;

  constructor(
    client: SecretsManagerClient,
    readonly secretId: string,
    ttlMs = 5 * 60_000,
    now: () => number = Date.now,
  ) {
    this.cache = ttlCache(
      () =>
        client.send(new GetSecretValueCommand({ SecretId: secretId })).then(
          (out) => out.SecretString,
          (e: unknown) => {
            // The SDK's message names the secret and the reason (AccessDenied, ResourceNotFound...), never the value.
            throw new Error(`could not read secret ${secretId}: ${errorLine(e)}`);
          },
        ),
      ttlMs,
      now,
    );
  }

  get(): Promise<string | undefined> {
    return this.cache.get();
  }

  /** Forget the value, e.g. after the webhook rejected it (the secret may have been rotated). */
  invalidate(): void {
    this.cache.invalidate();
  }
}
