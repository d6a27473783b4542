/**
 * Repo-wide conventions for the shipped rule pack (rules/), and every rule's own test cases.
 * The conventions are checked by the same checker as `rekwatch validate --strict`
 * (functions/core/rules/conventions.ts), so a rule that passes `validate --strict` and `rekwatch test`
 * passes this file; a rule that breaks one fails with `FILE: field: warning: convention: …`.
 */
import { join } from 'node:path';
import { conventionsFor, loadRulesDir } from '../../functions/adapters/rule-files';
import { formatProblem } from '../../functions/core/rules/problem';
import { Evaluator } from '../../functions/core/match/evaluator';
import { testEventInput } from '../../functions/core/testing/base-record';
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

describe('cross-account callers', () => {
  it('alert once per call: never both cross-account-caller and caller-outside-organization, on any of their cases', async () => {
    const pair = rules.filter((r) => r.id === 'cross-account-caller' || r.id === 'caller-outside-organization');
    expect(pair).toHaveLength(2);
    const evaluator = new Evaluator({ rules: pair, lists: load.pack.lists }, { copies: 'each' });
    for (const t of pair.flatMap((r) => r.tests)) {
      const ids = (await evaluator.evaluate(testEventInput(t.event))).alerts.map((a) => a.ruleId);
      expect({ case: t.name, alerts: ids.length <= 1 }).toEqual({ case: t.name, alerts: true });
    }
  });
});

describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  it('passes its own test cases', async () => {
    const results = await runRuleTests({ rules: [rule], lists: load.pack.lists });
    const failures = results.filter((r) => !r.pass).map((r) => `${r.caseName}\n${r.why.join('\n')}`);
    expect(failures).toEqual([]);
  });
});
