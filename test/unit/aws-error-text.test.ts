/**
 * functions/adapters/sources/aws-error-text.ts: one line for an AWS error (name, first line of the
 * message, a hint), and which answers say to slow down (the Event history source's back-off and the
 * backtest worker's retries share it).
 */
import { awsErrorText, isThrottling } from '../../functions/adapters/sources/aws-error-text';

const err = (name: string, message = 'm', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('awsErrorText', () => {
  it('names the error, keeps the first line, and adds the caller\'s hint or the set-up one', () => {
    expect(awsErrorText(err('AccessDenied', 'Access Denied\nmore'), { AccessDenied: 'needs s3:GetObject' })).toBe('AccessDenied: Access Denied (needs s3:GetObject)');
    expect(awsErrorText(err('CredentialsProviderError', 'Could not load credentials'))).toContain('(set AWS credentials:');
    expect(awsErrorText(new Error('Region is missing'))).toBe('Region is missing (set AWS_REGION)');
    expect(awsErrorText('plain')).toBe('plain');
  });
});

describe('isThrottling', () => {
  it('is the SDK\'s throttling flag or a slow-down name, and nothing else', () => {
    expect(isThrottling(err('ThrottlingException'))).toBe(true);
    expect(isThrottling(err('SlowDown'))).toBe(true);
    expect(isThrottling(err('TooManyRequests', 'm', { $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottling(err('AccessDenied'))).toBe(false);
    expect(isThrottling(err('InternalError', 'm', { $retryable: {} }))).toBe(false);
    expect(isThrottling(null)).toBe(false);
    expect(isThrottling(undefined)).toBe(false);
  });
});
