/**
 * Builds the rekwatch CDK app from context: validates the config and the rules directory (an invalid
 * rule fails synth with the same messages as `rekwatch validate`), compiles the EventBridge patterns,
 * creates the stack (plus, with `regions`/`organizationId`/`spokeAccounts`, the hub bus, spoke
 * stacks and the spoke StackSet of infra/org/) and registers cdk-nag's AwsSolutions checks.
 */
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { applyListOverrides, ConfigFileError } from '../functions/adapters/deploy-config-file';
import { readRuleFiles, RulesDirError } from '../functions/adapters/rule-files';
import { loadPack, type SourceFile } from '../functions/core/rules/pack';
import { compileEventPatterns } from '../functions/core/eventbridge/event-pattern';
import { heartbeatPatternRule } from '../functions/core/heartbeat/heartbeat';
import { formatProblem } from '../functions/core/rules/problem';
import { withAccountNames } from '../functions/core/rules/runtime-pack';
import { ConfigError, loadConfig } from './config';
import { acknowledgeFindings } from './nag';
import { addCoverage } from './org/coverage';
import { addHeartbeat } from './org/heartbeat';
import { planCoverage } from './org/plan';
import { RekwatchStack } from './stack';

export class InvalidRulesError extends Error {}

export interface BuildOptions {
  /** Register cdk-nag as a validation plugin (synth fails on unacknowledged findings). Default true. */
  nag?: boolean;
  /** Working directory for relative paths. */
  cwd?: string;
}

export function buildApp(app: App, options: BuildOptions = {}): RekwatchStack {
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const rulesDir = resolve(options.cwd ?? process.cwd(), config.rulesDir);
  let files: SourceFile[];
  try {
    files = readRuleFiles(rulesDir, options.cwd ?? process.cwd());
  } catch (e) {
    if (e instanceof RulesDirError) throw new ConfigError(`context rulesDir: ${e.message}`);
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
  const patterns = compileEventPatterns(compiledPack, { eventSources: config.eventSources });
  const stackName: string = app.node.tryGetContext('stackName') ?? 'Rekwatch';
  const defaults = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  // Hub and spokes (infra/org/) only when asked for; otherwise the single-region stack as always.
  const plan = planCoverage(config.coverage, defaults, stackName);
  const stack = new RekwatchStack(app, stackName, {
    config,
    // Account names travel in the bundled pack (Lambda's 4 KB environment would hold ~80 of them).
    pack: withAccountNames(load.pack, config.accountNames),
    patterns,
    description: 'rekwatch: real-time alerts on Amazon Rekognition API activity',
    env: plan
      ? { account: plan.homeAccount, region: plan.homeRegion }
      : { account: config.coverage.account ?? defaults.account, region: config.coverage.region ?? defaults.region },
  });
  if (plan) addCoverage(app, stack, config, plan, patterns, { nag: options.nag ?? true });
  if (config.heartbeat) addHeartbeat(stack, config.heartbeat, plan, stackName);
  acknowledgeFindings(stack);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
