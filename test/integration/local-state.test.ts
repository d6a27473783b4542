/**
 * The embedded store under a state directory: persisted across runs, shared between processes
 * (one serves, the others use its server), taken over when the serving process ends or died.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalState, STORE_HOST } from '../../functions/adapters/local-state';
import { MuteStore } from '../../functions/adapters/mute-store';
import type { Mute } from '../../functions/core/suppress/mute';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function input(reason: string): Omit<Mute, 'id'> {
  return { ruleId: '*', scope: {}, reason, createdBy: 'test', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
}

async function inChild(stateDir: string, reason: string): Promise<string> {
  const script = `
    const { LocalState } = require('./functions/adapters/local-state');
    const { MuteStore } = require('./functions/adapters/mute-store');
    (async () => {
      const s = await LocalState.open(${JSON.stringify(stateDir)});
      const m = await new MuteStore(s.client, { tableName: s.tableName }).create(${JSON.stringify(input(reason))});
      await s.close();
      process.stdout.write(m.id);
    })().catch((e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  return stdout;
}

it('persists across opens and is shared with another process while this one serves', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const first = await LocalState.open(dir);
  const store = new MuteStore(first.client, { tableName: first.tableName });
  const a = await store.create(input('from the test process'));
  const childId = await inChild(dir, 'from a second process'); // uses our server
  expect((await store.live()).map((m) => m.id)).toEqual([a.id, childId]);
  await first.close();
  expect(existsSync(join(dir, 'store.lock'))).toBe(false);

  const again = await LocalState.open(dir);
  expect((await new MuteStore(again.client, { tableName: again.tableName }).live()).map((m) => m.reason)).toEqual(['from the test process', 'from a second process']);
  await again.close();
}, 30_000);

it('takes over from a lock left by a process that died', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const s1 = await LocalState.open(dir);
  await new MuteStore(s1.client, { tableName: s1.tableName }).create(input('before the crash'));
  await s1.close();
  writeFileSync(join(dir, 'store.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, socket: join(dir, "store.sock") })); // no such process
  const s2 = await LocalState.open(dir);
  try {
    expect((await new MuteStore(s2.client, { tableName: s2.tableName }).live()).map((m) => m.reason)).toEqual(['before the crash']);
  } finally {
    await s2.close();
  }
});

it('a client whose server went away takes the store over and carries on', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
  const owner = await LocalState.open(dir);
  const guest = await LocalState.open(dir); // same process: joins the owner's server
  const guestStore = new MuteStore(guest.client, { tableName: guest.tableName });
  await guestStore.create(input('one'));
  await owner.close();
  await guestStore.create(input('two')); // reconnects, now serving itself
  expect((await guestStore.live()).map((m) => m.reason)).toEqual(['one', 'two']);
  await guest.close();
}, 30_000);

describe('stale locks beyond a dead pid', () => {
  async function opensOver(lockContent: string, ageSeconds = 0): Promise<void> {
    const dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
    const s1 = await LocalState.open(dir);
    await new MuteStore(s1.client, { tableName: s1.tableName }).create(input('kept'));
    await s1.close();
    const lock = join(dir, 'store.lock');
    writeFileSync(lock, lockContent);
    if (ageSeconds) utimesSync(lock, new Date(Date.now() - ageSeconds * 1000), new Date(Date.now() - ageSeconds * 1000));
    const s2 = await LocalState.open(dir);
    try {
      expect((await new MuteStore(s2.client, { tableName: s2.tableName }).live()).map((m) => m.reason)).toEqual(['kept']);
    } finally {
      await s2.close();
    }
  }

  it('takes over a lock naming this very process but no server of it (a restarted container)', async () => {
    await opensOver(JSON.stringify({ pid: process.pid, socket: "/nonexistent/store.sock" }));
  });

  it('takes over a lock left empty by a writer that died', async () => {
    await opensOver('', 10);
  });

  it('takes over a lock whose live pid does not answer on its socket (a reused pid)', async () => {
    await opensOver(JSON.stringify({ pid: process.ppid, socket: "/nonexistent/store.sock" }));
  }, 20_000);
});

/**
 * The attacks of issue 9 §1 against the real store: another local user and a web page in the user's
 * browser tried to write a mute. The store is reachable only through a socket in the owner's 0700
 * directory, and refuses anything that looks like a browser or did not come from rekwatch's client.
 */
