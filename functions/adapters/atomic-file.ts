/**
 * Writing a file so that a reader never sees half of it: the text goes to a temporary sibling (a
 * hidden name no other writer picks, created exclusively), which is then renamed over the path; on a
 * failure (a full disk) the temporary file is removed and the error thrown, and the path keeps what
 * it held. Used by watch's progress file and the HTML reports.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomically(path: string, text: string, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx', mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true }); // a partial write takes no space it does not need
    throw e;
  }
}
