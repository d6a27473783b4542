/** The first `length` hex digits of the SHA-256 of `text`: the ids and keys detection state is stored under. */
import * as crypto from 'node:crypto';

// One-shot `crypto.hash` (Node 20.12 and later; absent before) costs less than half of a Hash object
// per call; the digest is the same either way.
const oneShot = typeof crypto.hash === 'function';

export function hexHash(text: string, length: number): string {
  return (oneShot ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')).slice(0, length);
}
