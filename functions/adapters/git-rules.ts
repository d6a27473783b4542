/**
 * Reads a rules directory as it is at a git ref (`rekwatch diff --base origin/main`), from git's
 * object store, without touching the working tree or the index: `git rev-parse` finds the
 * repository and the commit, `git ls-tree` the files under the directory at that commit, and one
 * `git cat-file --batch` reads them. git runs through execFile (no shell), with pathspecs literal,
 * and a ref that looks like an option is refused. The files are what `readRuleFiles` would read
 * from a checkout of that commit (`.json` files at any depth, hidden names and node_modules
 * skipped; symbolic links and submodules are not followed), named `REF:PATH` in messages, as
 * `git show` names them. Expected failures (not a repository, unknown ref, no such directory at the
 * ref, git missing) are results with a reason, never exceptions.
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { didYouMean } from '../core/common/did-you-mean';
import type { SourceFile } from '../core/rules/pack';

export type GitRules = { ok: true; files: SourceFile[]; label: string; commit: string } | { ok: false; reason: string };

type Git = { ok: true; stdout: Buffer } | { ok: false; stderr: string; missing: boolean };

/** Runs git in `cwd`, giving its output, or why it failed. */
function git(cwd: string, args: readonly string[], input?: string): Promise<Git> {
  return new Promise((done) => {
    const child = execFile('git', ['--literal-pathspecs', ...args], { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 ** 2 }, (error, stdout, stderr) => {
      if (!error) return done({ ok: true, stdout });
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      done({ ok: false, stderr: missing ? 'git is not installed (or not on PATH)' : stderr.toString('utf8').trim() || error.message, missing });
    });
    child.stdin?.on('error', () => undefined); // git exited before reading its input: its error says why
    child.stdin?.end(input ?? '');
  });
}

/** A file `readRuleFiles` would read: `.json`, no hidden path segment, nothing under node_modules. */
function isRuleFile(relPath: string): boolean {
  const parts = relPath.split('/');
  return relPath.endsWith('.json') && parts.every((p) => !p.startsWith('.') && p !== 'node_modules');
}

/** The output of `git cat-file --batch` for the given ids, in order (each `OID SP TYPE SP SIZE LF CONTENT LF`). */
function splitBatch(out: Buffer, count: number): string[] | undefined {
  const texts: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) return undefined;
    const size = Number(out.subarray(at, eol).toString('latin1').split(' ')[2]);
    if (!Number.isInteger(size)) return undefined;
    texts.push(out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return texts;
}

/** The rule files of `rulesDir` (a path relative to `cwd`, as on the command line) at `ref`. */
export async function ruleFilesAtRef(cwd: string, ref: string, rulesDir: string): Promise<GitRules> {
  if (ref === '' || ref.startsWith('-')) return { ok: false, reason: `--base ${ref}: not a git ref` };
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) {
    return { ok: false, reason: top.missing ? `--base: ${top.stderr}` : `--base ${ref}: ${cwd} is not in a git repository (${top.stderr}); compare with a directory instead: --base-rules DIR` };
  }
  const root = top.stdout.toString('utf8').trim();
  const commit = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit.ok) {
    const refs = await git(root, ['for-each-ref', '--format=%(refname:short)']);
    const known = refs.ok ? refs.stdout.toString('utf8').split('\n').filter(Boolean) : [];
    return { ok: false, reason: `--base ${ref}: no such commit in this repository${didYouMean(ref, known)}; a shallow clone (as in CI) may need it fetched first: git fetch origin BRANCH` };
  }
  const oid = commit.stdout.toString('utf8').trim();
  let path: string;
  try {
    path = relative(realpathSync(root), resolve(realpathSync(cwd), rulesDir)).split(sep).join('/');
  } catch (e) {
    return { ok: false, reason: `--base ${ref}: ${(e as Error).message}` };
  }
  if (path.startsWith('..') || isAbsolute(path)) return { ok: false, reason: `--base ${ref}: ${rulesDir} is outside the git repository ${root}` };
  const label = `${ref}:${path || '.'}`;
  const listed = await git(root, ['ls-tree', '-r', '-z', '--full-tree', oid, ...(path ? ['--', path] : [])]);
  if (!listed.ok) return { ok: false, reason: `--base ${ref}: git ls-tree: ${listed.stderr}` };
  const prefix = path ? `${path}/` : '';
  const entries: Array<{ oid: string; relPath: string }> = [];
  for (const line of listed.stdout.toString('utf8').split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
    if (!m || m[2] !== 'blob' || !/^1006[0-7]{2}$/.test(m[1] as string) || !(m[4] as string).startsWith(prefix)) continue;
    const relPath = (m[4] as string).slice(prefix.length);
    if (isRuleFile(relPath)) entries.push({ oid: m[3] as string, relPath });
  }
  if (entries.length === 0) return { ok: false, reason: `${label}: rules directory not found at ${ref} (no .json files there)` };
  const read = await git(root, ['cat-file', '--batch'], `${entries.map((e) => e.oid).join('\n')}\n`);
  const texts = read.ok ? splitBatch(read.stdout, entries.length) : undefined;
  if (!texts) return { ok: false, reason: `--base ${ref}: git cat-file: ${read.ok ? 'unexpected output' : read.stderr}` };
  const files = entries.map((e, i) => ({ path: `${ref}:${prefix}${e.relPath}`, relPath: e.relPath, text: texts[i] as string }));
  return { ok: true, files, label, commit: oid };
}
