import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CachedSecret } from '../../functions/adapters/cached-secret';
import { webhookUrlFromSecret } from '../../functions/core/deliver/webhook-secret';

const URL_ = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';

describe('webhookUrlFromSecret', () => {
  test('accepts a bare URL or JSON with webhookUrl/url', () => {
    expect(webhookUrlFromSecret(URL_, 's')).toBe(URL_);
    expect(webhookUrlFromSecret(` ${URL_}\n`, 's')).toBe(URL_);
    expect(webhookUrlFromSecret(JSON.stringify({ webhookUrl: URL_ }), 's')).toBe(URL_);
    expect(webhookUrlFromSecret(JSON.stringify({ url: URL_ }), 's')).toBe(URL_);
    expect(webhookUrlFromSecret('http://127.0.0.1:9000/services/x', 's')).toBe('http://127.0.0.1:9000/services/x');
  });

  test.each([
    [undefined, /has no string value/],
    ['', /has no string value/],
    ['{"webhook": 1}', /needs a "webhookUrl" key/],
    ['{not json', /does not parse/],
    ['hooks.slack.com/services/XXXXSECRET', /does not hold a URL/],
    ['http://hooks.slack.com/services/XXXXSECRET', /must use https/],
  ])('refuses %p, naming the secret and never echoing the value', (value, message) => {
    let error: Error | undefined;
    try {
      webhookUrlFromSecret(value, 'rekwatch/slack');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('rekwatch/slack');
    expect(error?.message).not.toContain('XXXXSECRET');
  });
});

describe('CachedSecret', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  test('reads once per TTL with the exact SecretId, shares concurrent first reads, re-reads after invalidate', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: URL_ });
    let now = 0;
    const secret = new CachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'rekwatch/slack', 1000, () => now);
    await Promise.all([secret.get(), secret.get(), secret.get()]);
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'rekwatch/slack' });
    now = 999;
    await secret.get();
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    now = 1000;
    await expect(secret.get()).resolves.toBe(URL_);
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    secret.invalidate();
    await secret.get();
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  test('a failed read names the secret and the reason, and is not cached', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })).resolves({ SecretString: URL_ });
    const secret = new CachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'rekwatch/slack');
    await expect(secret.get()).rejects.toThrow('could not read secret rekwatch/slack: AccessDeniedException: User is not authorized');
    await expect(secret.get()).resolves.toBe(URL_);
  });
});
