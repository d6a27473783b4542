/** Builds the rekwatch app for infra tests, from context, as `cdk synth` would. */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build';
import type { RekwatchStack } from '../../infra/stack';

export const ROOT = join(__dirname, '..', '..');

export interface Built {
  app: App;
  stack: RekwatchStack;
  template: Template;
}

/** `bundle: false` skips esbuild (a placeholder asset) for tests that do not look at the code. */
export function build(context: Record<string, unknown> = {}, options: { bundle?: boolean; nag?: boolean } = {}): Built {
  const app = new App({
    context: {
      rulesDir: 'rules',
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...context,
    },
  });
  const stack = buildApp(app, { cwd: ROOT, nag: options.nag ?? false });
  return { app, stack, template: Template.fromStack(stack) };
}
