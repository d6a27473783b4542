/**
 * Robustness on ~1,300 real CloudTrail records from public sources (../shared/corpus/real, read
 * only): replaying them through the shipped pack with every service in scope completes with exit 0
 * and every record is counted exactly once as evaluated, out of scope, duplicate or malformed.
 */
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { CORPUS_DIR } from '../helpers/corpus';

const ROOT = join(__dirname, '..', '..');
const corpus = CORPUS_DIR;

(corpus ? describe : describe.skip)(`real-world corpus (${corpus ?? 'not found: set REKWATCH_CORPUS_DIR'})`, () => {
  it('replays every record without a crash, accounting for each one', async () => {
    const res = await runCli(['replay', '--json', '--event-source', '*', '--rules', join(ROOT, 'rules'), corpus as string]);
    expect(res.code).toBe(0);
    const s = JSON.parse(res.stderr.trim().split('\n').pop() as string) as Record<string, number>;
    expect(s.files).toBe(2);
    expect(s.records).toBe(1301);
    expect(s.evaluated! + s.outOfScope! + s.duplicates! + s.malformed!).toBe(s.records);
    expect(s.ruleErrors).toBe(0);
    expect(s.evaluated).toBeGreaterThan(1000);
    for (const line of res.stdout.trim().split('\n').filter(Boolean)) {
      const alert = JSON.parse(line) as Record<string, unknown>;
      expect(alert.title).not.toMatch(/[\r\n]/);
    }
  });

  it('evaluates the Rekognition records in scope by default', async () => {
    const res = await runCli(['replay', '--json', '--rules', join(ROOT, 'rules'), corpus as string]);
    const s = JSON.parse(res.stderr.trim().split('\n').pop() as string) as Record<string, number>;
    expect(s.evaluated).toBeGreaterThan(0);
    expect(s.outOfScope).toBeGreaterThan(1000);
  });
});
