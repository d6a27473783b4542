/**
 * Where the shared real-world CloudTrail corpus is (read only): $REKWATCH_CORPUS_DIR, or
 * ../shared/corpus/real/records beside the repository, or /work/shared/corpus/real/records.
 * Tests that need it skip, saying so, when it is absent, except where it is required
 * (REKWATCH_REQUIRE_CORPUS=1, which `.ci/run` sets): there a missing corpus fails the run, so CI can
 * never pass by silently skipping the real-world checks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export const CORPUS_DIR: string | undefined = [
  process.env.REKWATCH_CORPUS_DIR,
  join(ROOT, '..', 'shared', 'corpus', 'real', 'records'),
  '/work/shared/corpus/real/records',
].find((d): d is string => typeof d === 'string' && existsSync(d));

if (CORPUS_DIR === undefined && process.env.REKWATCH_REQUIRE_CORPUS === '1') {
  throw new Error('REKWATCH_REQUIRE_CORPUS=1 but the real-world corpus was not found: set REKWATCH_CORPUS_DIR or check out ../shared beside the repository');
}
