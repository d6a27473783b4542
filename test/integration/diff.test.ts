/**
 * `rekwatch diff` end to end, in-process, over real trail files and real git repositories in temp
 * directories: the base read from git without touching the working tree, alerts compared by id
 * (checked against two independent `replay` runs), the three output formats, --fail-on, the same
 * --config and scope on both sides, no mutes or dedupe, and the errors a reviewer can hit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { crossAccountCopies, record } from '../helpers/records';
import { runCli } from '../helpers/cli';

type Json = Record<string, unknown>;

const rule = (id: string, conditions: unknown, extra: Json = {}) => ({
  id, name: id, severity: 'high', conditions,
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
  ...extra,
});
const DELETE = { fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteFaces'] };
const UNTRUSTED = { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: { fact: 'lists', path: '$.trusted-networks' } };

const BASE_RULES: Record<string, unknown> = {
  'lists/trusted-networks.json': { description: 'test', items: ['198.51.100.0/24'] },
  'delete.json': rule('delete', { all: [DELETE] }),
  'delete-untrusted.json': rule('delete-untrusted', { all: [DELETE, UNTRUSTED] }),
  'root.json': rule('root', { all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }] }),
};

const del = (id: string, extra: Json = {}) => record({ eventName: 'DeleteCollection', readOnly: false, eventID: id, eventTime: `2026-11-20T09:${id.slice(-2)}:00Z`, sourceIPAddress: '203.0.113.5', ...extra });
const RECORDS = [
  del('e01'), del('e02', { sourceIPAddress: '198.51.100.7' }), del('e03', { eventName: 'DeleteFaces' }),
  record({ eventID: 'e04', eventTime: '2026-11-20T09:04:00Z', userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' } }), del('e05', { sourceIPAddress: '100.64.0.9' }),
];

function writeRules(dir: string, files: Record<string, unknown>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    if (content === undefined) continue;
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=tester', '-c', 'user.email=tester@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
}

/** A repository with BASE_RULES committed on main, and gzip trail logs (not committed). */
function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-diff-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeRules(join(dir, 'rules'), BASE_RULES);
  git(dir, 'add', 'rules');
  git(dir, 'commit', '-q', '-m', 'rules');
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'a.json.gz'), gzipSync(JSON.stringify({ Records: RECORDS.slice(0, 3) })));
  writeFileSync(join(dir, 'logs', 'b.json'), JSON.stringify({ Records: RECORDS.slice(3) }));
  return dir;
}

/** Head edits: delete-untrusted also trusts 203.0.113.0/24 (e01, e03 vanish), root renamed root-user, a new rule. */
function editHead(dir: string): void {
  writeRules(join(dir, 'rules'), {
    ...BASE_RULES,
    'lists/trusted-networks.json': { description: 'test', items: ['198.51.100.0/24', '203.0.113.0/24'] },
    'root.json': undefined, // renamed:
    'root-user.json': rule('root-user', { all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }] }),
    'faces.json': rule('faces', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteFaces' }] }),
  });
}

const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split('\n').pop() as string) as Json;

/** Alert ids `replay` gives for a rules directory, without mutes or dedupe. */
async function replayIds(dir: string, rules: string): Promise<string[]> {
  const res = await runCli(['replay', '--json', '--no-mutes', '--no-dedupe', '--rules', rules, 'logs'], { cwd: dir });
  expect(res.code).toBe(0);
  return jsonLines(res.stdout).map((a) => String(a.id)).sort();
}

