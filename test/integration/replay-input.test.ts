/**
 * `rekwatch replay` on hostile and unusual input: gzip bombs and giant records or lines (bounded,
 * skipped and named), records nested 100k levels deep, FIFOs and /dev/fd paths, symbolic links
 * (followed, loops and dangling links named), unreadable subdirectories, and terminal escapes in
 * events. Every record and every path is accounted.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');

const RULE = {
  id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
  conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
};

function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-input-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'delete-without-mfa.json'), JSON.stringify(RULE));
  mkdirSync(join(dir, 'logs'));
  return dir;
}

const del = (id: string, extra: Record<string, unknown> = {}) => record({ eventName: 'DeleteCollection', readOnly: false, eventID: id, ...extra });

function summaryOf(stderr: string): Record<string, number> {
  return JSON.parse(stderr.trim().split('\n').pop() as string) as Record<string, number>;
}

function alertIds(stdout: string): string[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { eventId: string }).eventId));
}

/** A gzip file of `parts`, each its own gzip member (concatenated members are one valid gzip stream), so a huge payload is built from one small member. */
function gzipMembers(parts: Array<string | { repeat: string; mib: number }>): Buffer {
  return Buffer.concat(parts.flatMap((p) => {
    if (typeof p === 'string') return [gzipSync(p)];
    const member = gzipSync(p.repeat.repeat((1 << 20) / p.repeat.length));
    return Array.from({ length: p.mib }, () => member);
  }));
}

