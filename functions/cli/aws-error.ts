/**
 * AWS errors a user can act on (no credentials, no region, access denied, no such queue or table)
 * are reported by every command in one line naming the command, never as a stack trace.
 */

interface MaybeAwsError {
  name?: string;
  message?: string;
  $metadata?: unknown;
}

/** True for an error from an AWS SDK call or its credential and region resolution. */
export function isAwsError(e: unknown): boolean {
  const err = e as MaybeAwsError | null;
  if (err === null || typeof err !== 'object') return false;
  return err.$metadata !== undefined || err.name === 'CredentialsProviderError' || err.name === 'TokenProviderError' || /Region is missing/.test(err.message ?? '');
}

/** `rekwatch COMMAND: Name: message`, with a hint for the two set-up errors everyone meets first. */
export function awsErrorLine(command: string, e: unknown): string {
  const err = e as MaybeAwsError;
  const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
  const hint =
    err.name === 'CredentialsProviderError'
      ? ' (set AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or aws sso login)'
      : /Region is missing/.test(err.message ?? '')
        ? ' (set AWS_REGION)'
        : '';
  return `rekwatch ${command}: ${name}${(err.message ?? String(e)).split('\n')[0]}${hint}`;
}
