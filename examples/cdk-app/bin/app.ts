#!/usr/bin/env node
/**
 * An example CDK app of your own (a security baseline, say) that adds rekwatch: alerts on Amazon
 * Rekognition API calls, from the rule files in security/rekognition-rules (written by `npx rekwatch
 * init security/rekognition-rules`, then yours to edit). cdk-nag's AwsSolutions checks run on
 * synth; rekwatch acknowledges the few findings it accepts, each with its reason.
 */
import { App, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { RekwatchAlerting } from 'rekwatch/cdk';

class SecurityBaselineStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // ... the app's other security resources ...
    new RekwatchAlerting(this, 'Rekognition', {
      rulesDir: 'security/rekognition-rules',
      alertEmails: ['secops@example.com', 'oncall@example.com:critical|high'],
      // The organization trail already logs management events in every account and region.
      createTrail: false,
      lists: { 'trusted-networks': ['10.0.0.0/8', '203.0.113.0/24'] },
    });
  }
}

const app = new App();
new SecurityBaselineStack(app, 'SecurityBaseline', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
