/** The first `length` hex digits of the SHA-256 of `text`: the ids and keys detection state is stored under. */
import { createHash } from 'node:crypto';

export function hexHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
