/** `rekwatch test`: runs every rule's own test cases through the production evaluator. */
import pc from 'picocolors';
import { runRuleTests } from '../core/testing/run-tests';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { writeLine, type CliIo } from './io';

export async function testCommand(opts: { rules: string; eventSource?: string[]; config?: string }, io: CliIo): Promise<number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; fix them first (rekwatch validate)`);
    return 1;
  }
  const results = await runRuleTests(load.pack, { eventSources: eventSourcesFor(opts.eventSource, load.config) });
  const byRule = new Map<string, typeof results>();
  for (const r of results) byRule.set(r.ruleId, [...(byRule.get(r.ruleId) ?? []), r]);
  for (const rule of load.pack.rules) {
    const cases = byRule.get(rule.id) ?? [];
    const failed = cases.filter((c) => !c.pass);
    if (failed.length === 0) {
      writeLine(io.stdout, `${pc.green('✓')} ${rule.id} (${cases.length} case${cases.length === 1 ? '' : 's'})`);
      continue;
    }
    for (const c of failed) {
      writeLine(io.stdout, `${pc.red('✗')} ${rule.id} › ${c.caseName}  [${rule.file}]`);
      for (const line of c.why) writeLine(io.stdout, `    ${line}`);
    }
  }
  const failed = results.filter((r) => !r.pass).length;
  writeLine(io.stdout, '');
  writeLine(io.stdout, `${results.length} cases in ${load.pack.rules.length} rules: ${results.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
