/**
 * Builds the rekwatch CDK app from context: validates the config and the rules directory (an invalid
 * rule fails synth with the same messages as `rekwatch validate`), compiles the EventBridge patterns,
 * creates the stack (plus, with `regions`/`organizationId`/`spokeAccounts`, the hub bus, spoke
 * stacks and the spoke StackSet of infra/org/) and registers cdk-nag's AwsSolutions checks.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../functions/adapters/deploy-config';
import { InvalidRulesError, loadDeployRules } from './lib/rules';
import { addCoverage } from './org/coverage';
import { addHeartbeat } from './org/heartbeat';
import { planCoverage } from './org/plan';
import { RekwatchStack } from './stack';

export { InvalidRulesError };

export interface BuildOptions {
  /** Register cdk-nag as a validation plugin (synth fails on unacknowledged findings). Default true. */
  nag?: boolean;
  /** Working directory for relative paths. */
  cwd?: string;
}

export function buildApp(app: App, options: BuildOptions = {}): RekwatchStack {
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const { pack, patterns } = loadDeployRules(config, options.cwd ?? process.cwd());
  const stackName: string = app.node.tryGetContext('stackName') ?? 'Rekwatch';
  const defaults = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  // Hub and spokes (infra/org/) only when asked for; otherwise the single-region stack as always.
  const plan = planCoverage(config.coverage, defaults, stackName);
  const stack = new RekwatchStack(app, stackName, {
    config,
    // Account names travel in the bundled pack (Lambda's 4 KB environment would hold ~80 of them).
    pack,
    patterns,
    description: 'rekwatch: real-time alerts on Amazon Rekognition API activity',
    env: plan
      ? { account: plan.homeAccount, region: plan.homeRegion }
      : { account: config.coverage.account ?? defaults.account, region: config.coverage.region ?? defaults.region },
  });
  if (plan) addCoverage(app, stack, config, plan, patterns, { nag: options.nag ?? true });
  if (config.heartbeat) addHeartbeat(stack, config.heartbeat, plan, stackName);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
