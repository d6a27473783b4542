/**
 * The heartbeat's infrastructure half (-c heartbeat=true): a canary collection and a schedule that
 * tags it (no Lambda) in the home region, every spoke stack and the StackSet template; the patterns
 * let its TagResource through, the same everywhere; silence alarms with missing data breaching.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../functions/adapters/deploy-config';
import { SpokeStack } from '../../infra/org/spoke';
import { build } from './helpers';

type Resource = { Type: string; Properties: Record<string, any> };

delete process.env.CDK_DEFAULT_ACCOUNT;
delete process.env.CDK_DEFAULT_REGION;

const ORG = {
  account: '111122223333',
  region: 'us-east-1',
  regions: 'us-east-1,eu-west-1',
  organizationId: 'o-abc123defg',
  organizationalUnitIds: 'r-ab12',
  spokeAccounts: '999988887777',
  alertEmail: 'a@example.com',
  heartbeat: 'true',
};
const ALARM_TOPIC = { Ref: expect.stringMatching(/^MonitoringAlarmTopic/) };

const resources = (t: Template | { Resources: Record<string, Resource> }, type: string): Resource[] =>
  Object.values(t instanceof Template ? t.findResources(type) : t.Resources).filter((r) => (r as Resource).Type === type) as Resource[];
const cloudTrailPatterns = (t: Template | { Resources: Record<string, Resource> }) =>
  resources(t, 'AWS::Events::Rule').filter((r) => JSON.stringify(r.Properties.EventPattern).includes('AWS API Call via CloudTrail')).map((r) => [r.Properties.EventPattern, r.Properties.State]);
const spokesOf = (app: import('aws-cdk-lib').App) => app.node.children.filter((c): c is SpokeStack => c instanceof SpokeStack);

describe('heartbeat off (the default)', () => {
  it('adds nothing: no collection, schedule, heartbeat alarm or environment', () => {
    const { template } = build({ alertEmail: 'a@example.com' }, { bundle: false });
    for (const type of ['AWS::Rekognition::Collection', 'AWS::Scheduler::Schedule']) template.resourceCountIs(type, 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Heartbeat|HEARTBEAT/);
  });
});

describe('heartbeat on, one region', () => {
  const { template } = build({ region: 'us-east-1', alertEmail: 'a@example.com', heartbeat: 'true' }, { bundle: false });

  it('owns a canary collection, tagged every 15 minutes by a schedule (universal target, no Lambda) with the very tag it already has', () => {
    template.hasResourceProperties('AWS::Rekognition::Collection', { CollectionId: 'Rekwatch-heartbeat', Tags: [{ Key: 'rekwatch-heartbeat', Value: 'on' }] });
    const [schedule] = resources(template, 'AWS::Scheduler::Schedule');
    expect(schedule!.Properties).toEqual({
      Name: 'Rekwatch-heartbeat',
      Description: expect.stringContaining('TagResource on the canary collection'),
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:rekognition:tagResource']] },
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^HeartbeatRole/), 'Arn'] },
        Input: { 'Fn::Join': ['', ['{"ResourceArn":"', { 'Fn::GetAtt': [expect.stringMatching(/^HeartbeatCollection/), 'Arn'] }, '","Tags":{"rekwatch-heartbeat":"on"}}']] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
      },
    });
  });

  it('tags as a named role only this schedule can assume, allowed only to tag the canary', () => {
    const [role] = resources(template, 'AWS::IAM::Role').filter((r) => r.Properties.RoleName === 'Rekwatch-hb-us-east-1');
    expect(role!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:us-east-1:', { Ref: 'AWS::AccountId' }, ':schedule/default/Rekwatch-heartbeat']] } },
        },
      },
    ]);
    const policies = resources(template, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('HeartbeatRole'));
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'rekognition:TagResource', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^HeartbeatCollection/), 'Arn'] } },
    ]);
  });

  it('tells the evaluate function the names (it records heartbeats instead of evaluating them)', () => {
    const [fn] = resources(template, 'AWS::Lambda::Function').filter((f) => String(f.Properties.Description).startsWith('rekwatch: evaluates'));
    expect(fn!.Properties.Environment.Variables).toMatchObject({ HEARTBEAT_NAME_PREFIX: 'Rekwatch' });
    expect(fn!.Properties.Environment.Variables.HEARTBEAT_METRIC_ACCOUNTS).toBeUndefined();
  });

  it('alarms when the region is silent for heartbeatMaxSilence (2h: 8 periods of 15 minutes), missing data breaching', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').filter((a) => a.Properties.MetricName === 'Heartbeats');
    expect(alarms.map((a) => a.Properties)).toEqual([
      {
        Namespace: 'rekwatch',
        MetricName: 'Heartbeats',
        Dimensions: [{ Name: 'Region', Value: 'us-east-1' }],
        Statistic: 'Sum',
        Period: 900,
        EvaluationPeriods: 8,
        DatapointsToAlarm: 8,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmDescription: expect.stringMatching(/^rekwatch heartbeat: no heartbeat from us-east-1 for 120 minutes/),
        AlarmActions: [ALARM_TOPIC],
        OKActions: [ALARM_TOPIC],
      },
    ]);
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).HeartbeatMaxSilenceSeconds?.Value).toBe('7200');
  });

  it('passes cdk-nag', () => {
    const built = build({ region: 'us-east-1', heartbeat: 'true' }, { bundle: false });
    expect(new AwsSolutionsChecks(built.app).validateScope(built.stack).violations).toEqual([]);
  });

  it('takes heartbeatMaxSilence in 15-minute steps, from context or the config file, and refuses anything else naming the key', () => {
    const periods = (ctx: Record<string, unknown>) => resources(build({ region: 'us-east-1', heartbeat: 'true', ...ctx }, { bundle: false }).template, 'AWS::CloudWatch::Alarm').find((a) => a.Properties.MetricName === 'Heartbeats')!.Properties.EvaluationPeriods;
    expect(periods({ heartbeatMaxSilence: '45m' })).toBe(3);
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-heartbeat-config-'));
    const file = join(dir, 'rekwatch.config.json');
    writeFileSync(file, JSON.stringify({ heartbeat: true, heartbeatMaxSilence: '6h' }));
    expect(resources(build({ region: 'us-east-1', config: file }, { bundle: false }).template, 'AWS::CloudWatch::Alarm').find((a) => a.Properties.MetricName === 'Heartbeats')!.Properties.EvaluationPeriods).toBe(24);
    const fails = (ctx: Record<string, unknown>) => () => build({ region: 'us-east-1', ...ctx }, { bundle: false });
    for (const bad of ['20m', '50m', '25h', 'soon']) {
      expect(fails({ heartbeat: 'true', heartbeatMaxSilence: bad })).toThrow(new ConfigError(`context heartbeatMaxSilence: "${bad}" must be a duration from 30m to 24h in steps of 15m (like 2h or 45m): heartbeats come every 15 minutes`));
    }
    expect(fails({ heartbeatMaxSilence: '2h' })).toThrow(new ConfigError("context heartbeatMaxSilence: set heartbeat=true too (it is the heartbeat's alarm threshold)"));
    expect(fails({ heartbeat: 'maybe' })).toThrow(new ConfigError('context heartbeat: must be true or false, got "maybe"'));
    expect(fails({ heartbeat: 'true', stackName: 'a-stack-name-that-is-much-too-long-for-role-names' })).toThrow(/^context stackName: .* at most 40 .* with heartbeat/);
  });
});

describe('heartbeat on, hub and spokes', () => {
  const org = build(ORG, { bundle: false });
  const spokes = spokesOf(org.app);
  const stackSet = resources(org.template, 'AWS::CloudFormation::StackSet')[0]!.Properties;
  const templateBody = JSON.parse(stackSet.TemplateBody as string) as { Resources: Record<string, Resource> };

  it('puts a canary in every spoke stack and the StackSet template, with a role named per region', () => {
    expect(spokes.map((s) => [s.stackName, resources(Template.fromStack(s), 'AWS::IAM::Role').map((r) => r.Properties.RoleName).filter(Boolean)])).toEqual([
      ['Rekwatch-Spoke-eu-west-1', ['Rekwatch-hb-eu-west-1']],
      ['Rekwatch-Spoke-999988887777-us-east-1', ['Rekwatch-hb-us-east-1']],
      ['Rekwatch-Spoke-999988887777-eu-west-1', ['Rekwatch-hb-eu-west-1']],
    ]);
    for (const s of spokes) {
      const t = Template.fromStack(s);
      t.resourceCountIs('AWS::Scheduler::Schedule', 1);
      t.resourceCountIs('AWS::Lambda::Function', 0);
    }
    expect(resources(templateBody, 'AWS::Rekognition::Collection').map((r) => r.Properties.CollectionId)).toEqual(['Rekwatch-heartbeat']);
    expect(resources(templateBody, 'AWS::Scheduler::Schedule')).toHaveLength(1);
    expect(resources(templateBody, 'AWS::IAM::Role').map((r) => r.Properties.RoleName).filter(Boolean)).toEqual([{ 'Fn::Join': ['', ['Rekwatch-hb-', { Ref: 'AWS::Region' }]] }]);
    expect(stackSet.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
  });

  it('keeps hub == spoke, and lets the heartbeat through a pack that would not match it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-heartbeat-rules-'));
    writeFileSync(join(dir, 'only-delete.json'), JSON.stringify({ id: 'only-delete', severity: 'high', conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] }, tests: [] }));
    const narrow = build({ ...ORG, rulesDir: dir }, { bundle: false });
    const hubPatterns = cloudTrailPatterns(narrow.template);
    const expected = [{ source: ['aws.rekognition'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['rekognition.amazonaws.com'], eventName: ['DeleteCollection', 'TagResource'] } }, 'ENABLED'];
    expect(hubPatterns).toEqual([expected, expected]); // default bus and hub bus
    for (const s of spokesOf(narrow.app)) expect(cloudTrailPatterns(Template.fromStack(s))).toEqual([expected]);
    const body = JSON.parse(resources(narrow.template, 'AWS::CloudFormation::StackSet')[0]!.Properties.TemplateBody as string);
    expect(cloudTrailPatterns(body)).toEqual([expected]);
    // The evaluate function's pack is the rules directory's, without the heartbeat rule.
    expect(JSON.stringify(resources(narrow.template, 'AWS::Lambda::Function'))).not.toContain('rekwatch-heartbeat');
  });

  it('alarms per covered region, and per region of each account the app deploys (the hub, spokeAccounts)', () => {
    const alarms = resources(org.template, 'AWS::CloudWatch::Alarm').filter((a) => a.Properties.MetricName === 'Heartbeats');
    expect(alarms.map((a) => a.Properties.Dimensions)).toEqual([
      [{ Name: 'Region', Value: 'us-east-1' }],
      [{ Name: 'Region', Value: 'eu-west-1' }],
      [{ Name: 'Account', Value: { Ref: 'AWS::AccountId' } }, { Name: 'Region', Value: 'us-east-1' }],
      [{ Name: 'Account', Value: { Ref: 'AWS::AccountId' } }, { Name: 'Region', Value: 'eu-west-1' }],
      [{ Name: 'Account', Value: '999988887777' }, { Name: 'Region', Value: 'us-east-1' }],
      [{ Name: 'Account', Value: '999988887777' }, { Name: 'Region', Value: 'eu-west-1' }],
    ]);
    for (const a of alarms) expect(a.Properties).toMatchObject({ TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold', AlarmActions: [ALARM_TOPIC] });
    const [fn] = resources(org.template, 'AWS::Lambda::Function').filter((f) => String(f.Properties.Description).startsWith('rekwatch: evaluates'));
    expect(fn!.Properties.Environment.Variables.HEARTBEAT_METRIC_ACCOUNTS).toEqual({ 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, ',999988887777']] });
  });

  it('passes cdk-nag on the hub and a spoke stack, and the whole app synthesizes with the plugin', () => {
    for (const stack of [org.stack, spokes[0]!]) expect(new AwsSolutionsChecks(org.app).validateScope(stack).violations).toEqual([]);
    const withNag = build(ORG, { bundle: false, nag: true });
    expect(() => withNag.app.synth()).not.toThrow();
  });
});
