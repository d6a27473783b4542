/**
 * One line for an AWS error a user can act on: `Name: message`, with a hint for the set-up errors
 * everyone meets first (no credentials, no region) and any the caller adds for its own calls
 * (`AccessDenied` on a bucket names the permission needed). Used by the CLI's `awsErrorLine` and by
 * the history sources, which report a failed read as an unreadable input.
 */

interface MaybeAwsError {
  name?: string;
  message?: string;
  $metadata?: unknown;
}

export function awsErrorText(e: unknown, hints: Readonly<Record<string, string>> = {}): string {
  const err = (e ?? {}) as MaybeAwsError;
  const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
  const message = (err.message ?? String(e)).split('\n')[0];
  const hint =
    err.name !== undefined && Object.prototype.hasOwnProperty.call(hints, err.name)
      ? ` (${hints[err.name]})`
      : err.name === 'CredentialsProviderError'
        ? ' (set AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or aws sso login)'
        : /Region is missing/.test(err.message ?? '')
          ? ' (set AWS_REGION)'
          : '';
  return `${name}${message}${hint}`;
}

/**
 * Whether an AWS answer says to slow down (retry after a while): the SDK's own throttling flag, or
 * the names services use for it (`ThrottlingException`, S3's `SlowDown`). Used by the Event history
 * source's back-off and the backtest worker's retries.
 */
export function isThrottling(e: unknown): boolean {
  const err = e as { name?: string; $retryable?: { throttling?: boolean } } | null | undefined;
  return err?.$retryable?.throttling === true || /Throttl|SlowDown/i.test(err?.name ?? '');
}
