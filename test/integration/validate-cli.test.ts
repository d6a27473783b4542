/** `rekwatch validate` over a real directory: conventions as warnings, errors under --strict. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
