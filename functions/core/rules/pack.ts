/**
 * Rule pack loading from file texts (pure: the files are read by adapters/rule-files.ts).
 * Every file is checked and every problem reported at once; a pack with any error is not usable.
 */
import { basename } from 'node:path';
import { RECORD_FIELDS } from '../input/facts';
import { isPlainObject } from '../common/json-value';
import { parseDuration } from '../common/duration';
import type { DedupeField, ListOrigin, NamedList, RuleDefinition, RulePack, RuleTestCase, Severity, TopLevelCondition } from '../common/types';
import { conditionProblems } from './conditions';
import { packConventionProblems, ruleConventionProblems, type ConventionOptions } from './conventions';
import { didYouMean } from '../common/did-you-mean';
import { parseJsonText } from '../common/parse-json';
import { hasErrors, type Problem } from './problem';
import { listShapeErrors, ruleShapeErrors } from './schema';
import { testCaseOf, testCaseProblems, thresholdProblems, thresholdSpecOf } from './stateful';

export interface SourceFile {
  /** Path shown in messages (relative to the working directory where possible). */
  path: string;
  /** Path relative to the rules directory, with `/` separators: `lists/x.json` is a list. */
  relPath: string;
  text: string;
  /** For a list whose items were overridden: where they were written (messages point there). */
  origin?: ListOrigin;
}

export interface LoadOptions {
  /** eventSources in scope (the deployment's); default Rekognition only. Decides which rules validation reads as Rekognition rules. */
  eventSources?: readonly string[];
  /** Check the pack's conventions too (as warnings): `rekwatch validate` and the convention test. */
  conventions?: ConventionOptions;
  /** The lists directory as messages should name it (`my-rules/lists/`); default `rules/lists/`. */
  listsDir?: string;
}

export interface PackLoad {
  pack: RulePack;
  problems: Problem[];
  ok: boolean;
}

const LIST_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function isListFile(relPath: string): boolean {
  return /^lists\/[^/]+\.json$/.test(relPath);
}

function parseFile(file: SourceFile, problems: Problem[]): { ok: true; value: unknown } | { ok: false } {
  const parsed = parseJsonText(file.text);
  if (!parsed.ok) {
    problems.push({ file: file.path, field: '', message: parsed.message, level: 'error' });
    return { ok: false };
  }
  return parsed;
}

function loadList(file: SourceFile, problems: Problem[]): NamedList | null {
  const parsed = parseFile(file, problems);
  if (!parsed.ok) return null;
  const name = basename(file.relPath, '.json');
  const before = problems.length;
  if (!LIST_NAME.test(name)) {
    problems.push({ file: file.path, field: '', message: 'list file names must be lowercase kebab-case (the name rules use to reference the list)', level: 'error' });
  }
  for (const e of listShapeErrors(parsed.value)) {
    const at = file.origin && e.field.startsWith('items') ? { file: file.origin.file, field: file.origin.field + e.field.slice('items'.length) } : { file: file.path, field: e.field };
    problems.push({ ...at, message: e.message, level: 'error' });
  }
  if (problems.length > before) return null;
  const value = parsed.value as { description?: string; items: string[] };
  return { name, description: value.description ?? '', items: value.items, file: file.path, ...(file.origin ? { origin: file.origin } : {}) };
}

