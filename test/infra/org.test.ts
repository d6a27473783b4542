/**
 * Issue 11, infrastructure: one deploy watches a whole AWS Organization. The hub (the one-region
 * stack plus a custom bus admitting the organization), a spoke stack per other region of the hub
 * account, and a service-managed StackSet putting the same spoke in every member account and region,
 * all running one compiled pattern.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { compileEventPatterns, type CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import { buildApp } from '../../infra/build';
import { ConfigError } from '../../functions/adapters/deploy-config';
import { patternHash, spokeCostNote } from '../../infra/org/pattern';
import { planCoverage } from '../../infra/org/plan';
import { SpokeForwarding, SpokeStack } from '../../infra/org/spoke';
import { renderSpokeTemplate, SpokeStackSet, TEMPLATE_BODY_LIMIT } from '../../infra/org/stack-set';
import { build, ROOT } from './helpers';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: unknown };

// Deterministic whatever the shell's CDK environment (the account-agnostic cases rely on it).
delete process.env.CDK_DEFAULT_ACCOUNT;
delete process.env.CDK_DEFAULT_REGION;

const ORG = {
  account: '111122223333',
  region: 'us-east-1',
  regions: 'us-east-1,eu-west-1,ap-southeast-2',
  organizationId: 'o-abc123defg',
  organizationalUnitIds: 'r-ab12',
  alertEmail: 'a@example.com',
};
const HUB_BUS_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^HubBus'), 'Arn'] };

const pack = loadRulesDir(join(ROOT, 'rules')).pack;
const compiled = compileEventPatterns(pack);

function spokesOf(app: App): SpokeStack[] {
  return app.node.children.filter((c): c is SpokeStack => c instanceof SpokeStack);
}

function resources(t: Template, type: string): Resource[] {
  return Object.values(t.findResources(type)) as Resource[];
}

function stackSetOf(t: Template): Resource {
  const [stackSet] = resources(t, 'AWS::CloudFormation::StackSet');
  if (!stackSet) throw new Error('no StackSet');
  return stackSet;
}

/** The EventBridge rules of a template that carry CloudTrail events (not the alarm forwarding). */
function cloudTrailRules(t: Template | Record<string, unknown>): Resource[] {
  const all = t instanceof Template ? resources(t, 'AWS::Events::Rule') : (Object.values((t as { Resources: Record<string, Resource> }).Resources).filter((r) => r.Type === 'AWS::Events::Rule'));
  return all.filter((r) => JSON.stringify(r.Properties.EventPattern).includes('AWS API Call via CloudTrail'));
}

const org = build(ORG, { bundle: false });
const hub = org.template;
const spokes = spokesOf(org.app);
const templateBody = JSON.parse(stackSetOf(hub).Properties.TemplateBody as string) as { Parameters?: Record<string, unknown>; Rules?: unknown; Resources: Record<string, Resource> };

