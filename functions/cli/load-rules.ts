/**
 * Loads and validates a rules directory for a command, printing problems the same way everywhere.
 * With `--config FILE` (the deployment config), its named-list overrides apply first, so validation,
 * tests and backtests see exactly the lists that would be deployed, and its account names are put
 * on the pack, for alerts to show as deployed alerts do. The files are read from the directory, or
 * given (`diff --base` reads them from git).
 */
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { applyListOverrides, ConfigFileError, readDeployConfigFile, type DeployConfigFile } from '../adapters/deploy-config-file';
import { conventionsFor, readRuleFiles, RulesDirError } from '../adapters/rule-files';
import { loadPack, type PackLoad, type SourceFile } from '../core/rules/pack';
import { withAccountNames } from '../core/rules/runtime-pack';
import { formatProblem } from '../core/rules/problem';
import { colorsFor, writeLine, type CliIo } from './io';

export interface LoadedRules extends PackLoad {
  config: DeployConfigFile;
}

export interface LoadRulesOptions {
  /** Check the pack conventions too (validate). */
  conventions?: boolean;
  /** The rule files, already read (e.g. from git: `diff --base`), instead of reading `dir`, which then only names them. */
  files?: readonly SourceFile[];
}

export function loadRulesForCommand(dir: string, io: CliIo, out: Writable = io.stderr, configPath?: string, opts: LoadRulesOptions = {}): LoadedRules | null {
  let load: PackLoad;
  let config: DeployConfigFile = {};
  try {
    if (configPath) config = readDeployConfigFile(resolve(io.cwd, configPath));
    const rulesDir = resolve(io.cwd, dir);
    const files = opts.files ?? readRuleFiles(rulesDir, io.cwd);
    const configLabel = configPath ?? '';
    load = loadPack(applyListOverrides(files, config.lists ?? {}, dir.replace(/\/+$/, ''), (name) => ({ file: configLabel, field: `lists.${name}` })), {
      eventSources: config.eventSources,
      listsDir: `${join(dir, 'lists')}/`,
      conventions: opts.conventions ? conventionsFor(rulesDir, io.cwd) : undefined,
    });
  } catch (e) {
    if (e instanceof RulesDirError || e instanceof ConfigFileError) {
      writeLine(out, e.message);
      return null;
    }
    throw e;
  }
  // Colour only when the stream problems go to is a terminal.
  const pc = colorsFor(io, out === io.stdout ? 'stdout' : 'stderr');
  for (const p of load.problems) {
    const line = formatProblem(p);
    writeLine(out, p.level === 'warning' ? line.replace(': warning: ', `: ${pc.yellow('warning')}: `) : pc.red(line));
  }
  return { ...load, pack: withAccountNames(load.pack, config.accountNames), config };
}

/** `--event-source` values, else the config file's, else undefined (the default scope). */
export function eventSourcesFor(cli: string[] | undefined, config: DeployConfigFile): string[] | undefined {
  if (cli?.length) return cli;
  return config.eventSources;
}
