/**
 * AWS errors a user can act on (no credentials, no region, access denied, no such queue or table)
 * are reported by every command in one line naming the command, never as a stack trace.
 */
import { awsErrorText } from '../adapters/sources/aws-error-text';

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
  return `rekwatch ${command}: ${awsErrorText(e)}`;
}
