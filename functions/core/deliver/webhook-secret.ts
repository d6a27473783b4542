/**
 * The Slack incoming-webhook URL as stored in AWS Secrets Manager (pure). The secret may hold the
 * bare URL, or JSON with a `webhookUrl` (or `url`) key, which is what the console's key/value editor
 * produces. Errors never include the secret's value.
 */
export class WebhookSecretError extends Error {}

export function webhookUrlFromSecret(secretString: string | undefined, secretId: string): string {
  if (!secretString || !secretString.trim()) throw new WebhookSecretError(`secret ${secretId} has no string value`);
  let candidate = secretString.trim();
  if (candidate.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      throw new WebhookSecretError(`secret ${secretId} looks like JSON but does not parse`);
    }
    const obj = parsed as Record<string, unknown>;
    const url = typeof obj.webhookUrl === 'string' ? obj.webhookUrl : typeof obj.url === 'string' ? obj.url : undefined;
    if (!url) throw new WebhookSecretError(`secret ${secretId}: JSON value needs a "webhookUrl" key`);
    candidate = url.trim();
  }
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(candidate);
  } catch {
    throw new WebhookSecretError(`secret ${secretId} does not hold a URL (expected https://hooks.slack.com/services/...)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsedUrl.hostname);
  if (parsedUrl.protocol !== 'https:' && !(parsedUrl.protocol === 'http:' && loopback)) {
    throw new WebhookSecretError(`secret ${secretId}: the webhook URL must use https (plain http only on loopback, for tests)`);
  }
  return candidate;
}
