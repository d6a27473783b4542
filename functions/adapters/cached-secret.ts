/**
 * A Secrets Manager secret read once per container and kept for a while (default 5 minutes), so a
 * busy forwarder does not call GetSecretValue per alert, and a rotated value is picked up soon.
 * Concurrent first reads share one request. The value is never logged and never put in an error.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export class CachedSecret {
  private value?: { text: string | undefined; at: number };
  private pending?: Promise<string | undefined>;

  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string | undefined> {
    if (this.value && this.now() - this.value.at < this.ttlMs) return this.value.text;
    this.pending ??= this.client
      .send(new GetSecretValueCommand({ SecretId: this.secretId }))
      .then((out) => {
        this.value = { text: out.SecretString, at: this.now() };
        return out.SecretString;
      })
      .catch((e: unknown) => {
        // The SDK's message names the secret and the reason (AccessDenied, ResourceNotFound...), never the value.
        throw new Error(`could not read secret ${this.secretId}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** Forget the value, e.g. after the webhook rejected it (the secret may have been rotated). */
  invalidate(): void {
    this.value = undefined;
  }
}
