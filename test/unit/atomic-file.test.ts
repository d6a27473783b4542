/**
 * functions/adapters/atomic-file.ts: a file is replaced whole or not at all, and a failed write
 * leaves no temporary file behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../../functions/adapters/atomic-file';

describe('writeFileAtomically', () => {
  it('replaces the file with the new text, leaving nothing beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-atomic-'));
    const path = join(dir, 'state.json');
    writeFileSync(path, 'old');
    writeFileAtomically(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('on a failed rename throws, keeps what was there and removes its temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-atomic-'));
    const path = join(dir, 'report.html');
    mkdirSync(path); // a directory in the way: the rename fails
    writeFileSync(join(path, 'inside'), 'kept');
    expect(() => writeFileAtomically(path, 'text')).toThrow();
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
  });
});