describe('rekwatch replay on giant input', () => {
  it('skips a .jsonl.gz line over the default 64 MiB maximum (a gzip bomb), names it, and reads the lines after it', async () => {
    const dir = setup();
    const bomb = gzipMembers([`${JSON.stringify(del('before'))}\n{"eventName": "DeleteCollection", "s": "`, { repeat: 'x', mib: 80 }, `"}\n${JSON.stringify(del('after'))}\n`]);
    expect(bomb.length).toBeLessThan(1 << 20);
    writeFileSync(join(dir, 'logs', 'bomb.jsonl.gz'), bomb);
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 1, records: 3, evaluated: 2, malformed: 1 });
    expect(res.stderr).toContain('rekwatch: malformed: logs/bomb.jsonl.gz: line 2: line larger than 67108864 bytes; skipped');
    expect(alertIds(res.stdout)).toEqual(['before', 'after']);
  });

  it('skips a .json.gz record over --max-record-size (terminated or not), names it with its line, and goes on', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a-big-record.json.gz'), gzipMembers([`{"Records": [\n${JSON.stringify(del('r1'))},\n{"eventName": "x", "s": "`, { repeat: 'y', mib: 6 }, `"},\n${JSON.stringify(del('r2'))}\n]}`]));
    writeFileSync(join(dir, 'logs', 'b-unterminated.json.gz'), gzipMembers([`{"Records": [${JSON.stringify(del('r3'))}, {"s": "`, { repeat: 'z', mib: 40 }]));
    writeFileSync(join(dir, 'logs', 'c-big-line.jsonl'), `${JSON.stringify(del('r4'))}\n${JSON.stringify(del('r5', { pad: 'p'.repeat(3 << 20) }))}\n${JSON.stringify(del('r6'))}`);
    const res = await runCli(['replay', '--json', '--max-record-size', '1MiB', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 3, records: 8, evaluated: 5, malformed: 3, duplicates: 0, outOfScope: 0 });
    expect(res.stderr).toContain('logs/a-big-record.json.gz: line 3: record larger than 1048576 bytes; skipped');
    expect(res.stderr).toContain('logs/b-unterminated.json.gz: line 1: unexpected end of input (truncated file?)');
    expect(res.stderr).toContain('logs/c-big-line.jsonl: line 2: line larger than 1048576 bytes; skipped');
    expect(alertIds(res.stdout)).toEqual(['r1', 'r2', 'r3', 'r4', 'r6']);
  });

  it('reads a JSON line of exactly --max-record-size bytes and skips one a byte larger, with LF or CRLF line ends', async () => {
    const dir = setup();
    const sized = (id: string, bytes: number) => {
      const base = JSON.stringify(del(id, { pad: '' }));
      return JSON.stringify(del(id, { pad: 'p'.repeat(bytes - base.length) }));
    };
    for (const eol of ['\n', '\r\n']) {
      writeFileSync(join(dir, 'logs', 'a.jsonl'), [sized('fits', 2048), sized('over', 2049), sized('fits-last', 2048)].join(eol) + eol);
      const res = await runCli(['replay', '--json', '--max-record-size', '2KiB', '--rules', 'rules', 'logs'], { cwd: dir });
      expect(summaryOf(res.stderr)).toMatchObject({ records: 3, evaluated: 2, malformed: 1 });
      expect(res.stderr).toContain('logs/a.jsonl: line 2: line larger than 2048 bytes; skipped');
      expect(alertIds(res.stdout)).toEqual(['fits', 'fits-last']);
    }
  });

  it('rejects a --max-record-size that is not a size', async () => {
    const dir = setup();
    for (const bad of ['x', '12 parsecs', '0', '100', '2GiB']) {
      const res = await runCli(['replay', '--max-record-size', bad, '--rules', 'rules', 'logs'], { cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("option '--max-record-size <size>' argument");
    }
  });

  it('counts a record nested 100,000 levels deep as malformed, with the reason, and goes on (with or without an eventID)', async () => {
    const dir = setup();
    const deep = (id?: string) => `{${id ? `"eventID": "${id}", ` : ''}"eventVersion": "1.08", "eventSource": "rekognition.amazonaws.com", "eventName": "DeleteCollection", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    writeFileSync(join(dir, 'logs', 'deep.json'), `{"Records": [${deep()}, ${deep('deep-id')},\n${JSON.stringify(del('after'))}]}`);
    writeFileSync(join(dir, 'logs', 'deep.jsonl'), `${deep()}\n${JSON.stringify(del('after2'))}\n`);
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(summaryOf(res.stderr)).toMatchObject({ records: 5, evaluated: 2, malformed: 3, ruleErrors: 0 });
    expect(res.stderr).toContain('logs/deep.json: line 1, record 0: nested deeper than 512 levels; skipped');
    expect(res.stderr).toContain('logs/deep.jsonl: line 1: nested deeper than 512 levels; skipped');
    expect(alertIds(res.stdout)).toEqual(['after', 'after2']);
  });

  it('evaluates a record nested 500 levels deep like any other', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('d500', { x: JSON.parse(`${'['.repeat(497)}${']'.repeat(497)}`) })] }));
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(res.stderr)).toMatchObject({ records: 1, evaluated: 1, malformed: 0, ruleErrors: 0, alerts: 1 });
  });
});

describe('rekwatch replay on FIFOs, /dev/fd paths and links', () => {
  it('reads a FIFO as a stream, plain or gzip (no ESPIPE)', async () => {
    const dir = setup();
    for (const [name, content] of [['pipe.json', JSON.stringify({ Records: [del('f1')] })], ['pipe', gzipSync(`${JSON.stringify(del('f2'))}\n${JSON.stringify(del('f3'))}\n`)]] as const) {
      const fifo = join(dir, name);
      execFileSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      writer.end(content);
      const res = await runCli(['replay', '--json', '--rules', 'rules', fifo], { cwd: dir });
      expect(res.stderr).not.toContain('ESPIPE');
      expect(res.code).toBe(0);
      expect(alertIds(res.stdout)).toEqual(name === 'pipe' ? ['f2', 'f3'] : ['f1']);
    }
  });

  it('reads bash process substitution, replay <(cat x.json) and <(gzip -c x.jsonl)', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ Records: [del('p1')] }, null, 2));
    writeFileSync(join(dir, 'x.jsonl'), `${JSON.stringify(del('p2'))}\n`);
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', `node ${join(ROOT, 'bin', 'rekwatch')} replay --json --rules rules <(cat x.json) <(gzip -c x.jsonl)`], { cwd: dir, encoding: 'utf8' });
    expect(summaryOf(stderr)).toMatchObject({ files: 2, records: 2, evaluated: 2, malformed: 0, unreadable: 0 });
    expect(alertIds(stdout)).toEqual(['p1', 'p2']);
  });

  it('follows symbolic links to files and directories once, and names loops, dangling links and special files it skips', async () => {
    const dir = setup();
    mkdirSync(join(dir, 'logs', 'real', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'real', 'a.json'), JSON.stringify({ Records: [del('s1')] }));
    writeFileSync(join(dir, 'logs', 'real', 'sub', 'b.jsonl'), `${JSON.stringify(del('s2'))}\n`);
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'c.json'), JSON.stringify(del('s3')));
    writeFileSync(join(dir, 'd.json'), JSON.stringify(del('s4')));
    symlinkSync(join(dir, 'd.json'), join(dir, 'logs', 'link-to-file.json'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'logs', 'link-to-dir'));
    symlinkSync('..', join(dir, 'logs', 'real', 'sub', 'loop'));
    symlinkSync('../real', join(dir, 'logs', 'real', 'again'));
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'logs', 'dangling.json'));
    execFileSync('mkfifo', [join(dir, 'logs', 'fifo.json')]);
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(alertIds(res.stdout).sort()).toEqual(['s1', 's2', 's3', 's4']);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 4, records: 4, evaluated: 4, duplicates: 0, unreadable: 4 });
    expect(res.stderr).toContain('rekwatch: cannot read logs/dangling.json: dangling symbolic link; skipped');
    expect(res.stderr).toContain('rekwatch: cannot read logs/fifo.json: not a regular file (a FIFO); skipped (name it on the command line to read it)');
    expect(res.stderr).toContain('rekwatch: cannot read logs/real/again: symbolic link to a directory already read (logs/real); skipped');
    expect(res.stderr).toContain('rekwatch: cannot read logs/real/sub/loop: symbolic link to a directory already read (logs/real); skipped');
  });

  // Root reads any directory, so as root the CLI runs as uid 65534 to meet a real permission error;
  // that needs the repository to be readable by that user (a clone under a 0700 mktemp directory
  // is not). Where no unprivileged user can run it, the test says so in its name and is skipped.
  const asRoot = process.getuid?.() === 0;
  const nobodyCanRun = !asRoot || spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(ROOT, 'bin', 'rekwatch'))})`], { uid: 65534, gid: 65534 }).status === 0;
  (nobodyCanRun ? it : it.skip)(`names an unreadable subdirectory instead of skipping it silently${nobodyCanRun ? '' : ' (skipped: running as root and the repository is not readable by uid 65534)'}`, async () => {
    const dir = setup();
    mkdirSync(join(dir, 'logs', 'locked'));
    writeFileSync(join(dir, 'logs', 'locked', 'hidden.json'), JSON.stringify(del('h1')));
    writeFileSync(join(dir, 'logs', 'ok.json'), JSON.stringify(del('ok1')));
    if (asRoot) execFileSync('chmod', ['-R', 'a+rX', dir]);
    chmodSync(join(dir, 'logs', 'locked'), 0o000);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'rekwatch'), 'replay', '--json', '--rules', 'rules', 'logs'], {
      cwd: dir, ...(asRoot ? { uid: 65534, gid: 65534 } : {}), env: { PATH: process.env.PATH, HOME: dir, REKWATCH_STATE_DIR: join(dir, 'state') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += String(c)));
    child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
    const code = await new Promise<number | null>((res) => child.on('close', res));
    chmodSync(join(dir, 'logs', 'locked'), 0o755);
    expect(stderr).toContain('rekwatch: cannot read logs/locked: cannot list this directory (EACCES: permission denied)');
    expect(summaryOf(stderr)).toMatchObject({ files: 1, records: 1, unreadable: 1 });
    expect(alertIds(stdout)).toEqual(['ok1']);
    expect(code).toBe(0);
  });
});

