/**
 * The key that signs mute links locally: 32 random bytes in `<state dir>/link-key` (mode 0600),
 * created on first use and shared by `watch`/`replay --deliver` (signing) and `serve` (verifying).
 * In AWS the key is a generated Secrets Manager secret instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function localLinkKey(stateDir: string): Buffer {
  const path = join(stateDir, 'link-key');
  try {
    const hex = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
    throw new Error(`${path}: not a rekwatch link key (64 hex characters); delete it to make a new one (old links stop working)`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return localLinkKey(stateDir); // another process made it first
    throw e;
  }
}

/** A Secrets Manager value as a link key: at least 32 characters of secret material. */
export function linkKeyFromSecret(secret: string | undefined, secretId: string): Buffer {
  if (!secret || secret.length < 32) throw new Error(`secret ${secretId}: a mute-link key needs at least 32 characters`);
  return Buffer.from(secret, 'utf8');
}