describe('rekwatch diff', () => {
  it('with no change, reports none and exits 0 (also with --fail-on any)', async () => {
    const dir = repo();
    const res = await runCli(['diff', '--fail-on', 'any', 'logs'], { cwd: dir });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('Alerts of rules compared with HEAD:rules: no alert changed (8 alerts on both sides)');
    expect(res.stdout).toContain('No rule changed.');
  });

  it('--base reads the committed rules from git, leaves the working tree alone, and finds what replay finds', async () => {
    const dir = repo();
    editHead(dir);
    const status = git(dir, 'status', '--porcelain');
    const res = await runCli(['diff', '--json', '--base', 'main', 'logs'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(git(dir, 'status', '--porcelain')).toBe(status);
    expect(readFileSync(join(dir, 'rules', 'lists', 'trusted-networks.json'), 'utf8')).toContain('203.0.113.0/24');

    // Differential: what appeared and vanished is exactly the difference of two replays.
    const head = await replayIds(dir, 'rules');
    git(dir, 'worktree', 'add', '-q', '--detach', join(dir, 'checkout-of-main'), 'main');
    const base = await replayIds(dir, join('checkout-of-main', 'rules'));
    const changed = jsonLines(res.stdout);
    const ids = (change: string) => changed.filter((c) => c.change === change).map((c) => String(c.id)).sort();
    expect(ids('appeared')).toEqual(head.filter((id) => !base.includes(id)));
    expect(ids('vanished')).toEqual(base.filter((id) => !head.includes(id)));
    // A renamed rule is its old id's alerts vanishing and its new id's appearing.
    expect(ids('appeared')).toEqual(['faces:e03', 'root-user:e04'].sort());
    expect(ids('vanished')).toEqual(['delete-untrusted:e01', 'delete-untrusted:e03', 'root:e04'].sort());
    expect(changed.find((c) => c.id === 'faces:e03')).toEqual({
      change: 'appeared', count: 1, id: 'faces:e03', ruleId: 'faces', severity: 'high', eventId: 'e03', eventName: 'DeleteFaces', eventTime: '2026-11-20T09:03:00Z',
      principal: 'arn:aws:sts::111122223333:assumed-role/photo-app/app-session', sourceIp: '203.0.113.5', account: '111122223333', region: 'us-east-1',
    });
    expect(summaryOf(res.stderr)).toEqual({
      base: 'main:rules', head: 'rules', files: 2, records: 5, evaluated: 5, outOfScope: 0, duplicates: 0, malformed: 0, unreadable: 0,
      alerts: { base: 8, head: 7, appeared: 2, vanished: 3 }, ruleErrors: { base: 0, head: 0 },
      lists: { added: [], removed: [], changed: ['trusted-networks'] },
      byRule: {
        'delete-untrusted': { status: 'list changed', severity: 'high', base: 3, head: 1, appeared: 0, vanished: 2 },
        faces: { status: 'added', severity: 'high', base: 0, head: 1, appeared: 1, vanished: 0 },
        root: { status: 'removed', severity: 'high', base: 1, head: 0, appeared: 0, vanished: 1 },
        'root-user': { status: 'added', severity: 'high', base: 0, head: 1, appeared: 1, vanished: 0 },
      },
    });
  });

  it('prints a readable report and a Markdown comment with the per-rule table and bounded examples', async () => {
    const dir = repo();
    editHead(dir);
    const text = await runCli(['diff', '--examples', '1', 'logs'], { cwd: dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('Alerts of rules compared with HEAD:rules: 2 alerts appeared, 3 vanished (8 → 7)');
    expect(lines).toContain('  over 2 files, 5 records: 5 evaluated, 0 out of scope, 0 duplicates, 0 malformed');
    expect(lines).toContain('  lists changed: trusted-networks');
    expect(text.stdout).toMatch(/\n {2}delete-untrusted +high +list changed +3 +1 +-2 +0 +2\n/);
    expect(text.stdout).toContain('delete-untrusted: 0 appeared, 2 vanished\n  - 2026-11-20T09:01:00Z  DeleteCollection by arn:aws:sts::111122223333:assumed-role/photo-app/app-session from 203.0.113.5 in 111122223333/us-east-1  event e01\n  - ... and 1 more (--json lists every one)\n');

    const md = await runCli(['diff', '--format', 'markdown', '--examples', '1', 'logs'], { cwd: dir });
    expect(md.code).toBe(0);
    expect(md.stdout.startsWith('### rekwatch diff: 2 alerts appeared, 3 vanished (8 → 7)\n\nAlerts of `rules` compared with `HEAD:rules`, over 2 files')).toBe(true);
    expect(md.stdout).toContain('| rule | severity | status | base | head | change | appeared | vanished |\n|:--|:--|:--|--:|--:|--:|--:|--:|\n| `delete-untrusted` | high | list changed | 3 | 1 | -2 | 0 | 2 |\n');
    expect(md.stdout).toContain('<details><summary>delete-untrusted: 0 appeared, 2 vanished</summary>');
    expect(md.stdout).toContain('| - | `2026-11-20T09:01:00Z` | `DeleteCollection` | `arn:aws:sts::111122223333:assumed-role/photo-app/app-session` | `203.0.113.5` | `111122223333/us-east-1` | `e01` |\n| - | … and 1 more | | | | | |\n');
    expect(md.stdout.match(/<details>/g)).toHaveLength(4);
    expect(md.stdout.match(/<\/details>/g)).toHaveLength(4);
  });

  it('keeps what an event says from acting on the terminal or the comment', async () => {
    const dir = repo();
    const evil = 'arn:aws:iam::111122223333:user/x|`@org/team` <img src=x>\u001b[2J\u202e\nnext';
    writeFileSync(join(dir, 'logs', 'c.json'), JSON.stringify({ Records: [record({ eventName: 'DeleteFaces', eventID: 'f01', userIdentity: { type: 'IAMUser', arn: evil, accountId: '111122223333' } })] }));
    writeRules(join(dir, 'rules'), { ...BASE_RULES, 'faces.json': rule('faces', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteFaces' }] }) });
    const text = await runCli(['diff', 'logs'], { cwd: dir });
    expect(text.stdout).toContain('by arn:aws:iam::111122223333:user/x|`@org/team` <img src=x>\\x1b[2J\\u202e\\x0anext from');
    expect(text.stdout).not.toMatch(/[\u001b\u202e]/);
    const md = await runCli(['diff', '--format', 'markdown', 'logs'], { cwd: dir });
    expect(md.stdout).toContain('| ``arn:aws:iam::111122223333:user/x\\|`@org/team` <img src=x>\\x1b[2J\\u202e\\x0anext`` |');
    expect(md.stdout).not.toMatch(/[\u001b\u202e]/);
    const json = await runCli(['diff', '--json', 'logs'], { cwd: dir });
    expect(json.stdout).toContain('\\u001b[2J\\u202e\\nnext');
    expect(jsonLines(json.stdout).find((c) => c.eventId === 'f01')?.principal).toBe(evil);
  });

  it('--fail-on new exits 1 only when alerts appear, --fail-on any when anything changes', async () => {
    const dir = repo();
    // Narrower: delete-untrusted trusts more, so alerts only vanish.
    writeRules(join(dir, 'rules'), { ...BASE_RULES, 'lists/trusted-networks.json': { description: 'test', items: ['198.51.100.0/24', '203.0.113.0/24'] } });
    expect((await runCli(['diff', '--fail-on', 'new', 'logs'], { cwd: dir })).code).toBe(0);
    const any = await runCli(['diff', '--fail-on', 'any', 'logs'], { cwd: dir });
    expect(any.code).toBe(1);
    expect(any.stderr).toBe('rekwatch diff: --fail-on any: 0 alerts appeared, 2 vanished, rule errors 0 → 0; exit status 1\n');
    // Wider: swapping the sides makes the same change alerts appearing.
    writeRules(join(dir, 'base-rules'), BASE_RULES);
    const swapped = await runCli(['diff', '--json', '--fail-on', 'new', '--base-rules', 'rules', '--rules', 'base-rules', 'logs'], { cwd: dir });
    expect(swapped.code).toBe(1);
    expect(summaryOf(swapped.stderr)).toMatchObject({ base: 'rules', head: 'base-rules', alerts: { base: 6, head: 8, appeared: 2, vanished: 0 } });
  });

  it('applies the same --config list overrides and event-source scope to both sides', async () => {
    const dir = repo();
    writeRules(join(dir, 'rules'), { ...BASE_RULES, 'lists/trusted-networks.json': { description: 'test', items: ['203.0.113.0/24'] } });
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify({ lists: { 'trusted-networks': ['100.64.0.0/10'] } }));
    const overridden = await runCli(['diff', '--json', '--config', 'deploy.json', 'logs'], { cwd: dir });
    expect(overridden.code).toBe(0);
    expect(overridden.stdout).toBe('');
    expect(summaryOf(overridden.stderr)).toMatchObject({ alerts: { base: 8, head: 8, appeared: 0, vanished: 0 }, lists: { changed: [] } });
    const plain = await runCli(['diff', '--json', 'logs'], { cwd: dir });
    expect(summaryOf(plain.stderr)).toMatchObject({ alerts: { appeared: 1, vanished: 2 } });

    writeFileSync(join(dir, 'logs', 'c.json'), JSON.stringify({ Records: [del('s01', { eventSource: 's3.amazonaws.com' })] }));
    const scoped = await runCli(['diff', '--json', '--event-source', 's3.amazonaws.com', 'logs'], { cwd: dir });
    expect(summaryOf(scoped.stderr)).toMatchObject({ records: 6, evaluated: 1, outOfScope: 5, alerts: { base: 2, head: 1, appeared: 0, vanished: 1 } });
  });

  it('compares every alert the rules raise: dedupe windows and live mutes do not apply', async () => {
    const dir = repo();
    const stateDir = mkdtempSync(join(tmpdir(), 'rekwatch-diff-state-'));
    const env = { REKWATCH_STATE_DIR: stateDir };
    expect((await runCli(['mute', 'delete', '--reason', 'noisy', '--for', '1h'], { cwd: dir, env })).code).toBe(0);
    writeRules(join(dir, 'rules'), { ...BASE_RULES, 'delete.json': rule('delete', { all: [DELETE] }, { severity: 'medium', dedupe: { window: '1h', by: ['principalArn'] } }) });
    const replayed = await runCli(['replay', '--json', '--rules', 'rules', 'logs'], { cwd: dir, env });
    expect(summaryOf(replayed.stderr)).toMatchObject({ suppressed: { mute: 4, dedupe: 0 } });
    const unmuted = await runCli(['replay', '--json', '--no-mutes', '--rules', 'rules', 'logs'], { cwd: dir, env });
    expect(summaryOf(unmuted.stderr)).toMatchObject({ suppressed: { mute: 0, dedupe: 3 } });
    const res = await runCli(['diff', '--json', 'logs'], { cwd: dir, env });
    expect(res.code).toBe(0);
    expect(summaryOf(res.stderr)).toMatchObject({ alerts: { base: 8, head: 8, appeared: 0, vanished: 0 }, byRule: { delete: { status: 'changed', severity: 'medium', base: 4, head: 4 } } });
  });

  it('gives one alert per cross-account call on each side, whichever copy matched', async () => {
    const dir = repo();
    const [owner, caller] = crossAccountCopies({ sourceIPAddress: '203.0.113.7' });
    writeFileSync(join(dir, 'logs', 'c.json'), JSON.stringify({ Records: [owner, caller] }));
    const onCopy = (account: string) => rule('copy', { all: [{ fact: 'eventName', operator: 'equal', value: 'CopyProjectVersion' }, { fact: 'recipientAccountId', operator: 'equal', value: account }] });
    writeRules(join(dir, 'base'), { ...BASE_RULES, 'copy.json': onCopy('111122223333') });
    writeRules(join(dir, 'head'), { ...BASE_RULES, 'copy.json': onCopy('444455556666') });
    const res = await runCli(['diff', '--json', '--base-rules', 'base', '--rules', 'head', 'logs'], { cwd: dir });
    expect(res.stdout).toBe('');
    expect(summaryOf(res.stderr)).toMatchObject({ alerts: { base: 9, head: 9, appeared: 0, vanished: 0 }, byRule: { copy: { status: 'changed', base: 1, head: 1 } } });
  });

  it('reads the input once: stdin works', async () => {
    const dir = repo();
    writeRules(join(dir, 'rules'), { ...BASE_RULES, 'faces.json': rule('faces', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteFaces' }] }) });
    const res = await runCli(['diff', '--json', '-'], { cwd: dir, stdin: gzipSync(JSON.stringify({ Records: RECORDS })) });
    expect(res.code).toBe(0);
    expect(jsonLines(res.stdout).map((c) => c.id)).toEqual(['faces:e03']);
  });

  it('names a git problem clearly and exits 2: unknown ref, not a repository, no rules at the ref', async () => {
    const dir = repo();
    const unknown = await runCli(['diff', '--base', 'mian', 'logs'], { cwd: dir });
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: 'rekwatch diff: --base mian: no such commit in this repository (did you mean "main"?); a shallow clone (as in CI) may need it fetched first: git fetch origin BRANCH\n' });
    expect(await runCli(['diff', '--base=--output=x', 'logs'], { cwd: dir })).toEqual({ code: 2, stdout: '', stderr: 'rekwatch diff: --base --output=x: not a git ref\n' });
    const plain = mkdtempSync(join(tmpdir(), 'rekwatch-diff-nogit-'));
    writeRules(join(plain, 'rules'), BASE_RULES);
    writeFileSync(join(plain, 'a.json'), JSON.stringify({ Records: RECORDS }));
    const notGit = await runCli(['diff', 'a.json'], { cwd: plain });
    expect(notGit.code).toBe(2);
    expect(notGit.stderr).toMatch(/^rekwatch diff: --base HEAD: .* is not in a git repository \(.*\); compare with a directory instead: --base-rules DIR\n$/);
    writeRules(join(dir, 'team-rules'), BASE_RULES);
    const missing = await runCli(['diff', '--rules', 'team-rules', 'logs'], { cwd: dir });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'rekwatch diff: HEAD:team-rules: rules directory not found at HEAD (no .json files there)\n' });
    expect((await runCli(['diff', '--base', 'main', '--base-rules', 'rules', 'logs'], { cwd: dir })).stderr).toContain("option '--base <ref>' cannot be used with option '--base-rules <dir>'");
    expect((await runCli(['diff', '--json', '--format', 'markdown', 'logs'], { cwd: dir })).code).toBe(2);
  });

  it('reports invalid rules on either side like validate and exits 1; exits 2 when no input could be read', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'rules', 'bad.json'), '{"id": "bad"}');
    git(dir, 'add', 'rules');
    git(dir, 'commit', '-q', '-m', 'bad rule');
    rmSync(join(dir, 'rules', 'bad.json'));
    const res = await runCli(['diff', 'logs'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('HEAD:rules/bad.json: conditions: is required');
    expect(res.stderr).toContain('HEAD:rules: 1 error; rules are invalid (rekwatch validate)\nrekwatch diff: nothing was compared\n');
    const none = await runCli(['diff', '--base', 'HEAD~1', 'missing'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('rekwatch: no input could be read');
  });

  it("README's example is the real output over the bundled sample", async () => {
    const root = join(__dirname, '..', '..');
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-diff-readme-'));
    symlinkSync(join(root, 'samples'), join(dir, 'samples'));
    cpSync(join(root, 'rules'), join(dir, 'rules'), { recursive: true });
    cpSync(join(root, 'rules'), join(dir, 'rules-new'), { recursive: true });
    // The edit README describes: DeleteFaces too, and the CI user exempt.
    const file = join(dir, 'rules-new', 'collection-deleted-without-mfa.json');
    const changed = JSON.parse(readFileSync(file, 'utf8')) as { conditions: { all: Json[] } };
    const i = changed.conditions.all.findIndex((c) => c.fact === 'eventName');
    changed.conditions.all[i] = { fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteFaces'] };
    changed.conditions.all.push({ fact: 'principalArn', operator: 'notEqual', value: 'arn:aws:iam::111122223333:user/contractor-ci' });
    writeFileSync(file, JSON.stringify(changed, null, 2));
    const res = await runCli(['diff', '--base-rules', 'rules', '--rules', 'rules-new', 'samples/trail'], { cwd: dir });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`node bin/rekwatch diff --base-rules rules --rules rules-new samples/trail\n\`\`\`\n\n\`\`\`\n${res.stdout}\`\`\`\n`);
  });
});