describe('rekwatch replay output carries no terminal control sequences from events', () => {
  // ESC sequences (clear screen, set title, colour), CR overwrite, BEL, U+202E (right-to-left override), U+2028, DEL, a C1 control.
  const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const hostile = del('\u001b[2J\rEVIL\u202e', {
    eventTime: '2026-11-20T09:00:00Z\u001b]0;pwned\u0007',
    sourceIPAddress: '203.0.113.5\u001b[31m\u2028',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/\u202eevil\u007f\u009b', accountId: '111122223333' },
  });

  function hostileLogs(): string {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [hostile] }));
    writeFileSync(join(dir, 'logs', 'b.jsonl'), '{"eventName": \u001b[2J\u202e}\n');
    writeFileSync(join(dir, 'logs', 'name\u001b[2J\u202e.json'), '{"Records": [{"eventName": \u001b(B}]}');
    return dir;
  }

  it('shows them as visible escapes in the readable report and on stderr', async () => {
    const dir = hostileLogs();
    const res = await runCli(['replay', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(UNSAFE);
    expect(res.stderr).not.toMatch(UNSAFE);
    expect(res.stdout).toContain('event \\x1b[2J\\x0dEVIL\\u202e');
    expect(res.stdout).toContain('2026-11-20T09:00:00Z\\x1b]0;pwned\\x07');
    expect(res.stdout).toContain('top principals: arn:aws:iam::111122223333:user/\\u202eevil\\x7f\\x9b (1)');
    expect(res.stdout).toContain('top source IPs: 203.0.113.5\\x1b[31m\\u2028 (1)');
    expect(res.stdout).toContain('logs/name\\x1b[2J\\u202e.json: line 1, record 0: invalid JSON');
    expect(res.stdout).toContain('files 3, records 3: 1 evaluated, 0 out of scope, 0 duplicates, 2 malformed');
  });

  it('escapes them in --json output too, which still parses to the same values', async () => {
    const dir = hostileLogs();
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.stdout).not.toMatch(UNSAFE);
    expect(res.stderr).not.toMatch(UNSAFE);
    const alert = JSON.parse(res.stdout.trim()) as Record<string, unknown>;
    expect(alert).toMatchObject({ eventId: hostile.eventID, eventTime: hostile.eventTime, sourceIp: hostile.sourceIPAddress, principal: 'arn:aws:iam::111122223333:user/\u202eevil\u007f\u009b' });
    expect(res.stdout).toContain('\\u202e');
  });
});
