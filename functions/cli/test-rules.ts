/** `rekwatch test`: runs every rule's own test cases through the production evaluator. */
import { runRuleTests } from '../core/testing/run-tests';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { didYouMean } from '../core/common/did-you-mean';
import { colorsFor, plural, writeLine, type CliIo } from './io';

export async function testCommand(opts: { rules: string; eventSource?: string[]; config?: string; rule?: string[] }, io: CliIo): Promise<number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; fix them first (rekwatch validate)`);
    return 1;
  }
  const pc = colorsFor(io, 'stdout');
  let pack = load.pack;
  if (opts.rule?.length) {
    const ids = pack.rules.map((r) => r.id);
    const unknown = opts.rule.filter((id) => !ids.includes(id));
    if (unknown.length > 0) {
      for (const id of unknown) writeLine(io.stderr, `rekwatch test: --rule ${id}: no such rule in ${opts.rules}${didYouMean(id, ids)}`);
      return 2;
    }
    pack = { ...pack, rules: pack.rules.filter((r) => opts.rule!.includes(r.id)) };
  }
  const results = await runRuleTests(pack, { eventSources: eventSourcesFor(opts.eventSource, load.config) });
  const byRule = new Map<string, typeof results>();
  for (const r of results) byRule.set(r.ruleId, [...(byRule.get(r.ruleId) ?? []), r]);
  for (const rule of pack.rules) {
    const cases = byRule.get(rule.id) ?? [];
    const failed = cases.filter((c) => !c.pass);
    if (failed.length === 0) {
      writeLine(io.stdout, `${pc.green('✓')} ${rule.id} (${plural(cases.length, 'case')})`);
      continue;
    }
    for (const c of failed) {
      writeLine(io.stdout, `${pc.red('✗')} ${rule.id} › ${c.caseName}  [${rule.file}]`);
      for (const line of c.why) writeLine(io.stdout, `    ${line}`);
    }
  }
  const failed = results.filter((r) => !r.pass).length;
  writeLine(io.stdout, '');
  writeLine(io.stdout, `${plural(results.length, 'case')} in ${plural(pack.rules.length, 'rule')}: ${results.length - failed} passed, ${failed ? pc.red(`${failed} failed`) : '0 failed'}`);
  return failed > 0 ? 1 : 0;
}
