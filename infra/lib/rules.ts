/**
 * The rule pack a deployment bundles, read and checked at synth time: the rule files of the
 * config's `rulesDir` (relative to `cwd`), the config's list overrides applied, validated as
 * `rekwatch validate` does (an invalid rule throws `InvalidRulesError` with the same `FILE: field:
 * message` lines, so nothing is synthesized), the account names added, and the EventBridge
 * patterns compiled (with the heartbeat's TagResource when the heartbeat is on).
 */
import { resolve } from 'node:path';
import { applyListOverrides, ConfigFileError } from '../../functions/adapters/deploy-config-file';
import { readRuleFiles, RulesDirError } from '../../functions/adapters/rule-files';
import { compileEventPatterns, type CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import { heartbeatPatternRule } from '../../functions/core/heartbeat/heartbeat';
import type { RulePack } from '../../functions/core/common/types';
import { loadPack, type SourceFile } from '../../functions/core/rules/pack';
import { formatProblem } from '../../functions/core/rules/problem';
import { withAccountNames } from '../../functions/core/rules/runtime-pack';
import { ConfigError, type DeployConfig } from '../../functions/adapters/deploy-config';

export class InvalidRulesError extends Error {}

export interface DeployRules {
  /** The validated pack, account names included (they travel in the bundle, not the environment). */
  readonly pack: RulePack;
  /** The EventBridge rules compiled from its enabled rules. */
  readonly patterns: CompiledPatterns;
}

export function loadDeployRules(config: DeployConfig, cwd: string = process.cwd(), label = 'context rulesDir'): DeployRules {
  let files: SourceFile[];
  try {
    files = readRuleFiles(resolve(cwd, config.rulesDir), cwd);
  } catch (e) {
    if (e instanceof RulesDirError) throw new ConfigError(`${label}: ${e.message}`);
    throw e;
  }
  let overridden: SourceFile[];
  try {
    overridden = applyListOverrides(files, config.listOverrides, config.rulesDir, (name) => config.listOrigins[name] ?? { file: 'config', field: `lists.${name}` });
  } catch (e) {
    throw e instanceof ConfigFileError ? new ConfigError(e.message) : e;
  }
  const load = loadPack(overridden);
  if (!load.ok) {
    throw new InvalidRulesError(
      `rules in ${config.rulesDir} are invalid; nothing was synthesized:\n${load.problems.filter((p) => p.level === 'error').map(formatProblem).join('\n')}`,
    );
  }
  // With the heartbeat on, the patterns (compiled once: the hub and every spoke run the same) also
  // let its TagResource through; the evaluate function's pack is unchanged.
  const compiledPack = config.heartbeat ? { ...load.pack, rules: [...load.pack.rules, heartbeatPatternRule()] } : load.pack;
  return {
    pack: withAccountNames(load.pack, config.accountNames),
    patterns: compileEventPatterns(compiledPack, { eventSources: config.eventSources }),
  };
}
