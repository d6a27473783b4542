/**
 * Where the shared real-world CloudTrail corpus is (read only): $REKWATCH_CORPUS_DIR, or
 * ../shared/corpus/real/records beside the repository, or /work/shared/corpus/real/records.
 * Tests that need it skip, saying so, when it is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export const CORPUS_DIR: string | undefined = [
  process.env.REKWATCH_CORPUS_DIR,
  join(ROOT, '..', 'shared', 'corpus', 'real', 'records'),
  '/work/shared/corpus/real/records',
].find((d): d is string => typeof d === 'string' && existsSync(d));