function loadRule(file: SourceFile, lists: Record<string, NamedList>, problems: Problem[], options: LoadOptions): RuleDefinition | null {
  const parsed = parseFile(file, problems);
  if (!parsed.ok) return null;
  const value = parsed.value;
  const errors: Problem[] = ruleShapeErrors(value).map((e) => ({ file: file.path, field: e.field, message: e.message, level: 'error' as const }));
  if (!isPlainObject(value)) {
    problems.push(...errors);
    return null;
  }
  const expectedId = basename(file.relPath, '.json');
  if (typeof value.id === 'string' && value.id !== expectedId) {
    errors.push({ file: file.path, field: 'id', message: `"${value.id}" does not match the file name (expected "${expectedId}")`, level: 'error' });
  }
  if (typeof value.runbook === 'string' && !isHttpUrl(value.runbook)) {
    errors.push({ file: file.path, field: 'runbook', message: 'must be an http(s) URL', level: 'error' });
  }
  if (isPlainObject(value.dedupe) && typeof value.dedupe.window === 'string') {
    const ms = parseDuration(value.dedupe.window);
    if (ms === null || ms > 7 * 86_400_000) errors.push({ file: file.path, field: 'dedupe.window', message: 'must be a duration from 1s to 7d (like 15m, 1h)', level: 'error' });
  }
  if (isPlainObject(value.threshold)) errors.push(...thresholdProblems(value.threshold, file.path));
  if (Array.isArray(value.tests)) value.tests.forEach((tc, i) => isPlainObject(tc) && errors.push(...testCaseProblems(tc, i, file.path, isPlainObject(value.threshold))));
  if ('conditions' in value) errors.push(...conditionProblems(value.conditions, file.path, lists, { eventSources: options.eventSources, listsDir: options.listsDir }));
  problems.push(...errors);
  if (hasErrors(errors)) return null;

  const rawTests = (value.tests as Record<string, unknown>[] | undefined) ?? [];
  const tests: RuleTestCase[] = rawTests.map(testCaseOf);
  rawTests.forEach((tc, i) => {
    // A partial test event's fields replace the base record's: a misspelt one silently leaves the base value.
    const events = Array.isArray(tc.events) ? (tc.events as Record<string, unknown>[]).map((e, j) => [e, `events[${j}]`] as const) : [[tc.event as Record<string, unknown>, 'event'] as const];
    for (const [event, where] of events) {
      if ('eventVersion' in event || 'detail-type' in event) continue;
      for (const key of Object.keys(event)) {
        if (!(RECORD_FIELDS as readonly string[]).includes(key)) {
          problems.push({ file: file.path, field: `tests[${i}].${where}.${key}`, message: `not a CloudTrail record field${didYouMean(key, RECORD_FIELDS)}`, level: 'warning' });
        }
      }
    }
  });
  const positives = tests.filter((t) => t.expect).length;
  if (tests.length === 0) {
    problems.push({ file: file.path, field: 'tests', message: 'rule has no test cases', level: 'warning' });
  } else if (positives === 0 || positives === tests.length) {
    problems.push({ file: file.path, field: 'tests', message: `rule has no test case expecting ${positives === 0 ? 'true (an alert)' : 'false (no alert)'}`, level: 'warning' });
  }
  const id = value.id as string;
  const rule: RuleDefinition = {
    id,
    name: (value.name as string | undefined) ?? id,
    description: (value.description as string | undefined) ?? '',
    severity: (value.severity as Severity | undefined) ?? 'medium',
    enabled: (value.enabled as boolean | undefined) ?? true,
    tags: (value.tags as string[] | undefined) ?? [],
    runbook: value.runbook as string | undefined,
    references: (value.references as string[] | undefined) ?? [],
    conditions: value.conditions as TopLevelCondition,
    tests,
    ...(isPlainObject(value.dedupe)
      ? { dedupe: { windowMs: parseDuration(String(value.dedupe.window)) as number, by: (value.dedupe.by as DedupeField[] | undefined) ?? [] } }
      : {}),
    ...(isPlainObject(value.threshold) ? { threshold: thresholdSpecOf(value.threshold) } : {}),
    file: file.path,
  };
  if (options.conventions) problems.push(...ruleConventionProblems(rule, value, options.conventions));
  return rule;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Validates and loads a rule pack. Files are processed in path order so output is stable. */
export function loadPack(files: readonly SourceFile[], options: LoadOptions = {}): PackLoad {
  const problems: Problem[] = [];
  const sorted = [...files].sort((a, b) => a.relPath.localeCompare(b.relPath));
  const lists: Record<string, NamedList> = {};
  for (const f of sorted.filter((f) => isListFile(f.relPath))) {
    const list = loadList(f, problems);
    if (list) lists[list.name] = list;
  }
  const rules: RuleDefinition[] = [];
  const seen = new Map<string, string>();
  for (const f of sorted.filter((f) => !isListFile(f.relPath) && !f.relPath.startsWith('lists/'))) {
    const rule = loadRule(f, lists, problems, options);
    if (!rule) continue;
    const first = seen.get(rule.id);
    if (first) {
      problems.push({ file: f.path, field: 'id', message: `duplicate id "${rule.id}" (also in ${first})`, level: 'error' });
      continue;
    }
    seen.set(rule.id, f.path);
    rules.push(rule);
  }
  for (const f of sorted.filter((f) => f.relPath.startsWith('lists/') && !isListFile(f.relPath))) {
    problems.push({ file: f.path, field: '', message: 'rules/lists/ holds named lists only, directly (lists/NAME.json); move this file', level: 'error' });
  }
  const pack: RulePack = { rules, lists };
  // "No rule uses this list" is only meaningful when every rule loaded (a rule with an error is left out).
  if (options.conventions && !hasErrors(problems)) problems.push(...packConventionProblems(pack));
  return { pack, problems: once(problems), ok: !hasErrors(problems) };
}

/** Each problem once: a list's bad item is found by every rule that uses the list, and said once. */
function once(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.level}\0${p.file}\0${p.field}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
