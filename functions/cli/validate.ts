/** `rekwatch validate`: schema and meaning checks of every rule and list file. */
import { loadRulesForCommand } from './load-rules';
import { writeLine, type CliIo } from './io';

export function validateCommand(opts: { rules: string; config?: string }, io: CliIo): number {
  const load = loadRulesForCommand(opts.rules, io, io.stdout, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  const errors = load.problems.filter((p) => p.level === 'error').length;
  const warnings = load.problems.length - errors;
  const counts = `${load.pack.rules.length} rules, ${Object.keys(load.pack.lists).length} lists`;
  if (errors > 0) {
    writeLine(io.stdout, `${opts.rules}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    return 1;
  }
  writeLine(io.stdout, `${opts.rules}: ok (${counts}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})`);
  return 0;
}
