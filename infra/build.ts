/**
 * Builds the rekwatch CDK app from context: validates the config and the rules directory (an invalid
 * rule fails synth with the same messages as `rekwatch validate`), compiles the EventBridge patterns,
 * creates the stack and registers cdk-nag's AwsSolutions checks.
 */
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readRuleFiles, RulesDirError } from '../functions/adapters/rule-files';
import { loadPack, type SourceFile } from '../functions/core/rules/pack';
import { didYouMean } from '../functions/core/rules/did-you-mean';
import { compileEventPatterns } from '../functions/core/event-pattern';
import { formatProblem } from '../functions/core/rules/problem';
import { ConfigError, loadConfig, type DeployConfig } from './config';
import { acknowledgeFindings } from './nag';
import { RekwatchStack } from './stack';

export class InvalidRulesError extends Error {}

export interface BuildOptions {
  /** Register cdk-nag as a validation plugin (synth fails on unacknowledged findings). Default true. */
  nag?: boolean;
  /** Working directory for relative paths. */
  cwd?: string;
}

/**
 * Replaces named lists with the deployment's values before validation, so an override is checked
 * exactly like the file it replaces (e.g. CIDRs for a list used with ipNotInCidr).
 */
function applyListOverrides(files: SourceFile[], config: DeployConfig): SourceFile[] {
  const out = [...files];
  for (const [name, items] of Object.entries(config.listOverrides)) {
    const i = out.findIndex((f) => f.relPath === `lists/${name}.json`);
    if (i === -1) {
      const known = files.filter((f) => f.relPath.startsWith('lists/')).map((f) => f.relPath.slice(6, -5));
      throw new ConfigError(`lists: no list "${name}" in ${config.rulesDir}/lists${didYouMean(name, known)}`);
    }
    const file = out[i] as SourceFile;
    out[i] = { ...file, path: `${file.path} (overridden by the deployment config)`, text: JSON.stringify({ description: `Deployment override of ${name}`, items }) };
  }
  return out;
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
  const load = loadPack(applyListOverrides(files, config));
  if (!load.ok) {
    throw new InvalidRulesError(
      `rules in ${config.rulesDir} are invalid; nothing was synthesized:\n${load.problems.filter((p) => p.level === 'error').map(formatProblem).join('\n')}`,
    );
  }
  const patterns = compileEventPatterns(load.pack, { eventSources: config.eventSources });
  const stack = new RekwatchStack(app, app.node.tryGetContext('stackName') ?? 'Rekwatch', {
    config,
    pack: load.pack,
    patterns,
    description: 'rekwatch: real-time alerts on Amazon Rekognition API activity',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  acknowledgeFindings(stack);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
