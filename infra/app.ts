#!/usr/bin/env node
/** CDK entry point (cdk.json runs it with tsx): `npx cdk synth`, `npx cdk deploy -c alertEmail=me@example.com`. */
import { App } from 'aws-cdk-lib';
import { buildApp } from './build';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const app = new App();
try {
  buildApp(app);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
app.synth();
