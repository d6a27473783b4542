/** `rekwatch validate` over a real directory: conventions as warnings, errors under --strict. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const RULE = {
  id: 'collection-gone',
  name: 'Collection gone',
  description: 'A face collection was deleted: the faces in it are gone for good; benign when a pipeline tears down.',
  severity: 'high',
  tags: ['rekognition'],
  runbook: 'https://example.com/runbooks/collection-gone',
  references: ['https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DeleteCollection.html'],
  conditions: { all: [{ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' }, { fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] },
  tests: [
    { name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true },
    { name: 'hit again', event: { eventName: 'DeleteCollection', awsRegion: 'eu-west-1' }, expect: true },
    { name: 'miss', event: {}, expect: false },
    { name: 'other call', event: { eventName: 'IndexFaces' }, expect: false },
  ],
};

function packDir(rule: Record<string, unknown>, runbookPage: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-validate-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'docs', 'runbooks'), { recursive: true });
  writeFileSync(join(dir, 'rules', `${String(rule.id)}.json`), JSON.stringify(rule));
  if (runbookPage) writeFileSync(join(dir, 'docs', 'runbooks', `${String(rule.id)}.md`), '# What to do\n');
  return dir;
}

describe('rekwatch validate', () => {
  it('passes a rule that keeps the pack conventions, with --strict too', async () => {
    const dir = packDir(RULE, true);
    expect(await runCli(['validate'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'rules: ok (1 rule, 0 lists)\n' });
    expect((await runCli(['validate', '--strict'], { cwd: dir })).code).toBe(0);
  });

  it('reports convention problems as warnings, and fails on them with --strict', async () => {
    const dir = packDir({ ...RULE, references: [], tests: RULE.tests.slice(1) }, false);
    const plain = await runCli(['validate'], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')).toEqual([
      'rules/collection-gone.json: references: warning: convention: list at least one reference (the API operation, the threat it detects) so a reviewer can check the rule',
      'rules/collection-gone.json: runbook: warning: convention: add the runbook page docs/runbooks/collection-gone.md (what to do when the rule fires)',
      'rules/collection-gone.json: tests: warning: convention: give at least 2 cases expecting true (an alert); there is 1',
      'rules: ok (1 rule, 0 lists, 3 warnings)',
      '',
    ]);
    const strict = await runCli(['validate', '--strict'], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('rules: 0 errors, 3 warnings (--strict: warnings fail)');
  });
});

describe('list overrides in a deployment config', () => {
  const ROOT = join(__dirname, '..', '..');
  function config(lists: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-config-'));
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify({ lists }));
    return join(dir, 'deploy.json');
  }

  it('reports every problem at once, each naming the config file and its field, once per list however many rules use it', async () => {
    const file = config({ 'trusted-networks': ['10.0.0.0/8', '10.0.0.0/33', 'bogus'], 'trusted-netwroks': ['192.0.2.1'], nope: ['x'] });
    const res = await runCli(['validate', '--config', file], { cwd: ROOT });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe(`${file}: lists.trusted-netwroks: no list "trusted-netwroks" in rules/lists/ (did you mean "trusted-networks"?)\n${file}: lists.nope: no list "nope" in rules/lists/\n`);

    const cidrs = config({ 'trusted-networks': ['10.0.0.0/8', '10.0.0.0/33', 'bogus'] });
    const bad = await runCli(['validate', '--config', cidrs], { cwd: ROOT });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(`${cidrs}: lists.trusted-networks[1]: invalid CIDR "10.0.0.0/33"\n${cidrs}: lists.trusted-networks[2]: invalid CIDR "bogus"\nrules: 2 errors, 0 warnings\n`);
  });

  it('an emptied list is valid, with one warning at the config field that says what it means', async () => {
    const file = config({ 'trusted-networks': [] });
    const res = await runCli(['validate', '--config', file], { cwd: ROOT });
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')[0]).toBe(`${file}: lists.trusted-networks: warning: is empty: ipNotInCidr [] is true for every IP address (and false for values that are not IPs)`);
  });

  it('names the lists directory it looked in when a rules directory has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-nolists-'));
    mkdirSync(join(dir, 'my-rules'));
    writeFileSync(join(dir, 'my-rules', 'untrusted-network-write.json'), readFileSync(join(ROOT, 'rules', 'untrusted-network-write.json')));
    const res = await runCli(['validate', '--rules', 'my-rules'], { cwd: dir });
    expect(res.stdout).toContain('unknown list "trusted-networks" (no lists under my-rules/lists/)');
    expect(res.stdout).not.toContain('under rules/lists/');
  });
});