describe('hub', () => {
  it('keeps the home region as today: default-bus rules straight to the evaluate function', () => {
    const defaultBus = cloudTrailRules(hub).filter((r) => r.Properties.EventBusName === undefined);
    expect(defaultBus.map((r) => [r.Properties.EventPattern, r.Properties.State])).toEqual(compiled.rules.map((c) => [c.pattern, c.state]));
    for (const r of defaultBus) expect(r.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EvaluateFunction/), 'Arn'] });
  });

  it('has a custom bus that the organization (aws:PrincipalOrgID) and the hub account may put events on', () => {
    hub.hasResourceProperties('AWS::Events::EventBus', { Name: 'Rekwatch-hub' });
    hub.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: { Ref: Match.stringLikeRegexp('^HubBus') },
      Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'events:PutEvents', Resource: HUB_BUS_ARN, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123defg' } } },
    });
    hub.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: { Effect: 'Allow', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } }, Action: 'events:PutEvents', Resource: HUB_BUS_ARN },
    });
    // Nothing else is admitted: every statement is one of those two.
    const statements = resources(hub, 'AWS::Events::EventBusPolicy').map((r) => r.Properties.Statement);
    expect(statements).toHaveLength(2);
    for (const s of statements) if (s.Principal.AWS === '*') expect(s.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123defg' } });
  });

  it('runs the same compiled rules on the hub bus, with the same retries and dead-letter queue', () => {
    const onBus = cloudTrailRules(hub).filter((r) => r.Properties.EventBusName !== undefined);
    expect(onBus.map((r) => [r.Properties.EventPattern, r.Properties.State])).toEqual(compiled.rules.map((c) => [c.pattern, c.state]));
    for (const r of onBus) {
      expect(r.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^HubBus/) });
      expect(r.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^EvaluateFunction/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DetectionDeadLetterQueue/), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ]);
    }
    hub.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HubRule0'), 'Arn'] } });
  });

  it('alarms on the bus rules (custom-bus dimensions) and turns forwarded spoke alarms into operator notifications', () => {
    for (const metric of ['InvocationsSentToDlq', 'FailedInvocations']) {
      hub.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Events',
        MetricName: metric,
        Dimensions: Match.arrayWith([{ Name: 'EventBusName', Value: 'Rekwatch-hub' }, { Name: 'RuleName', Value: { Ref: Match.stringLikeRegexp('^HubRule0') } }]),
        AlarmActions: [{ Ref: Match.stringLikeRegexp('MonitoringAlarmTopic') }],
      });
    }
    hub.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^HubBus') },
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: [{ prefix: 'Rekwatch-spoke-' }] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('MonitoringAlarmTopic') }, InputTransformer: Match.objectLike({ InputPathsMap: Match.objectLike({ account: '$.account', region: '$.region' }) }) })],
    });
  });

  it('outputs what a coverage check needs', () => {
    const outputs = hub.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.HubEventBusArn?.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^HubBus/), 'Arn'] });
    expect(outputs.HubEventBusName?.Value).toEqual({ Ref: expect.stringMatching(/^HubBus/) });
    expect(outputs.CoveredRegions?.Value).toBe('us-east-1,eu-west-1,ap-southeast-2');
    expect(outputs.PatternHash?.Value).toBe(patternHash(compiled));
    expect(outputs.SpokeStackSetName?.Value).toBe('Rekwatch-spokes');
    expect(outputs.OrganizationId?.Value).toBe('o-abc123defg');
    expect(outputs.OrganizationalUnitIds?.Value).toBe('r-ab12');
    expect(outputs.SpokeRuleNamePrefix?.Value).toBe('Rekwatch-spoke-');
    expect(outputs.CompiledRuleCount?.Value).toBe(String(compiled.rules.length));
    // What rekwatch coverage reads back besides: the hub's own rules, and how to call StackSets.
    expect(outputs.HubRuleNames?.Value).toEqual({ Ref: expect.stringMatching(/^DetectionRule0/) });
    expect(outputs.StackSetCallAs?.Value).toBe('DELEGATED_ADMIN');
  });

  it('assumes an organization trail in organization mode, and says so', () => {
    hub.resourceCountIs('AWS::CloudTrail::Trail', 0);
    const infos = org.stack.node.metadata.filter((m) => m.type === 'aws:cdk:info').map((m) => String(m.data));
    expect(infos.some((i) => i.includes('organization mode assumes an organization trail'))).toBe(true);
    build({ ...ORG, createTrail: 'true' }, { bundle: false }).template.resourceCountIs('AWS::CloudTrail::Trail', 1);
  });
});