describe('who can reach the store', () => {
  interface Answer {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }
  function request(socketPath: string, opts: { method?: string; headers?: Record<string, string> }): Promise<Answer> {
    const body = JSON.stringify({ TableName: 'rekwatch-state', Item: { pk: { S: 'mutes' }, version: { N: '1' }, mutes: { S: '[]' } } });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { socketPath, path: '/', method: opts.method ?? 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem', authorization: 'AWS4-HMAC-SHA256 Credential=a/20261201/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00', 'x-amz-date': '20261201T000000Z', ...opts.headers } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(opts.method === 'OPTIONS' ? undefined : body);
    });
  }

  let dir: string;
  let state: LocalState;
  let socket: string;
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
    state = await LocalState.open(dir);
    socket = JSON.parse(readFileSync(join(dir, 'store.lock'), 'utf8')).socket;
  });
  afterAll(() => state.close());

  it('listens on a Unix socket in the 0700 state directory, not on a TCP port', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'store.lock'), 'utf8'));
    expect(lock).toEqual({ pid: process.pid, socket: join(dir, 'store.sock') });
    expect(lock.port).toBeUndefined();
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('answers rekwatch\'s own client and nothing that looks like a browser or another client', async () => {
    const own = { host: STORE_HOST };
    expect((await request(socket, { headers: own })).status).toBe(200); // the control: the request itself is valid
    const attacks: [string, { method?: string; headers?: Record<string, string> }][] = [
      ['a cross-origin write from a page', { headers: { ...own, origin: 'http://127.0.0.1:5173' } }],
      ['a null-origin write (sandboxed iframe, file://)', { headers: { ...own, origin: 'null' } }],
      ['a CORS preflight', { method: 'OPTIONS', headers: { ...own, origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-target' } }],
      ['a no-cors fetch (Sec-Fetch headers, no Origin)', { headers: { ...own, 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'cross-site' } }],
      ['a DNS-rebinding page (foreign Host)', { headers: { host: 'attacker.example:8000' } }],
      ['a loopback Host', { headers: { host: '127.0.0.1' } }],
      ['a GET', { method: 'GET', headers: own }],
    ];
    for (const [what, opts] of attacks) {
      const answer = await request(socket, opts);
      expect({ what, status: answer.status }).toEqual({ what, status: 403 });
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('narrows a state directory of ours with wider modes to 0700', async () => {
    const wide = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), '.rekwatch');
    mkdirSync(wide, { mode: 0o777 });
    chmodSync(wide, 0o777);
    const s = await LocalState.open(wide);
    await s.close();
    expect(statSync(wide).mode & 0o777).toBe(0o700);
  });

  it('serves from a private socket directory when the state path is too long for a socket address', async () => {
    const deep = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), 'x'.repeat(60), 'y'.repeat(60), '.rekwatch');
    const s = await LocalState.open(deep);
    try {
      const lock = JSON.parse(readFileSync(join(deep, 'store.lock'), 'utf8'));
      expect(lock.socket.startsWith(join(tmpdir(), `rekwatch-${process.getuid!()}`))).toBe(true);
      expect(statSync(dirname(lock.socket)).mode & 0o777).toBe(0o700);
      await new MuteStore(s.client, { tableName: s.tableName }).create(input('long path'));
      expect((await new MuteStore(s.client, { tableName: s.tableName }).live()).map((m) => m.reason)).toEqual(['long path']);
    } finally {
      await s.close();
    }
  });

  // Another local user: only testable where the tests can become one (root, as on CI and these machines).
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('another local user can neither connect to the socket nor use the directory', async () => {
    const script = `require('node:net').createConnection({ path: ${JSON.stringify(socket)} }).on('connect', () => { process.stdout.write('connected'); process.exit(0); }).on('error', (e) => { process.stdout.write(e.code); process.exit(0); });`;
    const { stdout } = await run(process.execPath, ['-e', script], { uid: 65534, gid: 65534 });
    expect(stdout).toBe('EACCES');

    const theirs = join(mkdtempSync(join(tmpdir(), 'rekwatch-local-state-')), 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    await expect(LocalState.open(theirs)).rejects.toThrow(/belongs to uid 65534, not to you \(uid 0\): refusing to use it/);
  });
});
