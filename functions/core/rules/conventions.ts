/**
 * The rule pack's conventions: what a rule needs beyond being valid to be reviewable and safe to
 * ship (references, a runbook page, test cases of both polarities, the eventSource pinned, ...).
 * One checker serves both `rekwatch validate` (warnings; errors under `--strict`) and the repo-wide
 * convention test (test/rules/pack.test.ts), so a rule that passes `validate --strict` and `test`
 * also passes `npm test`. Pure: whether a runbook page exists is asked through `hasRunbookPage`.
 */
import { isPlainObject } from '../common/json-value';
import { REKOGNITION_EVENT_SOURCE } from '../common/rekognition';
import type { RuleDefinition, RulePack } from '../common/types';
import type { Problem } from './problem';

export interface ConventionOptions {
  /** Whether the rule's runbook page (`docs/runbooks/<id>.md` beside the rules directory) exists. */
  hasRunbookPage(ruleId: string): boolean;
  /** Where runbook pages live, for messages (e.g. `docs/runbooks`). */
  runbookDir: string;
}

export const MIN_DESCRIPTION = 60;
export const MIN_CASES_PER_POLARITY = 2;
export const MAX_DEDUPE_WINDOW_MS = 86_400_000;

const EVENT_SOURCE_PIN = { fact: 'eventSource', operator: 'equal', value: REKOGNITION_EVENT_SOURCE };

function isPin(leaf: unknown): boolean {
  return (
    isPlainObject(leaf) &&
    Object.keys(leaf).length === 3 &&
    leaf.fact === EVENT_SOURCE_PIN.fact &&
    leaf.operator === EVENT_SOURCE_PIN.operator &&
    leaf.value === EVENT_SOURCE_PIN.value
  );
}

/** Convention problems of one valid rule; `raw` is its file's JSON (to see what was stated explicitly). */
export function ruleConventionProblems(rule: RuleDefinition, raw: Record<string, unknown>, options: ConventionOptions): Problem[] {
  const out: Problem[] = [];
  const warn = (field: string, message: string) => out.push({ file: rule.file, field, message: `convention: ${message}`, level: 'warning', code: 'convention' });
  if (typeof raw.name !== 'string') warn('name', 'state the name shown in alerts');
  if (rule.description.length < MIN_DESCRIPTION) {
    warn('description', `describe what happened, why it matters and common benign causes (at least ${MIN_DESCRIPTION} characters; this has ${rule.description.length})`);
  }
  if (typeof raw.severity !== 'string') warn('severity', 'state the severity explicitly (the default is medium)');
  if (!rule.tags.includes('rekognition')) warn('tags', 'include the tag "rekognition"');
  if (!rule.runbook || !rule.runbook.startsWith('https://')) warn('runbook', 'link the runbook with an https:// URL');
  if (rule.references.length === 0) warn('references', 'list at least one reference (the API operation, the threat it detects) so a reviewer can check the rule');
  const all = isPlainObject(rule.conditions) && Array.isArray((rule.conditions as { all?: unknown }).all) ? ((rule.conditions as { all: unknown[] }).all) : null;
  if (!all || !all.some(isPin)) {
    warn('conditions', `pin the service in the top-level "all": ${JSON.stringify(EVENT_SOURCE_PIN)}, so the rule stays right when more event sources are in scope`);
  }
  if (!options.hasRunbookPage(rule.id)) warn('runbook', `add the runbook page ${options.runbookDir}/${rule.id}.md (what to do when the rule fires)`);
  const positives = rule.tests.filter((t) => t.expect).length;
  const negatives = rule.tests.length - positives;
  // The loader already warns about a polarity with no case at all; this asks for the second one.
  if (positives > 0 && positives < MIN_CASES_PER_POLARITY) warn('tests', `give at least ${MIN_CASES_PER_POLARITY} cases expecting true (an alert); there is ${positives}`);
  if (negatives > 0 && negatives < MIN_CASES_PER_POLARITY) warn('tests', `give at least ${MIN_CASES_PER_POLARITY} cases expecting false (no alert); there is ${negatives}`);
  if (rule.threshold && rule.threshold.by.length === 0) warn('threshold.by', 'name at least one fact: a window without a key counts every principal\'s events together');
  if (rule.dedupe) {
    if (rule.severity === 'critical') warn('dedupe', 'a critical alert is always delivered: remove dedupe or lower the severity');
    if (rule.dedupe.by.length === 0) warn('dedupe.by', 'name at least one field: a window without a key hides every other principal\'s activity');
    if (rule.dedupe.windowMs > MAX_DEDUPE_WINDOW_MS) warn('dedupe.window', 'keep the window within a day (1d)');
  }
  return out;
}

/** Pack-wide convention problems: every shipped list is used by some rule. */
export function packConventionProblems(pack: RulePack): Problem[] {
  const text = pack.rules.map((r) => JSON.stringify(r.conditions)).join('\n');
  return Object.values(pack.lists)
    .filter((l) => !text.includes(JSON.stringify(`$.${l.name}`)) && !text.includes(JSON.stringify(`$['${l.name}']`)))
    .map((l) => ({ file: l.file, field: '', message: `convention: no rule references list "${l.name}"; remove it or use it`, level: 'warning' as const, code: 'convention' }));
}
