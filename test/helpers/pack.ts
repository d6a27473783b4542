/** Builds rule packs in memory for tests. */
import { loadPack, type SourceFile } from '../../functions/core/rules/pack';
import type { RulePack } from '../../functions/core/common/types';

export function ruleFile(rule: Record<string, unknown>, dir = ''): SourceFile {
  const rel = `${dir}${String(rule.id)}.json`;
  return { path: `rules/${rel}`, relPath: rel, text: JSON.stringify(rule, null, 2) };
}

export function listFile(name: string, items: string[]): SourceFile {
  return { path: `rules/lists/${name}.json`, relPath: `lists/${name}.json`, text: JSON.stringify({ description: name, items }) };
}

/** Loads a pack and fails the test with the problems if it is invalid. */
export function pack(files: SourceFile[]): RulePack {
  const load = loadPack(files);
  if (!load.ok) throw new Error(load.problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n'));
  return load.pack;
}

export function rule(id: string, conditions: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: id, severity: 'high', conditions, ...extra };
}