describe('spoke stacks (the hub account\'s other regions)', () => {
  it('adds one per covered region other than the home region, and none in the home region', () => {
    expect(spokes.map((s) => [s.stackName, s.region, s.account])).toEqual([
      ['Rekwatch-Spoke-eu-west-1', 'eu-west-1', '111122223333'],
      ['Rekwatch-Spoke-ap-southeast-2', 'ap-southeast-2', '111122223333'],
    ]);
    expect(org.stack.region).toBe('us-east-1');
    expect(org.stack.account).toBe('111122223333');
    for (const s of spokes) expect(s.dependencies).toContain(org.stack);
  });

  it.each(['eu-west-1', 'ap-southeast-2'])('%s: forwards exactly the hub\'s pattern and state to the hub bus, with retries and a local dead-letter queue', (region) => {
    const t = Template.fromStack(spokes.find((s) => s.region === region)!);
    const rules = cloudTrailRules(t);
    expect(rules.map((r) => [r.Properties.EventPattern, r.Properties.State])).toEqual(cloudTrailRules(hub).filter((r) => r.Properties.EventBusName === undefined).map((r) => [r.Properties.EventPattern, r.Properties.State]));
    const busArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111122223333:event-bus/Rekwatch-hub']] };
    rules.forEach((r, i) => {
      expect(r.Properties.Name).toBe(`Rekwatch-spoke-forward-${i + 1}`);
      expect(r.Properties.EventBusName).toBeUndefined();
      expect(r.Properties.Description).toContain(patternHash(compiled));
      expect(r.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: busArn,
          RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^SpokeForwardRole/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^SpokeDeadLetterQueue/), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        },
      ]);
    });
    // A role only EventBridge, for this account's spoke rules, can assume; it may only put events on the hub bus.
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${region}:111122223333:rule/Rekwatch-spoke-*`]] } },
            },
          },
        ],
        Version: '2012-10-17',
      },
      ManagedPolicyArns: Match.absent(),
    });
    const statements = resources(t, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }]);
  });

  it('has no Lambda, table, trail or key: only the queue, the role, the rules and the alarm', () => {
    const t = Template.fromStack(spokes[0]!);
    const types = [...new Set(Object.values(t.toJSON().Resources as Record<string, Resource>).map((r) => r.Type))].sort();
    expect(types).toEqual(['AWS::CloudWatch::Alarm', 'AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy']);
  });

  it('keeps undeliverable events in an encrypted, TLS-only queue that only its own rules may write to, alarmed and forwarded to the hub', () => {
    const t = Template.fromStack(spokes[0]!);
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    const policy = resources(t, 'AWS::SQS::QueuePolicy')[0]!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(policy[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    const writers = policy.slice(1);
    expect(writers.map((s) => s.Condition.ArnEquals['aws:SourceArn']['Fn::GetAtt'][0]).sort()).toEqual([expect.stringMatching(/^SpokeForward0/), expect.stringMatching(/^SpokeForwardAlarms/)].sort());
    for (const s of writers) expect(s).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Rekwatch-spoke-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      Name: 'Rekwatch-spoke-alarms',
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SpokeDeadLettersAlarm'), 'Arn'] }] },
      State: 'ENABLED',
      Targets: [Match.objectLike({ RoleArn: Match.anyValue(), DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('prints the per-region cost model at synth', () => {
    const infos = spokes[0]!.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:info').map((m) => String(m.data));
    expect(infos).toContain(`rekwatch: ${spokeCostNote(compiled, 'eu-west-1', 'us-east-1', true)}`);
    expect(infos[0]).toMatch(/custom events \(~\$1\.00 per million\) \+ inter-region transfer/);
  });
});

describe('spoke StackSet (member accounts)', () => {
  const props = stackSetOf(hub).Properties;

  it('is service-managed, deploys automatically to the OUs in every covered region, the hub account excluded', () => {
    expect(props).toMatchObject({
      StackSetName: 'Rekwatch-spokes',
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'HubEventBusArn', ParameterValue: { 'Fn::GetAtt': [expect.stringMatching(/^HubBus/), 'Arn'] } }],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'], AccountFilterType: 'DIFFERENCE', Accounts: ['111122223333'] },
          Regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
        },
      ],
    });
    // Created after the bus policy, so the first instances' targets are accepted.
    const [id] = Object.entries(hub.findResources('AWS::CloudFormation::StackSet'))[0]!;
    expect((hub.toJSON().Resources[id] as { DependsOn: string[] }).DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^HubBuscdkAllowOrganization/)]));
    expect(stackSetOf(build({ ...ORG, stackSetCallAs: 'SELF' }, { bundle: false }).template).Properties.CallAs).toBe('SELF');
  });

  it('carries the same spoke, with the same pattern and state, in a template member accounts can run', () => {
    const rules = cloudTrailRules(templateBody as unknown as Record<string, unknown>);
    expect(rules.map((r) => [r.Properties.EventPattern, r.Properties.State])).toEqual(compiled.rules.map((c) => [c.pattern, c.state]));
    for (const r of rules) expect(r.Properties.Targets[0].Arn).toEqual({ Ref: 'HubEventBusArn' });
    const policies = Object.values(templateBody.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(policies).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'HubEventBusArn' } }]);
    // Not CDK-bootstrapped, no assets, no construct paths.
    expect(Object.keys(templateBody.Parameters ?? {})).toEqual(['HubEventBusArn']);
    expect(templateBody.Rules).toBeUndefined();
    expect(Object.values(templateBody.Resources).filter((r) => r.Metadata !== undefined)).toEqual([]);
    expect(Object.values(templateBody.Resources).map((r) => r.Type)).not.toEqual(expect.arrayContaining(['AWS::Lambda::Function']));
    expect(Buffer.byteLength(props.TemplateBody as string)).toBeLessThan(TEMPLATE_BODY_LIMIT);
  });

  it('refuses a spoke template over the TemplateBody limit, naming the size', () => {
    const stack = new Stack(new App(), 'S');
    const bus = { eventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/b' } as never;
    const organization = { id: 'o-abc123defg', organizationalUnitIds: ['r-ab12'], callAs: 'SELF' as const, stackSetName: 'x' };
    expect(() => new SpokeStackSet(stack, 'Big', { organization, regions: ['us-east-1'], templateBody: 'x'.repeat(TEMPLATE_BODY_LIMIT + 1), hubBus: bus })).toThrow(
      new ConfigError(`organizationalUnitIds: the spoke template is ${TEMPLATE_BODY_LIMIT + 1} bytes, over the 51200 bytes a StackSet's TemplateBody may hold (too many compiled EventBridge rules?)`),
    );
  });

  it('updates with the rules: a rule change changes the hub, the spoke stacks and the StackSet template in one synth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-org-rules-'));
    writeFileSync(join(dir, 'only-delete.json'), JSON.stringify({ id: 'only-delete', severity: 'high', conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] }, tests: [] }));
    const changed = build({ ...ORG, rulesDir: dir }, { bundle: false });
    const pattern = { source: ['aws.rekognition'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['rekognition.amazonaws.com'], eventName: ['DeleteCollection'] } };
    const patternsOf = (rules: Resource[]) => rules.map((r) => r.Properties.EventPattern);
    expect(patternsOf(cloudTrailRules(changed.template))).toEqual([pattern, pattern]);
    for (const s of spokesOf(changed.app)) expect(patternsOf(cloudTrailRules(Template.fromStack(s)))).toEqual([pattern]);
    expect(patternsOf(cloudTrailRules(JSON.parse(stackSetOf(changed.template).Properties.TemplateBody as string)))).toEqual([pattern]);
  });
});

