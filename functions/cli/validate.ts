/**
 * `rekwatch validate`: schema and meaning checks of every rule and list file, plus the pack's
 * conventions (core/rules/conventions.ts) as warnings; `--strict` makes warnings fail too, which is
 * what the repository's own convention test (test/rules/pack.test.ts) asks of the shipped pack.
 * With `--config FILE`, the file's list overrides and event sources (as every command applies them)
 * and its deployment-only settings, checked as `cdk synth` checks them (adapters/deploy-config.ts).
 */
import { resolve } from 'node:path';
import { deployConfigProblem } from '../adapters/deploy-config';
import { terminalSafe } from '../core/common/text';
import { loadRulesForCommand } from './load-rules';
import { colorsFor, plural, writeLine, type CliIo } from './io';

export function validateCommand(opts: { rules: string; config?: string; strict?: boolean }, io: CliIo): number {
  const load = loadRulesForCommand(opts.rules, io, io.stdout, opts.config, { conventions: true });
  if (!load) return 2; // no rules directory: a usage error
  // The settings only a deployment reads (the heartbeat, the organization, Slack ...), checked as
  // `cdk synth` checks them, so a config that would not deploy fails here first.
  const deploy = opts.config === undefined ? undefined : deployConfigProblem(resolve(io.cwd, opts.config));
  if (deploy !== undefined) writeLine(io.stdout, `${opts.config}: ${terminalSafe(deploy)} (cdk synth refuses it)`);
  const ruleErrors = load.problems.filter((p) => p.level === 'error').length;
  const warnings = load.problems.length - ruleErrors;
  const errors = ruleErrors + (deploy === undefined ? 0 : 1);
  const counts = `${plural(load.pack.rules.length, 'rule')}, ${plural(Object.keys(load.pack.lists).length, 'list')}`;
  const pc = colorsFor(io, 'stdout');
  if (errors > 0 || (opts.strict && warnings > 0)) {
    writeLine(io.stdout, `${opts.rules}: ${pc.red(plural(errors, 'error'))}, ${plural(warnings, 'warning')}${opts.strict && warnings > 0 ? ' (--strict: warnings fail)' : ''}`);
    return 1;
  }
  writeLine(io.stdout, `${opts.rules}: ${pc.green('ok')} (${counts}${warnings ? `, ${pc.yellow(plural(warnings, 'warning'))}` : ''})`);
  return 0;
}
