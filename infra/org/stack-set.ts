/**
 * The spoke in every member account of the targeted OUs and every covered region: a service-managed
 * CloudFormation StackSet with automatic deployment (accounts that join the OUs get the spoke, those
 * that leave lose it), created by the hub stack, so a rule change updates the StackSet's template,
 * and with it every member spoke, in the same deploy as the hub.
 *
 * The template is the spoke construct synthesized on its own (`renderSpokeTemplate`): no assets, no
 * bootstrap version check (member accounts are not CDK-bootstrapped), the hub bus ARN as a
 * parameter. It goes in `TemplateBody`, which CloudFormation caps at 51,200 bytes; over that the
 * synth fails with the size rather than deploying a truncated spoke.
 *
 * Not reached: the organization's management account (service-managed StackSets never deploy there;
 * list it in `spokeAccounts`), and the hub account (excluded here with AccountFilterType DIFFERENCE:
 * its home region is the hub's, its other regions have spoke stacks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import type * as events from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { ConfigError } from '../../functions/adapters/deploy-config';
import type { OrganizationPlan } from './plan';
import { SpokeForwarding, type SpokeForwardingProps } from './spoke';

/** CloudFormation's limit on a StackSet's TemplateBody, in bytes. */
export const TEMPLATE_BODY_LIMIT = 51_200;
/** The StackSet template's parameter that receives the hub bus ARN. */
export const HUB_BUS_PARAMETER = 'HubEventBusArn';

export interface RenderOptions {
  /** Feature flags to synthesize with (the app's `@aws-cdk/...` context). @default none */
  readonly featureFlags?: Readonly<Record<string, unknown>>;
  /** Run cdk-nag's AwsSolutions checks on the template (synth fails on a finding). @default true */
  readonly nag?: boolean;
}

/** The StackSet's spoke template, as JSON text; the hub bus ARN comes from the `HubEventBusArn` parameter. */
export function renderSpokeTemplate(spoke: Omit<SpokeForwardingProps, 'hubEventBusArn'>, options: RenderOptions = {}): string {
  const outdir = mkdtempSync(join(tmpdir(), 'rekwatch-spoke-template-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      treeMetadata: false,
      context: { ...(options.featureFlags ?? {}) },
      // Over the CLI's context too: no aws:cdk:path metadata in a template every member account gets.
      postCliContext: { 'aws:cdk:enable-path-metadata': false },
    });
    const stack = new Stack(app, 'RekwatchSpoke', {
      synthesizer: new BootstraplessSynthesizer(),
      description: 'rekwatch spoke: forwards matching Rekognition CloudTrail events to the rekwatch hub bus',
    });
    const hubBus = new CfnParameter(stack, HUB_BUS_PARAMETER, {
      type: 'String',
      description: 'ARN of the rekwatch hub event bus (set by the hub stack)',
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$',
    });
    new SpokeForwarding(stack, 'Spoke', { ...spoke, hubEventBusArn: hubBus.valueAsString });
    if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface SpokeStackSetProps {
  /** The organization, its OUs and how to call StackSets. */
  readonly organization: OrganizationPlan;
  /** Every covered region (the home region included: member accounts have no hub there). */
  readonly regions: readonly string[];
  /** The spoke template (`renderSpokeTemplate`). */
  readonly templateBody: string;
  /** The hub bus, passed to every instance as `HubEventBusArn`. */
  readonly hubBus: events.IEventBus;
  /** The template names IAM resources (the heartbeat role): CAPABILITY_NAMED_IAM. @default false */
  readonly namedIam?: boolean;
  /** Percentage of accounts per region that may fail before StackSets stops the operation. @default 25 */
  readonly failureTolerancePercentage?: number;
}

export class SpokeStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: SpokeStackSetProps) {
    super(scope, id);
    const bytes = Buffer.byteLength(props.templateBody, 'utf8');
    if (bytes > TEMPLATE_BODY_LIMIT) {
      throw new ConfigError(
        `organizationalUnitIds: the spoke template is ${bytes} bytes, over the ${TEMPLATE_BODY_LIMIT} bytes a StackSet's TemplateBody may hold (too many compiled EventBridge rules?)`,
      );
    }
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: props.organization.stackSetName,
      description: 'rekwatch spokes: forward matching Rekognition CloudTrail events from every member account and covered region to the hub bus',
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.organization.callAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: [props.namedIam ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        // Strict mode would lower concurrency to the failure tolerance + 1; one slow or broken
        // account should not serialize the organization.
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        maxConcurrentPercentage: 100,
        failureTolerancePercentage: props.failureTolerancePercentage ?? 25,
      },
      parameters: [{ parameterKey: HUB_BUS_PARAMETER, parameterValue: props.hubBus.eventBusArn }],
      stackInstancesGroup: [
        {
          deploymentTargets: {
            organizationalUnitIds: [...props.organization.organizationalUnitIds],
            // The hub account is covered by the hub and its own spoke stacks.
            accountFilterType: 'DIFFERENCE',
            accounts: [Stack.of(this).account],
          },
          regions: [...props.regions],
        },
      ],
      templateBody: props.templateBody,
    });
  }
}
