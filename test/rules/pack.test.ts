/**
 * Repo-wide conventions for the shipped rule pack (rules/), and every rule's own test cases.
 * The conventions are checked by the same checker as `rekwatch validate --strict`
 * (functions/core/rules/conventions.ts), so a rule that passes `validate --strict` and `rekwatch test`
 * passes this file; a rule that breaks one fails with `FILE: field: warning: convention: …`.
 */
import { join } from 'node:path';
import { conventionsFor, loadRulesDir } from '../../functions/adapters/rule-files';
import { formatProblem } from '../../functions/core/rules/problem';
import { runRuleTests } from '../../functions/core/testing/run-tests';

const ROOT = join(__dirname, '..', '..');
const RULES = join(ROOT, 'rules');
const load = loadRulesDir(RULES, ROOT, { conventions: conventionsFor(RULES, ROOT) });
const rules = load.pack.rules;

describe('the shipped rule pack', () => {
  it('validates with no errors and no warnings, its conventions included (as validate --strict)', () => {
    expect(load.problems.map(formatProblem)).toEqual([]);
  });

  it('has at least 12 enabled rules', () => {
    expect(rules.filter((r) => r.enabled).length).toBeGreaterThanOrEqual(12);
  });
});

describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  it('passes its own test cases', async () => {
    const results = await runRuleTests({ rules: [rule], lists: load.pack.lists });
    const failures = results.filter((r) => !r.pass).map((r) => `${r.caseName}\n${r.why.join('\n')}`);
    expect(failures).toEqual([]);
  });
});
