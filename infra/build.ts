/**
 * Builds the rekwatch CDK app from context: validates the config and the rules directory (an invalid
 * rule fails synth with the same messages as `rekwatch validate`), compiles the EventBridge patterns,
 * creates the stack and registers cdk-nag's AwsSolutions checks.
 */
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRulesDir } from '../functions/adapters/rule-files';
import { compileEventPatterns } from '../functions/core/event-pattern';
import { formatProblem } from '../functions/core/rules/problem';
import { loadConfig } from './config';
import { acknowledgeFindings } from './nag';
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
  const load = loadRulesDir(rulesDir, options.cwd ?? process.cwd());
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
