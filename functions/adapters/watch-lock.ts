/**
 * One `rekwatch watch` per state directory: `watch.lock` (created exclusively) names the running
 * watch as `host:pid:token`. A second watch is refused while that watch lives; a lock left by a
 * process that has ended (kill -9, a crash, a restarted container) is taken over. The same owner
 * string marks the watch's claims in the delivery ledger (idempotency-store.ts), so after a crash
 * the next watch takes over the dead one's unfinished claims at once (`ownerIsGone`).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './process-alive';

/** Tokens of the watches running in this process (a pid alone cannot tell two in-process watches apart). */
const LIVE = new Set<string>();

/**
 * Whether the watch that wrote `owner` has ended. Owners on another host are never judged gone (a
 * state directory on a shared file system), nor are strings that are not owners.
 */
export function ownerIsGone(owner: string): boolean {
  const m = /^(.*):(\d+):([0-9a-f]+)$/.exec(owner);
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  return pid === process.pid ? !LIVE.has(m[3]!) : !processAlive(pid);
}

export type LockResult = { ok: true; lock: WatchLock } | { ok: false; holder: string };

export class WatchLock {
  private constructor(
    private readonly path: string,
    readonly owner: string,
    private readonly token: string,
  ) {}

  /** Takes `watch.lock` in `stateDir`, or says which live watch holds it. */
  static acquire(stateDir: string): LockResult {
    const path = join(stateDir, 'watch.lock');
    const token = randomBytes(6).toString('hex');
    const owner = `${hostname()}:${process.pid}:${token}`;
    // Written aside and linked into place (link fails if the lock exists), so a lock is never seen empty.
    const tmp = `${path}.${process.pid}-${token}.tmp`;
    writeFileSync(tmp, owner, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(tmp, path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          const holder = readHolder(path);
          if (holder !== undefined && !ownerIsGone(holder)) return { ok: false, holder };
          takeOver(path, holder);
          continue;
        }
        LIVE.add(token);
        return { ok: true, lock: new WatchLock(path, owner, token) };
      }
    } finally {
      unlinkSync(tmp);
    }
    return { ok: false, holder: readHolder(path) ?? '(unreadable lock)' };
  }

  release(): void {
    LIVE.delete(this.token);
    if (readHolder(this.path) === this.owner) unlinkSync(this.path);
  }
}

function readHolder(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock judged stale without ever removing a fresh one: renamed aside first (atomic), and
 * put back if what was taken is not the lock that was judged (unless yet another lock exists).
 */
function takeOver(path: string, judged: string | undefined): void {
  const grave = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, grave);
  } catch {
    return; // someone else took it over first
  }
  if (readHolder(grave) !== judged) {
    try {
      linkSync(grave, path);
    } catch {
      /* a newer lock exists: that one stands */
    }
  }
  unlinkSync(grave);
}

/** `host:pid:token` for messages: "process 1234" (on this host) or "process 1234 on host h". */
export function describeHolder(holder: string): string {
  const m = /^(.*):(\d+):[0-9a-f]+$/.exec(holder);
  if (!m) return holder;
  return m[1] === hostname() ? `process ${m[2]}` : `process ${m[2]} on ${m[1]}`;
}
