/**
 * Hub and spoke, wired into the app (called by infra/build.ts when `planCoverage` returns a plan):
 * the hub bus and its rules in the one-region stack, a spoke stack for every other covered region
 * of the hub account and every region of each `spokeAccounts` account, and the spoke StackSet for
 * the organization's OUs. One compiled pattern everywhere: every piece gets the same
 * `CompiledPatterns` object and its hash.
 */
import { Annotations, type App, CfnOutput } from 'aws-cdk-lib';
import type { CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import type { DeployConfig } from '../../functions/adapters/deploy-config';
import type { RekwatchStack } from '../stack';
import { Hub } from './hub';
import { forwardingCost, patternHash, spokeCostNote } from './pattern';
import type { CoveragePlan } from './plan';
import { eventBusArn, SpokeStack } from './spoke';
import { renderSpokeTemplate, SpokeStackSet } from './stack-set';

export interface Coverage {
  readonly hub: Hub;
  readonly spokes: readonly SpokeStack[];
  readonly stackSet?: SpokeStackSet;
}

export interface CoverageOptions {
  /** Run cdk-nag on the StackSet's template as it is rendered. @default true */
  readonly nag?: boolean;
}

export function addCoverage(app: App, stack: RekwatchStack, config: DeployConfig, plan: CoveragePlan, patterns: CompiledPatterns, options: CoverageOptions = {}): Coverage {
  const hash = patternHash(patterns);
  const hub = new Hub(stack, 'Hub', { plan, patterns, patternHash: hash });
  const spoke = { patterns, namePrefix: plan.namePrefix, patternHash: hash, ...(config.heartbeat ? { heartbeat: true } : {}) };

  const spokes: SpokeStack[] = [];
  const addSpoke = (account: string | undefined, region: string) => {
    const id = account === undefined || account === plan.homeAccount ? `${stack.stackName}-Spoke-${region}` : `${stack.stackName}-Spoke-${account}-${region}`;
    const where = `${region}${account && account !== plan.homeAccount ? ` of ${account}` : ''}`;
    const spokeStack = new SpokeStack(app, id, {
      env: { account, region },
      description: `rekwatch spoke: forwards matching Rekognition CloudTrail events in ${where} to the hub bus in ${plan.homeRegion}`,
      spoke: { ...spoke, hubEventBusArn: eventBusArn(plan.homeRegion, plan.homeAccount, plan.busName) },
      costNote: spokeCostNote(patterns, where, plan.homeRegion, region !== plan.homeRegion),
    });
    // The bus and its policy first: EventBridge checks the policy when a spoke's target is created.
    spokeStack.addStackDependency(stack, 'the hub bus must exist before spokes forward to it');
    spokes.push(spokeStack);
  };
  for (const region of plan.spokeRegions) addSpoke(plan.homeAccount, region);
  for (const account of plan.spokeAccounts) for (const region of plan.regions) addSpoke(account, region);

  let stackSet: SpokeStackSet | undefined;
  const org = plan.organization;
  if (org && org.organizationalUnitIds.length > 0) {
    const featureFlags = Object.fromEntries(Object.entries(app.node.getAllContext() as Record<string, unknown>).filter(([k]) => k.startsWith('@aws-cdk/')));
    stackSet = new SpokeStackSet(stack, 'SpokeStackSet', {
      organization: org,
      regions: plan.regions,
      templateBody: renderSpokeTemplate(spoke, { featureFlags, nag: options.nag ?? true }),
      hubBus: hub.bus,
      // The heartbeat role is named (the evaluate function recognises it).
      namedIam: config.heartbeat !== null,
    });
    stackSet.node.addDependency(hub.bus);
    new CfnOutput(stack, 'SpokeStackSetName', { value: org.stackSetName, description: 'The service-managed StackSet that puts a spoke in every member account and covered region' });
    new CfnOutput(stack, 'StackSetCallAs', { value: org.callAs, description: 'CallAs for StackSet API calls about the spoke StackSet (ListStackInstances, DescribeStackSet)' });
    new CfnOutput(stack, 'OrganizationalUnitIds', { value: org.organizationalUnitIds.join(','), description: 'Roots/OUs the spoke StackSet deploys to' });
    const costs = [
      ...(plan.spokeRegions.length > 0 ? [`in ${plan.spokeRegions.join(', ')} each ${forwardingCost(patterns, true)}`] : []),
      `in ${plan.homeRegion} each ${forwardingCost(patterns, false)}`,
    ];
    Annotations.of(stackSet).addInfo(
      `rekwatch: StackSet ${org.stackSetName} puts a spoke in every member account of ${org.organizationalUnitIds.join(', ')} ` +
        `(not the management account, not this account) in ${plan.regions.join(', ')}; ${costs.join('; ')}`,
    );
  } else if (org) {
    Annotations.of(hub).addInfo(`rekwatch: the hub bus admits organization ${org.id}, but no organizationalUnitIds were given: no StackSet, member accounts need spokes of their own`);
  }

  if (org && !config.createTrail) {
    Annotations.of(stack).addInfo(
      'rekwatch: organization mode assumes an organization trail (createTrail=false by default with organizationId): ' +
        'a trail logging management events in every member account and region is what makes their Rekognition calls reach EventBridge; ' +
        'without one, spokes forward nothing. -c createTrail=true adds a multi-region trail for the hub account only.',
    );
  } else if (plan.spokeAccounts.length > 0) {
    Annotations.of(stack).addInfo(`rekwatch: ${plan.spokeAccounts.join(', ')} need a trail logging management events (their own or an organization trail): this stack's trail covers its own account only`);
  }
  return { hub, spokes, ...(stackSet ? { stackSet } : {}) };
}
