/**
 * `rekwatch replay` end to end, in-process, over real files in a temp directory: every input
 * format, malformed input counted and named, duplicates, scope, the --json contract and exit codes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { crossAccountCopies, envelope, record, SEED_DETECT_LABELS, SEED_START_LABEL_DETECTION } from '../helpers/records';
import { runCli } from '../helpers/cli';

const RULES = {
  'lists/trusted-networks.json': { description: 'test', items: ['198.51.100.0/24', '2001:db8::/32'] },
  'delete-without-mfa.json': {
    id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
    conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteProject'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
    tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
  },
  'untrusted-network.json': {
    id: 'untrusted-network', name: 'Untrusted network', severity: 'medium',
    conditions: { all: [{ fact: 'readOnly', operator: 'equal', value: false }, { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: { fact: 'lists', path: '$.trusted-networks' } }] },
    tests: [{ name: 'hit', event: { readOnly: false, sourceIPAddress: '203.0.113.1' }, expect: true }, { name: 'miss', event: {}, expect: false }],
  },
};

function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-replay-'));
  for (const [rel, content] of Object.entries(RULES)) {
    mkdirSync(join(dir, 'rules', rel, '..'), { recursive: true });
    writeFileSync(join(dir, 'rules', rel), JSON.stringify(content, null, 2));
  }
  mkdirSync(join(dir, 'logs', 'nested'), { recursive: true });
  return dir;
}

const del = (id: string, extra: Record<string, unknown> = {}) => record({ eventName: 'DeleteCollection', readOnly: false, eventID: id, sourceIPAddress: '203.0.113.5', ...extra });

function summaryOf(stderr: string): Record<string, unknown> {
  const last = stderr.trim().split('\n').pop() as string;
  return JSON.parse(last) as Record<string, unknown>;
}

describe('rekwatch replay', () => {
  it('skips CloudTrail digest files, which hold hashes, not events', async () => {
    const dir = setup();
    const digest = join(dir, 'logs', 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'us-east-1', '2026', '11', '20');
    mkdirSync(digest, { recursive: true });
    writeFileSync(join(digest, '111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T100000Z.json.gz'), gzipSync('{"awsAccountId":"111122223333","digestStartTime":"2026-11-20T09:00:00Z"}'));
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('g1')] }));
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(res.stderr)).toMatchObject({ files: 1, records: 1, malformed: 0 });
  });

  it('gives one alert for a cross-account call recorded by two accounts, named from --config accountNames', async () => {
    const dir = setup();
    const [owner, caller] = crossAccountCopies({ sourceIPAddress: '203.0.113.7' });
    // Each account's trail delivers its own copy (read in path order: the owner's, 111122223333, first).
    for (const [account, copy] of [['444455556666', caller], ['111122223333', owner]] as const) {
      const at = join(dir, 'logs', 'AWSLogs', account, 'CloudTrail', 'us-east-1', '2026', '11', '20');
      mkdirSync(at, { recursive: true });
      writeFileSync(join(at, `${account}_CloudTrail_us-east-1_20261120T0920Z_x.json`), JSON.stringify({ Records: [copy] }));
    }
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify({ accountNames: { '111122223333': 'prod-vision', '444455556666': 'ml-central' } }));
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--config', 'deploy.json', 'logs'], { cwd: dir });
    expect(summaryOf(res.stderr)).toMatchObject({ records: 2, evaluated: 2, duplicates: 0, alerts: 1 });
    const alerts = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: 'untrusted-network:0b7c3f5e-4444-4a1b-8c2d-000000000020',
      sharedEventId: '0b7c3f5e-4444-4a1b-8c2d-000000000020',
      account: '111122223333',
      accountNames: { '111122223333': 'prod-vision', '444455556666': 'ml-central' },
    });
  });

  it('refuses an accountNames key that is not an account id', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify({ accountNames: { prod: 'prod-vision' } }));
    const res = await runCli(['replay', '--json', '--rules', 'rules', '--config', 'deploy.json', 'logs'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('deploy.json: accountNames.prod: the key must be a 12-digit AWS account id');
  });

  it('applies the deployment config\'s list overrides and event sources with --config', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('c1', { sourceIPAddress: '100.64.0.9' }), del('c2', { sourceIPAddress: '198.51.100.7' })] }));
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify({ lists: { 'trusted-networks': ['100.64.0.0/10'] }, eventSources: ['rekognition.amazonaws.com'] }));
    const plain = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(plain.stdout).toContain('untrusted-network:c1');
    const configured = await runCli(['replay', '--json', '--config', 'deploy.json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(configured.stdout).toContain('untrusted-network:c2');
    expect(configured.stdout).not.toContain('untrusted-network:c1');

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ lists: { 'trusted-networks': ['nope'] }, alertEmail: 'x@example.com' }));
    const bad = await runCli(['validate', '--config', 'bad.json', '--rules', 'rules'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('alertEmail: unknown field (did you mean "alertEmails"?)');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ lists: { 'trusted-networks': ['nope'] } }));
    const badCidr = await runCli(['validate', '--config', 'bad.json', '--rules', 'rules'], { cwd: dir });
    expect(badCidr.code).toBe(1);
    expect(badCidr.stdout).toContain('bad.json: lists.trusted-networks[0]: invalid CIDR "nope"');
  });

  it('rejects option values that are not counts', async () => {
    const dir = setup();
    for (const args of [['--top', 'x'], ['--top', '0'], ['--max-alerts', '-1']]) {
      const res = await runCli(['replay', ...args, '--rules', 'rules', 'logs'], { cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('must be a whole number');
    }
  });

  it('names at most 20 malformed inputs on stderr with --json, and counts them all', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'junk.jsonl'), Array.from({ length: 50 }, (_, i) => `{bad ${i}`).join('\n'));
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(res.stderr)).toMatchObject({ malformed: 50 });
    expect(res.stderr.split('\n').filter((l) => l.startsWith('rekwatch: malformed:'))).toHaveLength(21);
  });

  it('exits quietly when the reader goes away (piped into head)', () => {
    const out = execFileSync('bash', ['-c', 'node bin/rekwatch replay --json samples/trail 2>/dev/null | head -1 >/dev/null; node bin/rekwatch replay samples/trail 2>&1 | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    expect(out.trim()).toBe('0');
  });

  it('reads gzip trail files, JSON Lines and EventBridge events from a directory tree, skipping other files', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json.gz'), gzipSync(JSON.stringify({ Records: [del('e1'), SEED_DETECT_LABELS, SEED_START_LABEL_DETECTION] }, null, 2)));
    writeFileSync(join(dir, 'logs', 'nested', 'b.jsonl'), [JSON.stringify(envelope(del('e2'))), JSON.stringify(record({ eventID: 'e3' })), JSON.stringify(envelope(record({ eventSource: 's3.amazonaws.com', eventName: 'DeleteBucket', eventID: 'e4' })))].join('\n'));
    writeFileSync(join(dir, 'logs', 'nested', 'c.jsonl.gz'), gzipSync(`${JSON.stringify(del('e5'))}\n`));
    writeFileSync(join(dir, 'logs', 'notes.txt'), 'not a log');
    writeFileSync(join(dir, 'logs', 'digest.json.sig'), 'x');

    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    const alerts = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(alerts.map((a) => `${String(a.ruleId)}:${String(a.eventId)}`).sort()).toEqual([
      'delete-without-mfa:e1', 'delete-without-mfa:e2', 'delete-without-mfa:e5',
      'untrusted-network:e1', 'untrusted-network:e2', 'untrusted-network:e5',
      // The seed's StartLabelDetection came from 192.0.2.0, outside this test's trusted networks.
      'untrusted-network:b602e460-c134-4ecb-ae78-6d383720f29d',
    ].sort());
    expect(summaryOf(res.stderr)).toEqual({
      files: 3, records: 7, evaluated: 6, outOfScope: 1, duplicates: 0, malformed: 0, alerts: 7, ruleErrors: 0, unreadable: 0, suppressed: { mute: 0, dedupe: 0 },
      byRule: { 'untrusted-network': 4, 'delete-without-mfa': 3 },
    });
    expect(alerts[0]).toEqual(expect.objectContaining({
      severity: expect.any(String), title: expect.any(String), consoleUrl: expect.stringMatching(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudtrail\/home\?region=us-east-1#\/events\//),
      account: '111122223333', region: 'us-east-1', principal: expect.any(String), sourceIp: expect.any(String), userAgent: expect.any(String), runbook: null, tags: [], record: expect.any(Object),
    }));
  });

  it('counts and names malformed files, lines and records without stopping', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'broken.jsonl'), ['{"eventVersion": "1.11", "eventSource": "rekognition.amazonaws.com", "eventName": "DeleteCollection", "eventID": "ok1"}', '{not json', '42', '{"foo": "bar"}', JSON.stringify(del('ok2'))].join('\n'));
    writeFileSync(join(dir, 'logs', 'truncated.json.gz'), gzipSync(JSON.stringify({ Records: [del('t1'), del('t2')] })).subarray(0, 60));
    writeFileSync(join(dir, 'logs', 'badrecord.json'), `{"Records": [\n${JSON.stringify(del('r1'))},\n{"eventName": tru},\n${JSON.stringify(del('r2'))}\n]}`);
    writeFileSync(join(dir, 'logs', 'envelope-not-cloudtrail.json'), JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: { severity: 8 } }));

    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    const s = summaryOf(res.stderr);
    expect(s).toMatchObject({ files: 4, evaluated: 4, malformed: 6, outOfScope: 0, duplicates: 0 });
    expect(s.records).toBe(10);
    expect(res.stderr).toContain('logs/badrecord.json: line 3, record 1: invalid JSON');
    expect(res.stderr).toContain('logs/broken.jsonl: line 2: invalid JSON');
    expect(res.stderr).toContain('logs/broken.jsonl: line 3: expected a JSON object, got a number');
    expect(res.stderr).toContain('logs/broken.jsonl: line 4: not a CloudTrail record');
    expect(res.stderr).toContain('logs/envelope-not-cloudtrail.json: line 1: EventBridge event detail is not a CloudTrail record');
    expect(res.stderr).toContain('logs/truncated.json.gz: file: corrupt or truncated gzip');
  });

  it('drops an event delivered twice, evaluates only the configured event sources, and honours --event-source *', async () => {
    const dir = setup();
    const s3 = record({ eventSource: 's3.amazonaws.com', eventName: 'DeleteCollection', readOnly: false, eventID: 's3-1', sourceIPAddress: '203.0.113.9' });
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('d1'), s3] }));
    writeFileSync(join(dir, 'logs', 'b.json'), JSON.stringify({ Records: [del('d1')] }));
    const scoped = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(scoped.stderr)).toMatchObject({ records: 3, evaluated: 1, outOfScope: 1, duplicates: 1, alerts: 2 });
    const all = await runCli(['replay', '--json', '--event-source', '*', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(all.stderr)).toMatchObject({ records: 3, evaluated: 2, outOfScope: 0, duplicates: 1, alerts: 4 });
    const named = await runCli(['replay', '--json', '--event-source', 's3.amazonaws.com', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(summaryOf(named.stderr)).toMatchObject({ evaluated: 1, outOfScope: 2, duplicates: 0, alerts: 2 }); // duplicates are counted among in-scope records
  });

  it('reads stdin (-), plain or gzip, trail JSON or JSON Lines', async () => {
    const dir = setup();
    const trail = JSON.stringify({ Records: [del('s1')] }, null, 2);
    for (const input of [trail, gzipSync(trail), `${JSON.stringify(del('s1'))}\n${JSON.stringify(record())}\n`]) {
      const res = await runCli(['replay', '--json', '--rules', 'rules', '-'], { cwd: dir, stdin: input });
      expect(res.code).toBe(0);
      expect(summaryOf(res.stderr)).toMatchObject({ files: 1, alerts: 2 });
    }
  });

  it('prints a readable report: alerts, then per rule the count, top principals and source IPs', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('h1'), del('h2', { sourceIPAddress: '203.0.113.6' }), record({ eventID: 'h3' })] }));
    const res = await runCli(['replay', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('[HIGH] Delete without MFA: DeleteCollection by assumed-role/photo-app/app-session from 203.0.113.5 in 111122223333/us-east-1');
    expect(res.stdout).toContain('files 1, records 3: 3 evaluated, 0 out of scope, 0 duplicates, 0 malformed');
    expect(res.stdout).toMatch(/delete-without-mfa\s+high\s+2\n\s+top principals: arn:aws:sts::111122223333:assumed-role\/photo-app\/app-session \(2\)\n\s+top source IPs: 203\.0\.113\.5 \(1\), 203\.0\.113\.6 \(1\)/);
    expect(res.stderr).toBe('');
  });

  it('exits 1 on invalid rules and 2 when no input could be read', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'rules', 'bad.json'), '{"id": "bad"}');
    const invalid = await runCli(['replay', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('rules/bad.json: conditions: is required');
    const dir2 = setup();
    const none = await runCli(['replay', '--json', '--rules', 'rules', 'missing-dir', 'logs'], { cwd: dir2 });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('cannot read missing-dir: no such file or directory');
    const readable = await runCli(['replay', '--rules', 'rules', 'missing-dir'], { cwd: dir2 });
    expect(readable.code).toBe(2);
    expect(readable.stdout).toBe(''); // no empty report when nothing was read
    const noRules = await runCli(['replay', '--rules', 'no-such-rules', 'logs'], { cwd: dir2 });
    expect(noRules.code).toBe(2);
    expect(noRules.stderr).toContain('no-such-rules: rules directory not found');
    expect(none.stderr).toContain('cannot read logs: no .json, .json.gz, .jsonl or .jsonl.gz trail log files in this directory');
  });

  it('exits 2 when a path named on the command line cannot be read, even when the others were (a mistyped path fails a CI backtest)', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('n1')] }));
    mkdirSync(join(dir, 'empty'));
    const json = await runCli(['replay', '--json', '--rules', 'rules', 'logs', '/nope/trail'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(json.stdout).toContain('delete-without-mfa:n1'); // what could be read is still replayed
    expect(json.stderr).toContain('rekwatch: cannot read /nope/trail: no such file or directory');
    expect(json.stderr).toContain('rekwatch: 1 path named on the command line could not be read (/nope/trail); exit status 2');
    expect(summaryOf(json.stderr)).toMatchObject({ files: 1, records: 1, alerts: 2, unreadable: 1 }); // still the last line
    const readable = await runCli(['replay', '--rules', 'rules', 'logs', 'nope.json', 'empty'], { cwd: dir });
    expect(readable.code).toBe(2);
    expect(readable.stdout).toContain('files 1, records 1');
    expect(readable.stdout).toMatch(/Unreadable input \(2\)\n {2}nope\.json: no such file or directory\n {2}empty: no \.json/);
    expect(readable.stderr).toContain('rekwatch: 2 paths named on the command line could not be read (nope.json, empty); exit status 2');
  });

  it('exits 0 when only files inside a readable directory were skipped, or a directory was named twice', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'logs', 'a.json'), JSON.stringify({ Records: [del('k1')] }));
    symlinkSync(join(dir, 'gone.json'), join(dir, 'logs', 'dangling.json'));
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('rekwatch: cannot read logs/dangling.json: dangling symbolic link; skipped');
    expect(res.stderr).toContain('rekwatch: cannot read logs: directory already read (logs); skipped');
    expect(res.stderr).not.toContain('named on the command line');
    expect(summaryOf(res.stderr)).toMatchObject({ files: 1, unreadable: 2 });
  });

  it('names each rule error (rule, event, file and line, message) on stderr with --json, the first 20 in full, before the summary', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'rules', 'boom.json'), JSON.stringify({
      id: 'boom', name: 'Boom', severity: 'low', tests: [],
      conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DetectFaces' }, { fact: 'sourceIPAddress', operator: 'ipInCidr', value: { fact: 'userAgent' } }] },
    }));
    const faces = (i: number) => JSON.stringify(record({ eventName: 'DetectFaces', eventID: `b${i}`, userAgent: 'aws-cli/2' }));
    writeFileSync(join(dir, 'logs', 'a.jsonl'), `${Array.from({ length: 23 }, (_, i) => faces(i)).join('\n')}\n`);
    const res = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    const lines = res.stderr.trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ evaluated: 23, ruleErrors: 23 });
    const named = lines.filter((l) => l.startsWith('rekwatch: rule error: '));
    expect(named).toHaveLength(21);
    expect(named[0]).toBe('rekwatch: rule error: boom on event b0 (logs/a.jsonl: line 1): ipInCidr: value "aws-cli/2" is not a CIDR');
    expect(named[19]).toContain('boom on event b19 (logs/a.jsonl: line 20)');
    expect(named[20]).toBe('rekwatch: rule error: 3 more; only the first 20 are named (see "ruleErrors" in the summary)');

    const readable = await runCli(['replay', '--rules', 'rules', 'logs'], { cwd: dir });
    expect(readable.stdout).toContain('Rule errors (23)\n  boom on event b0 (logs/a.jsonl: line 1): ipInCidr: value "aws-cli/2" is not a CIDR\n');
    expect(readable.stdout).toContain('  ... and 3 more');
  });
});
