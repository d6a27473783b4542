/**
 * Repo-wide conventions for the shipped rule pack (rules/), and every rule's own test cases.
 * A rule that breaks a convention fails CI with a message naming the rule and the convention.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { formatProblem } from '../../functions/core/rules/problem';
import { Evaluator } from '../../functions/core/evaluator';
import { testEventInput } from '../../functions/core/testing/base-record';
import { runRuleTests } from '../../functions/core/testing/run-tests';

const ROOT = join(__dirname, '..', '..');
const load = loadRulesDir(join(ROOT, 'rules'), ROOT);
const rules = load.pack.rules;

describe('the shipped rule pack', () => {
  it('validates with no errors and no warnings', () => {
    expect(load.problems.map(formatProblem)).toEqual([]);
  });

  it('has at least 12 enabled rules', () => {
    expect(rules.filter((r) => r.enabled).length).toBeGreaterThanOrEqual(12);
  });

  it('references every named list it ships, and every reference resolves', () => {
    const text = rules.map((r) => JSON.stringify(r.conditions)).join('\n');
    for (const name of Object.keys(load.pack.lists)) expect({ list: name, used: text.includes(`"$.${name}"`) }).toEqual({ list: name, used: true });
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

describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  const raw = JSON.parse(readFileSync(join(ROOT, rule.file), 'utf8')) as Record<string, unknown>;

  it('dedupes only below critical, by at least one field, within a day', () => {
    if (!rule.dedupe) return;
    // A critical alert is always delivered; and a window without a key would hide other principals' activity.
    expect({ rule: id, severity: rule.severity }).not.toEqual({ rule: id, severity: 'critical' });
    expect(rule.dedupe.by.length).toBeGreaterThan(0);
    expect(rule.dedupe.windowMs).toBeLessThanOrEqual(86_400_000);
  });

  it('states name, description, severity, tags, runbook and references explicitly', () => {
    expect(typeof raw.name).toBe('string');
    expect(rule.description.length).toBeGreaterThanOrEqual(60);
    expect(typeof raw.severity).toBe('string');
    expect(rule.tags).toContain('rekognition');
    expect(rule.runbook).toMatch(/^https:\/\//);
    expect(rule.references.length).toBeGreaterThan(0);
  });

  it('pins eventSource to Rekognition, so it stays right when more services are in scope', () => {
    expect(rule.conditions).toHaveProperty('all');
    expect((rule.conditions as { all: unknown[] }).all).toContainEqual({ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' });
  });

  it('has a runbook page in docs/runbooks', () => {
    expect(existsSync(join(ROOT, 'docs', 'runbooks', `${id}.md`))).toBe(true);
  });

  it('has at least two test cases of each polarity', () => {
    expect(rule.tests.filter((t) => t.expect).length).toBeGreaterThanOrEqual(2);
    expect(rule.tests.filter((t) => !t.expect).length).toBeGreaterThanOrEqual(2);
  });

  it('passes its own test cases', async () => {
    const results = await runRuleTests({ rules: [rule], lists: load.pack.lists });
    const failures = results.filter((r) => !r.pass).map((r) => `${r.caseName}\n${r.why.join('\n')}`);
    expect(failures).toEqual([]);
  });
});