describe('cdk-nag AwsSolutions on every stack', () => {
  it.each([
    ['the hub', () => org.stack],
    ['a spoke stack', () => spokes[0]!],
  ])('reports no unacknowledged finding on %s', (_name, stack) => {
    const report = new AwsSolutionsChecks(org.app).validateScope(stack());
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });

  it('reports no unacknowledged finding on the StackSet template (nag runs as it is rendered)', () => {
    const stack = new Stack(new App(), 'SpokeTemplate');
    new SpokeForwarding(stack, 'Spoke', { patterns: compiled, namePrefix: 'Rekwatch', patternHash: patternHash(compiled), hubEventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/Rekwatch-hub' });
    expect(new AwsSolutionsChecks(stack.node.root as App).validateScope(stack).violations).toEqual([]);
    expect(() => renderSpokeTemplate({ patterns: compiled, namePrefix: 'Rekwatch', patternHash: patternHash(compiled) }, { nag: true })).not.toThrow();
  });

  it('synthesizes the whole app with the nag plugin registered, as cdk synth does', () => {
    const app = new App({ context: { rulesDir: 'rules', 'aws:cdk:bundling-stacks': [], ...ORG } });
    buildApp(app, { cwd: ROOT, nag: true });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('one account, many regions (no organization)', () => {
  const many = build({ account: '111122223333', region: 'eu-west-1', regions: 'eu-west-1,us-east-1', alertEmail: 'a@example.com' }, { bundle: false });

  it('adds the hub bus for the account only, spoke stacks, no StackSet, and keeps the multi-region trail', () => {
    expect(spokesOf(many.app).map((s) => s.stackName)).toEqual(['Rekwatch-Spoke-us-east-1']);
    many.template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    many.template.resourceCountIs('AWS::CloudTrail::Trail', 1);
    const statements = resources(many.template, 'AWS::Events::EventBusPolicy').map((r) => r.Properties.Statement);
    expect(statements).toEqual([expect.objectContaining({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } } })]);
    expect((many.template.toJSON().Outputs as Record<string, { Value: unknown }>).CoveredRegions?.Value).toBe('eu-west-1,us-east-1');
  });

  it('needs no account id at synth: spokes name the hub bus with the deploying account', () => {
    const agnostic = build({ region: 'eu-west-1', regions: 'eu-west-1,us-east-1' }, { bundle: false });
    const spoke = Template.fromStack(spokesOf(agnostic.app)[0]!);
    expect(cloudTrailRules(spoke)[0]!.Properties.Targets[0].Arn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:', { Ref: 'AWS::AccountId' }, ':event-bus/Rekwatch-hub']] });
  });

  it('is the single-region stack when the regions are just the home region', () => {
    const single = build({ region: 'us-east-1', alertEmail: 'a@example.com' }, { bundle: false });
    const same = build({ region: 'us-east-1', regions: 'us-east-1', alertEmail: 'a@example.com' }, { bundle: false });
    expect(same.template.toJSON()).toEqual(single.template.toJSON());
    expect(spokesOf(same.app)).toEqual([]);
  });

  it('gives each of spokeAccounts (e.g. the management account) a spoke in every covered region, home included', () => {
    const withMgmt = build({ ...ORG, spokeAccounts: '999988887777' }, { bundle: false });
    expect(spokesOf(withMgmt.app).map((s) => s.stackName)).toEqual([
      'Rekwatch-Spoke-eu-west-1',
      'Rekwatch-Spoke-ap-southeast-2',
      'Rekwatch-Spoke-999988887777-us-east-1',
      'Rekwatch-Spoke-999988887777-eu-west-1',
      'Rekwatch-Spoke-999988887777-ap-southeast-2',
    ]);
    const admitted = resources(withMgmt.template, 'AWS::Events::EventBusPolicy').map((r) => r.Properties.Statement.Principal.AWS);
    const root = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] });
    expect(admitted).toEqual(expect.arrayContaining([[root('111122223333'), root('999988887777')], '*']));
    const mgmtHome = Template.fromStack(spokesOf(withMgmt.app)[2]!);
    expect(cloudTrailRules(mgmtHome)[0]!.Properties.Targets[0].Arn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111122223333:event-bus/Rekwatch-hub']] });
  });
});

describe('coverage keys', () => {
  const fails = (context: Record<string, unknown>) => () => build(context, { bundle: false });

  it('rejects bad values, naming the key', () => {
    expect(fails({ region: 'us-east-1', regions: 'us-east-1,eu-west' })).toThrow(new ConfigError('context regions: "eu-west" is not an AWS region like eu-west-1'));
    expect(fails({ region: 'us-east-1', regions: 'cn-north-1' })).toThrow(/^context regions: "cn-north-1": EventBridge cannot forward events across regions in the China/);
    expect(fails({ account: '1111', region: 'us-east-1' })).toThrow(new ConfigError('context account: "1111" is not a 12-digit AWS account id'));
    expect(fails({ region: 'us-east-1', organizationId: 'o-1' })).toThrow(new ConfigError('context organizationId: "o-1" is not an AWS Organizations id like o-abc123defg'));
    expect(fails({ region: 'us-east-1', organizationId: 'o-abc123defg', organizationalUnitIds: 'ou-1' })).toThrow(/^context organizationalUnitIds: "ou-1" is not an organization root id/);
    expect(fails({ region: 'us-east-1', organizationalUnitIds: 'r-ab12' })).toThrow(/^context organizationalUnitIds: set organizationId too/);
    expect(fails({ ...ORG, stackSetCallAs: 'ADMIN' })).toThrow(/^context stackSetCallAs: must be SELF .* or DELEGATED_ADMIN/);
    expect(fails({ region: 'us-east-1', regions: 'eu-west-1', stackSetCallAs: 'SELF' })).toThrow(/^context stackSetCallAs: set organizationalUnitIds too/);
    expect(fails({ region: 'us-east-1', spokeAccounts: '999988887777' })).toThrow(/^context account: the hub account id is needed with spokeAccounts/);
    expect(fails({ region: 'us-east-1', regions: 'eu-west-1', stackName: 'a-stack-name-that-is-much-too-long-for-rule-names' })).toThrow(/^context stackName: .* at most 40/);
  });

  it('needs the home region, from -c region or the CDK environment', () => {
    expect(() => planCoverage({ account: null, region: null, regions: ['eu-west-1'], organizationId: null, organizationalUnitIds: [], spokeAccounts: [], stackSetCallAs: 'DELEGATED_ADMIN' }, {}, 'Rekwatch')).toThrow(
      new ConfigError("context region: the hub's home region is needed with regions (-c region=us-east-1, or a CDK environment with a region: a profile or CDK_DEFAULT_REGION)"),
    );
    const plan = planCoverage({ account: null, region: null, regions: ['eu-west-1'], organizationId: null, organizationalUnitIds: [], spokeAccounts: [], stackSetCallAs: 'DELEGATED_ADMIN' }, { account: '111122223333', region: 'us-west-2' }, 'Rekwatch');
    expect(plan).toMatchObject({ homeAccount: '111122223333', homeRegion: 'us-west-2', regions: ['us-west-2', 'eu-west-1'], spokeRegions: ['eu-west-1'] });
  });

  it('reads the same keys from the config file, context values taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-org-config-'));
    const file = join(dir, 'rekwatch.config.json');
    writeFileSync(file, JSON.stringify({ account: '111122223333', region: 'us-east-1', regions: ['eu-west-1'], organizationId: 'o-abc123defg', organizationalUnitIds: ['ou-ab12-abcdefgh'], stackSetCallAs: 'SELF' }));
    const fromFile = build({ config: file }, { bundle: false });
    expect(spokesOf(fromFile.app).map((s) => s.stackName)).toEqual(['Rekwatch-Spoke-eu-west-1']);
    expect(stackSetOf(fromFile.template).Properties).toMatchObject({ CallAs: 'SELF', StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-abcdefgh'] }, Regions: ['us-east-1', 'eu-west-1'] }] });
    const overridden = build({ config: file, regions: 'us-east-1,ap-southeast-2' }, { bundle: false });
    expect(spokesOf(overridden.app).map((s) => s.stackName)).toEqual(['Rekwatch-Spoke-ap-southeast-2']);
    writeFileSync(file, JSON.stringify({ region: 'us-east-1', regions: ['eu-west'] }));
    expect(() => build({ config: file }, { bundle: false })).toThrow(/regions\[0\]: must be an AWS region like us-east-1/);
  });
});

describe('pattern hash', () => {
  it('is stable under key order and changes with the pattern or the state', () => {
    const a: CompiledPatterns = { rules: [{ pattern: { source: ['aws.rekognition'], detail: { eventName: ['X'] } }, state: 'ENABLED', ruleIds: ['a'] }], notes: [] };
    const reordered: CompiledPatterns = { rules: [{ pattern: { detail: { eventName: ['X'] }, source: ['aws.rekognition'] }, state: 'ENABLED', ruleIds: ['b'] }], notes: ['x'] };
    expect(patternHash(reordered)).toBe(patternHash(a));
    expect(patternHash({ ...a, rules: [{ ...a.rules[0]!, state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }] })).not.toBe(patternHash(a));
    expect(patternHash(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
