/**
 * `rekwatch init [DIR]`: writes a starter rules folder into DIR (default `rules` in the current
 * directory): a copy of the default pack shipped with the package (its rules and lists), or with
 * `--example` one example rule and the lists it uses; and each rule's runbook page where the pack
 * conventions look for it, `docs/runbooks/<id>.md` beside DIR (so `validate --strict` passes). Existing files are never overwritten without
 * `--force`: the command first checks every file it would write and, if any exists, writes nothing
 * and names them. The pack is read from where the package is installed (adapters/package-root.ts), not the cwd.
 * Exit codes: 0 written, 1 refused (files exist), 2 the pack or the target cannot be read or written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../adapters/package-root';
import { writeLine, type CliIo } from './io';

/** The rule that `--example` writes, and the lists its conditions name. */
export const EXAMPLE_RULE = 'collection-deleted-without-mfa.json';

export interface InitOptions {
  example?: boolean;
  force?: boolean;
}

interface PlannedFile {
  /** Path relative to the rules directory, or (a runbook page) to the runbooks directory. */
  name: string;
  text: string;
  runbook?: boolean;
}

/** The list names a rule file uses (`{"fact": "lists", "path": "$.NAME"}` anywhere in it). */
function listsUsedBy(ruleText: string): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const name = o.fact === 'lists' && typeof o.path === 'string' ? /^\$\.([\w-]+)$/.exec(o.path)?.[1] : undefined;
      if (name) names.add(name);
      Object.values(o).forEach(visit);
    }
  };
  visit(JSON.parse(ruleText));
  return [...names].sort();
}

/** Every `.json` file under `dir`, as paths relative to it, sorted. */
function jsonFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...jsonFiles(dir, rel));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(rel);
  }
  return out;
}

/**
 * What init would write, read from the shipped pack in `packDir`: rule and list files, then the
 * runbook pages (`docs/runbooks/<id>.md` beside `packDir`) of the rules written, where there are.
 */
export function planInit(packDir: string, options: InitOptions, exampleRule = EXAMPLE_RULE): PlannedFile[] {
  const read = (name: string): PlannedFile => ({ name, text: readFileSync(join(packDir, name), 'utf8') });
  let files: PlannedFile[];
  if (options.example) {
    const rule = read(exampleRule);
    files = [rule, ...listsUsedBy(rule.text).map((list) => read(`lists/${list}.json`))];
  } else {
    files = jsonFiles(packDir).map(read);
  }
  const runbooks = join(dirname(packDir), 'docs', 'runbooks');
  const pages = files
    .filter((f) => !f.name.includes('/'))
    .map((f) => `${String((JSON.parse(f.text) as { id?: unknown }).id)}.md`)
    .filter((page) => existsSync(join(runbooks, page)))
    .map((page) => ({ name: page, text: readFileSync(join(runbooks, page), 'utf8'), runbook: true }));
  return [...files, ...pages];
}

export function initCommand(dir: string | undefined, options: InitOptions, io: CliIo, packDir = join(packageRoot(), 'rules')): number {
  const target = resolve(io.cwd, dir ?? 'rules');
  const shown = relative(io.cwd, target) || '.';
  let plan: PlannedFile[];
  try {
    plan = planInit(packDir, options);
  } catch (e) {
    writeLine(io.stderr, `${packDir}: cannot read the default rule pack: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  if (existsSync(target) && !statSync(target).isDirectory()) {
    writeLine(io.stderr, `${shown}: exists and is not a directory`);
    return 2;
  }
  const runbookDir = join(dirname(target), 'docs', 'runbooks');
  const pathOf = (f: PlannedFile) => join(f.runbook ? runbookDir : target, f.name);
  const existing = plan.filter((f) => existsSync(pathOf(f)));
  if (existing.length > 0 && !options.force) {
    for (const f of existing) writeLine(io.stderr, `${relative(io.cwd, pathOf(f))}: exists (use --force to overwrite)`);
    writeLine(io.stderr, `rekwatch init: nothing written`);
    return 1;
  }
  try {
    for (const f of plan) {
      mkdirSync(dirname(pathOf(f)), { recursive: true });
      writeFileSync(pathOf(f), f.text);
    }
  } catch (e) {
    writeLine(io.stderr, `${shown}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const pages = plan.filter((f) => f.runbook).length;
  const rules = plan.filter((f) => !f.runbook && !f.name.includes('/')).length;
  const lists = plan.length - pages - rules;
  const pagesNote = pages ? `, ${plural(pages, 'runbook page')} to ${relative(io.cwd, runbookDir) || '.'}` : '';
  writeLine(io.stdout, `wrote ${plural(rules, 'rule')} and ${plural(lists, 'list')} to ${shown}${pagesNote}${existing.length ? ` (${existing.length} overwritten)` : ''}`);
  writeLine(io.stdout, `next: rekwatch validate --rules ${shown} && rekwatch test --rules ${shown} && rekwatch replay --rules ${shown} PATH-TO-TRAIL-LOGS`);
  return 0;
}
