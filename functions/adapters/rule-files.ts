/**
 * Reads a rules directory (any depth) into source files for the pure pack loader.
 * Only `.json` files are read; hidden directories and node_modules are skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { ConventionOptions } from '../core/rules/conventions';
import { loadPack, type LoadOptions, type PackLoad, type SourceFile } from '../core/rules/pack';

export class RulesDirError extends Error {}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
}

export function readRuleFiles(rulesDir: string, cwd = process.cwd()): SourceFile[] {
  let st;
  try {
    st = statSync(rulesDir);
  } catch {
    throw new RulesDirError(`${rulesDir}: rules directory not found`);
  }
  if (!st.isDirectory()) throw new RulesDirError(`${rulesDir}: not a directory`);
  const paths: string[] = [];
  walk(rulesDir, paths);
  return paths.map((p) => {
    const rel = relative(cwd, p);
    return {
      path: rel.startsWith('..') ? p : rel,
      relPath: relative(rulesDir, p).split(sep).join('/'),
      text: readFileSync(p, 'utf8'),
    };
  });
}

/**
 * The pack conventions' view of the file system: runbook pages are `docs/runbooks/<id>.md` beside
 * the rules directory (`rules/` and `docs/` side by side, as in this repository).
 */
export function conventionsFor(rulesDir: string, cwd = process.cwd()): ConventionOptions {
  const dir = join(dirname(rulesDir), 'docs', 'runbooks');
  const shown = relative(cwd, dir);
  return {
    hasRunbookPage: (id) => existsSync(join(dir, `${id}.md`)),
    runbookDir: (shown.startsWith('..') ? dir : shown).split(sep).join('/') || '.',
  };
}

export function loadRulesDir(rulesDir: string, cwd = process.cwd(), options: LoadOptions = {}): PackLoad {
  return loadPack(readRuleFiles(rulesDir, cwd), options);
}
