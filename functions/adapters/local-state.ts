/**
 * The embedded default state store: dynalite (a DynamoDB API server on LevelDB) persisted under the
 * state directory, so locally rekwatch runs the same store code as in AWS (mute-store.ts).
 *
 * LevelDB allows one process at a time, and several rekwatch commands may run at once (`watch` in
 * one terminal, `mute` in another). So the first command to start takes `store.lock` (pid + port)
 * and serves the database on loopback; the others use its server. When the serving process ends,
 * the next request fails to connect, and the client takes over (a stale lock, whose pid is gone, is
 * removed). Everything goes through the DynamoDB API either way.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureStateTable } from './state-table';

export const LOCAL_TABLE = 'rekwatch-state';

interface Lock {
  pid: number;
  port: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): Lock | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Lock;
    return Number.isInteger(v.pid) && Number.isInteger(v.port) ? v : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ports this process serves a store on (a lock with our pid but another port is stale). */
const SERVED_PORTS = new Set<number>();

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function clientFor(port: number): DynamoDBClient {
  return new DynamoDBClient({
    // A stopped (Ctrl-Z) owner still accepts connections: never wait on it for ever.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  return CONNECTION_ERRORS.has(err.code ?? '') || CONNECTION_ERRORS.has(err.cause?.code ?? '') || /socket hang up|ECONNREFUSED/.test(err.message ?? '');
}

export class LocalState {
  readonly tableName = LOCAL_TABLE;
  private server?: Server;
  private servedPort?: number;
  private inner?: DynamoDBClient;
  private readonly lockPath: string;

  private constructor(readonly stateDir: string) {
    this.lockPath = join(stateDir, 'store.lock');
  }

  /** Opens (or joins) the store under `stateDir` and makes sure the table exists. */
  static async open(stateDir: string): Promise<LocalState> {
    const state = new LocalState(stateDir);
    await state.connect();
    return state;
  }

  /**
   * A DynamoDB client for the stores. Its `send` survives the serving process going away: it
   * reconnects (taking the store over) and sends again.
   */
  get client(): DynamoDBClient {
    const send = async (command: unknown): Promise<unknown> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await (this.inner!.send as (c: unknown) => Promise<unknown>)(command);
        } catch (e) {
          if (attempt >= 3 || !isConnectionError(e)) throw e;
          await this.connect();
        }
      }
    };
    return { send, config: this.inner!.config, destroy: () => undefined } as unknown as DynamoDBClient;
  }

  private async connect(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.inner?.destroy();
    const deadline = Date.now() + 10_000;
    let refusedSince: number | undefined;
    for (;;) {
      let fd: number | undefined;
      try {
        fd = openSync(this.lockPath, 'wx', 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (fd !== undefined) {
        try {
          this.server = dynalite({ path: join(this.stateDir, 'db'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
          await new Promise<void>((resolve, reject) => {
            this.server!.once('error', reject);
            this.server!.listen(0, '127.0.0.1', resolve);
          });
          const port = (this.server.address() as AddressInfo).port;
          writeSync(fd, JSON.stringify({ pid: process.pid, port }));
          this.servedPort = port;
          SERVED_PORTS.add(port);
          this.inner = clientFor(port);
          break;
        } catch (e) {
          unlinkSync(this.lockPath);
          throw e;
        } finally {
          closeSync(fd);
        }
      }
      const lock = readLock(this.lockPath);
      // A lock naming this process but no server of ours is left from an earlier life of this pid
      // (a restarted container); a lock whose process is gone is stale; so is one that has stayed
      // empty or unreadable (its writer died between creating and writing it).
      const ours = lock !== null && lock.pid === process.pid && !SERVED_PORTS.has(lock.port);
      if (lock && !ours && alive(lock.pid)) {
        this.inner = clientFor(lock.port);
        try {
          await this.inner.send(new DescribeTableCommand({ TableName: LOCAL_TABLE }));
          break;
        } catch (e) {
          if (e instanceof ResourceNotFoundException) break; // served, table not created yet: ensureStateTable does it
          if (!isConnectionError(e) && (e as Error).name !== 'TimeoutError') throw e;
          // A live pid whose port refuses for seconds is not a rekwatch server (the pid was reused).
          refusedSince ??= Date.now();
          if (Date.now() - refusedSince > 3_000) {
            this.takeOver(lock);
            continue;
          }
        }
      } else if (lock || lockAgeMs(this.lockPath) > 5_000) {
        this.takeOver(lock);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`state store under ${this.stateDir} is served by process ${lock?.pid ?? '(unknown)'}, which does not answer (stopped with Ctrl-Z?); resume or end it`);
      }
      await sleep(50);
    }
    await ensureStateTable(this.inner!, LOCAL_TABLE);
  }

  /**
   * Removes a stale lock without ever removing a fresh one: the lock is first renamed to a name of our
   * own (atomic), and if what we took is not the lock we judged stale (someone replaced it meanwhile),
   * it is put back unless yet another lock exists.
   */
  private takeOver(judged: Lock | null): void {
    const grave = `${this.lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(this.lockPath, grave);
    } catch {
      return; // someone else took it over first
    }
    const taken = readLock(grave);
    const same = judged === null ? taken === null : taken !== null && taken.pid === judged.pid && taken.port === judged.port;
    if (!same) {
      try {
        linkSync(grave, this.lockPath);
      } catch {
        /* a newer lock exists: that one stands */
      }
    }
    unlinkSync(grave);
  }


  /** Stops serving (if this process serves) and releases the lock. */
  async close(): Promise<void> {
    this.inner?.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) {
      // Close the server (dynalite closes LevelDB with it) before releasing the lock, so the next
      // owner never finds the database still open.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await closed;
      const lock = existsSync(this.lockPath) ? readLock(this.lockPath) : null;
      if (lock && lock.pid === process.pid && lock.port === this.servedPort) unlinkSync(this.lockPath);
      if (this.servedPort !== undefined) SERVED_PORTS.delete(this.servedPort);
    }
  }
}
