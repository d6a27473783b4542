/** `rekwatch validate`: schema and meaning checks of every rule and list file. */
import { loadRulesForCommand } from './load-rules';
import { plural, writeLine, type CliIo } from './io';

export function validateCommand(opts: { rules: string; config?: string }, io: CliIo): number {
  const load = loadRulesForCommand(opts.rules, io, io.stdout, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  const errors = load.problems.filter((p) => p.level === 'error').length;
  const warnings = load.problems.length - errors;
  const counts = `${plural(load.pack.rules.length, 'rule')}, ${plural(Object.keys(load.pack.lists).length, 'list')}`;
  if (errors > 0) {
    writeLine(io.stdout, `${opts.rules}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
    return 1;
  }
  writeLine(io.stdout, `${opts.rules}: ok (${counts}${warnings ? `, ${plural(warnings, 'warning')}` : ''})`);
  return 0;
}
