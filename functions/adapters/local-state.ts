/**
 * The embedded default state store: dynalite (a DynamoDB API server on LevelDB) persisted under the
 * state directory, so locally rekwatch runs the same store code as in AWS (mute-store.ts).
 *
 * LevelDB allows one process at a time, and several rekwatch commands may run at once (`watch` in
 * one terminal, `mute` in another). So the first command to start takes `store.lock` (pid + socket)
 * and serves the database; the others use its server. When the serving process ends, the next
 * request fails to connect, and the client takes over (a stale lock, whose pid is gone, is removed).
 * Everything goes through the DynamoDB API either way.
 *
 * Who can reach it (the store decides which alerts are held back, so it is guarded like a key):
 * - The server listens on a Unix domain socket, never a TCP port: `store.sock` inside the state
 *   directory, which is the owner's alone (0700; a directory owned by another user is refused, one
 *   with wider modes is narrowed). Other local users cannot open the socket, and a web page cannot
 *   reach a Unix socket at all. (When the directory's path is too long for a socket address, the
 *   socket lives in a private 0700 directory of the user's under the system temp dir instead, and
 *   the lock names it.)
 * - Every request is checked as well: one carrying an `Origin` or `Sec-Fetch-*` header, a preflight
 *   (`OPTIONS`), or a `Host` other than the one rekwatch's client sends is refused with 403, and
 *   dynalite's CORS headers are never sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureStateTable } from './state-table';
import { processAlive } from './process-alive';

export const LOCAL_TABLE = 'rekwatch-state';

interface Lock {
  pid: number;
  /** The Unix socket the owner serves on. */
  socket: string;
}

/** The Host header rekwatch's own client sends; anything else did not come from it. */
export const STORE_HOST = 'rekwatch-state.localhost';

/** Unix socket addresses are short (108 bytes on Linux, 104 on macOS, the terminating NUL included). */
const MAX_SOCKET_PATH = 100;

export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

const uid = (): number | undefined => process.getuid?.();

/**
 * Makes sure `dir` is a directory only its owner, the current user, can enter: created 0700 when
 * missing, narrowed to 0700 when it is ours with wider modes, refused when it belongs to someone else.
 */
export function ensurePrivateDir(dir: string, what = 'state directory'): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw new StateDirError(`${what} ${dir} is not a directory`);
  const me = uid();
  if (me === undefined) return; // no Unix ownership (Windows): nothing to check
  if (st.uid !== me) throw new StateDirError(`${what} ${dir} belongs to uid ${st.uid}, not to you (uid ${me}): refusing to use it`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** The socket for a state directory: inside it, or (path too long) in the user's private temp dir. */
function socketPathFor(stateDir: string): string {
  const inside = join(stateDir, 'store.sock');
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return inside;
  const dir = join(tmpdir(), `rekwatch-${uid() ?? 'user'}`);
  ensurePrivateDir(dir, 'socket directory');
  const id = createHash('sha256').update(realpathSync(stateDir)).digest('hex').slice(0, 24);
  return join(dir, `${id}.sock`);
}

/** Why a request to the store is refused, or undefined for one from rekwatch's own client. */
export function refusal(req: Pick<IncomingMessage, 'method' | 'headers'>): string | undefined {
  if (req.method !== 'POST') return `method ${req.method ?? '?'}`;
  if (req.headers.origin !== undefined) return 'a browser request (Origin header)';
  if (Object.keys(req.headers).some((h) => h.startsWith('sec-fetch-'))) return 'a browser request (Sec-Fetch headers)';
  if (req.headers.host !== STORE_HOST) return `Host ${JSON.stringify(req.headers.host ?? '')}`;
  return undefined;
}

/** Puts the request guard in front of dynalite's handler and keeps CORS headers out of every answer. */
function guard(server: Server): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const why = refusal(req);
    if (why !== undefined) {
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`refused: ${why}\n`);
      return;
    }
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name: string, value: number | string | readonly string[]) =>
      name.toLowerCase().startsWith('access-control-') ? res : setHeader(name, value);
    for (const h of handlers) h(req, res);
  });
}

/** Removes a socket file left by a dead owner (only a socket: never anything else at that path). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    /* not there */
  }
}

function readLock(path: string): Lock | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Lock;
    return Number.isInteger(v.pid) && typeof v.socket === 'string' && v.socket !== '' ? v : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sockets this process serves a store on (a lock with our pid but another socket is stale). */
const SERVED_SOCKETS = new Set<string>();

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function clientFor(socket: string): DynamoDBClient {
  // Every connection goes to the Unix socket, whatever the URL says; the URL only sets the Host.
  const agent = new Agent({ keepAlive: true });
  (agent as unknown as { createConnection: () => unknown }).createConnection = () => createConnection({ path: socket });
  return new DynamoDBClient({
    // A stopped (Ctrl-Z) owner still accepts connections: never wait on it for ever.
    requestHandler: { httpAgent: agent, connectionTimeout: 2_000, requestTimeout: 10_000 },
    endpoint: `http://${STORE_HOST}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

// ENOENT: the socket file is gone (its owner ended); ECONNREFUSED: the file is left, nobody listens.
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT']);

function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  return CONNECTION_ERRORS.has(err.code ?? '') || CONNECTION_ERRORS.has(err.cause?.code ?? '') || /socket hang up|ECONNREFUSED|ENOENT/.test(err.message ?? '');
}

export class LocalState {
  readonly tableName = LOCAL_TABLE;
  private server?: Server;
  private servedSocket?: string;
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
    ensurePrivateDir(this.stateDir);
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
          const socket = socketPathFor(this.stateDir);
          removeStaleSocket(socket); // we hold the lock: a socket still there is a dead owner's
          this.server = dynalite({ path: join(this.stateDir, 'db'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
          guard(this.server);
          await new Promise<void>((resolve, reject) => {
            this.server!.once('error', reject);
            this.server!.listen(socket, resolve);
          });
          chmodSync(socket, 0o600);
          writeSync(fd, JSON.stringify({ pid: process.pid, socket }));
          this.servedSocket = socket;
          SERVED_SOCKETS.add(socket);
          this.inner = clientFor(socket);
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
      const ours = lock !== null && lock.pid === process.pid && !SERVED_SOCKETS.has(lock.socket);
      if (lock && !ours && processAlive(lock.pid)) {
        this.inner = clientFor(lock.socket);
        try {
          await this.inner.send(new DescribeTableCommand({ TableName: LOCAL_TABLE }));
          break;
        } catch (e) {
          if (e instanceof ResourceNotFoundException) break; // served, table not created yet: ensureStateTable does it
          if (!isConnectionError(e) && (e as Error).name !== 'TimeoutError') throw e;
          // A live pid whose socket refuses for seconds is not a rekwatch server (the pid was reused).
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
    const same = judged === null ? taken === null : taken !== null && taken.pid === judged.pid && taken.socket === judged.socket;
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
      if (lock && lock.pid === process.pid && lock.socket === this.servedSocket) unlinkSync(this.lockPath);
      if (this.servedSocket !== undefined) SERVED_SOCKETS.delete(this.servedSocket);
    }
  }
}
