/**
 * The diff report's bounds: examples per rule, and a Markdown comment that stays under its size
 * limit by leaving examples out (saying so), never the per-rule table. Alerts come from the real
 * evaluator over real-shaped records.
 */
import { Evaluator } from '../../functions/core/match/evaluator';
import { AlertDiff } from '../../functions/core/report/alert-diff';
import { renderDiffMarkdown, renderDiffText, type DiffReportInput } from '../../functions/core/report/alert-diff-report';
import { ReplayStats } from '../../functions/core/report/replay-stats';
import type { RuleDefinition, RulePack } from '../../functions/core/common/types';
import { record } from '../helpers/records';

const ruleFor = (i: number): RuleDefinition => ({
  id: `rule-${i}`, name: `rule ${i}`, description: '', severity: 'medium', enabled: true, tags: [], references: [], tests: [], file: `rule-${i}.json`,
  conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] },
});

async function input(rules: number, records: number, examples: number): Promise<DiffReportInput> {
  const base: RulePack = { rules: [], lists: {} };
  const head: RulePack = { rules: Array.from({ length: rules }, (_, i) => ruleFor(i)), lists: {} };
  const evaluator = new Evaluator(head);
  const diff = new AlertDiff();
  const stats = new ReplayStats();
  for (let i = 0; i < records; i++) {
    const e = await evaluator.evaluate(record({ eventName: 'DeleteCollection', eventID: `event-${i}` }));
    stats.records++;
    stats.evaluated++;
    diff.record([], e.alerts);
  }
  stats.files = 1;
  return { result: diff.result(base, head), base: 'HEAD:rules', head: 'rules', stats, ruleErrors: { base: 0, head: 0 }, examples };
}

it('shows at most the given number of examples per rule, then how many more', async () => {
  const text = renderDiffText(await input(2, 7, 3));
  expect(text.filter((l) => l.startsWith('  + 2026'))).toHaveLength(6);
  expect(text.filter((l) => l === '  + ... and 4 more (--json lists every one)')).toHaveLength(2);
  expect(text[0]).toBe('Alerts of rules compared with HEAD:rules: 14 alerts appeared, 0 vanished (0 → 14)');
});

it('keeps the Markdown under its limit by leaving examples out, and says how many rules lost theirs', async () => {
  const data = await input(30, 5, 5);
  const whole = renderDiffMarkdown(data);
  expect(whole.match(/<details>/g)).toHaveLength(30);
  const cut = renderDiffMarkdown(data, 12_000);
  expect(cut.length).toBeLessThanOrEqual(12_000);
  const shown = cut.match(/<details>/g)?.length ?? 0;
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(30);
  expect(cut).toContain(`Examples of ${30 - shown} more rules left out to stay within a comment's size`);
  for (let i = 0; i < 30; i++) expect(cut).toContain(`| \`rule-${i}\` | medium | added | 0 | 5 | +5 | 5 | 0 |`);
  expect(whole.startsWith(cut.slice(0, cut.indexOf('\nExamples of')))).toBe(true);
});
