/**
 * The construct library (infra/lib/index.ts, `rekwatch/cdk` in the package) as a user's own CDK app
 * uses it: RekwatchAlerting in a plain Stack, each public prop asserted on the template; with the id
 * `Default` it synthesizes exactly what the repository's app does for the same settings given as
 * context; bad props and bad rules fail naming the prop or the file; cdk-nag is clean; the spoke
 * and channel constructs are exported and usable on their own. Lambda bundling is skipped here
 * (test/infra/bundle*.test.ts cover the bundles; scripts/pack-test.sh the prebuilt ones).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { compileEventPatterns } from '../../functions/core/eventbridge/event-pattern';
import * as lib from '../../infra/lib/index';
import { ConfigError, InvalidRulesError, RekwatchAlerting, SpokeForwarding, type RekwatchAlertingProps } from '../../infra/lib/index';
import { build, ROOT } from './helpers';

const RULES = join(ROOT, 'rules');

function userStack(props: RekwatchAlertingProps, id = 'Rekognition'): { stack: Stack; construct: RekwatchAlerting; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SecurityBaseline');
  const construct = new RekwatchAlerting(stack, id, { rulesDir: RULES, ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

/** A rules directory with one rule (the pack's collection-deleted-without-mfa) and its list. */
function oneRuleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-lib-rules-'));
  mkdirSync(join(dir, 'lists'));
  for (const f of ['collection-deleted-without-mfa.json', 'lists/mfa-exempt-principals.json']) {
    writeFileSync(join(dir, f), require('node:fs').readFileSync(join(RULES, f)));
  }
  return dir;
}

const mask = (t: Template) => JSON.parse(JSON.stringify(t.toJSON()).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));

describe('RekwatchAlerting', () => {
  const base = userStack({ alertEmails: ['oncall@example.com:critical|high', { address: 'team@example.com' }] });

  it('with the id Default gives the template of the repository app for the same settings as context', () => {
    const settings = { alertEmails: ['oncall@example.com:critical|high'], alertBus: 'default', logRetentionDays: 30, evaluateConcurrency: 20 } as const;
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Rekwatch', { description: 'rekwatch: real-time alerts on Amazon Rekognition API activity' });
    new RekwatchAlerting(stack, 'Default', { rulesDir: RULES, ...settings });
    const fromApp = build({ alertEmail: 'oncall@example.com:critical|high', alertBus: 'default', logRetentionDays: '30', evaluateConcurrency: '20' }, { bundle: false });
    expect(mask(Template.fromStack(stack))).toEqual(mask(fromApp.template));
  });

  it('puts the whole hub in the scope, its logical ids under the construct id', () => {
    const t = base.template;
    for (const type of ['AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::CloudTrail::Trail', 'AWS::Lambda::Url']) t.resourceCountIs(type, 1);
    t.resourcePropertiesCountIs('AWS::SNS::Topic', { DisplayName: 'rekwatch alerts' }, 1);
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(5);
    for (const id of Object.keys(t.toJSON().Resources)) expect(id).toMatch(/^Rekognition/);
    expect(Object.keys(t.toJSON().Outputs)).toEqual(expect.arrayContaining([expect.stringMatching(/^RekognitionAlertTopicArn/), expect.stringMatching(/^RekognitionStateTableName/)]));
  });

  it('alertEmails: strings with severities and EmailRoute objects become email subscriptions with filter policies', () => {
    base.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', FilterPolicy: { severity: ['critical', 'high'] } });
    base.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'team@example.com', FilterPolicy: Match.absent() });
    expect(base.construct.config.alarmEmails).toEqual(['oncall@example.com', 'team@example.com']);
  });

  it('rulesDir: the rules bundled and the EventBridge pattern compiled are those of that directory', () => {
    const dir = oneRuleDir();
    const { construct, template } = userStack({ rulesDir: dir });
    expect(construct.pack.rules.map((r) => r.id)).toEqual(['collection-deleted-without-mfa']);
    const expected = compileEventPatterns(loadRulesDir(dir).pack, { eventSources: ['rekognition.amazonaws.com'] });
    expect(Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern)).toEqual(expected.rules.map((r) => r.pattern));
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'rekwatch: evaluates 1 rules on CloudTrail events from rekognition.amazonaws.com' });
  });

  it('createTrail: false reuses the existing trail; muteLinks: false leaves out the mute page', () => {
    const { template } = userStack({ createTrail: false, muteLinks: false });
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('lists, accountNames, eventSources, maxMuteDuration and the concurrencies reach the pack, function and mute page', () => {
    const { construct, template } = userStack({
      lists: { 'trusted-networks': ['10.0.0.0/8'] },
      accountNames: { '111122223333': 'production' },
      eventSources: ['rekognition.amazonaws.com', 's3.amazonaws.com'],
      maxMuteDuration: Duration.days(7),
      mutePageConcurrency: 2,
      evaluateConcurrency: 10,
    });
    expect(construct.pack.lists['trusted-networks']?.items).toEqual(['10.0.0.0/8']);
    expect(construct.pack.accountNames).toEqual({ '111122223333': 'production' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 10,
      Environment: { Variables: Match.objectLike({ EVENT_SOURCES: 'rekognition.amazonaws.com,s3.amazonaws.com' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2,
      Environment: { Variables: Match.objectLike({ MUTE_MAX_MS: String(7 * 24 * 3600 * 1000) }) },
    });
  });

  it('slackWebhookSecret and chatbot add the Slack channels', () => {
    const { construct, template } = userStack({ slackWebhookSecret: 'rekwatch/slack', slackSeverities: ['critical'], chatbot: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } });
    expect(construct.slack).toBeDefined();
    expect(construct.chatbot).toBeDefined();
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', FilterPolicy: { severity: ['critical'] } });
  });

  it('refuses bad props naming the prop, before creating anything', () => {
    expect(() => userStack({ alertEmails: ['not-an-address'] })).toThrow(new ConfigError('RekwatchAlerting: alertEmails: "not-an-address" is not an email address'));
    expect(() => userStack({ logRetentionDays: 42 })).toThrow(/^RekwatchAlerting: logRetentionDays: must be one of CloudWatch Logs' retention periods/);
    expect(() => userStack({ slackWebhookSecret: 'https://hooks.slack.com/services/T/B/x' })).toThrow(/^RekwatchAlerting: slackWebhookSecret: this looks like the webhook URL itself/);
    expect(() => userStack({ lists: { 'trusted-network': ['10.0.0.0/8'] } })).toThrow(/RekwatchAlerting: lists\.trusted-network: no list "trusted-network" in .*did you mean "trusted-networks"/);
    expect(() => userStack({ rulesDir: join(tmpdir(), 'rekwatch-no-such-rules') })).toThrow(/^RekwatchAlerting: rulesDir: /);
    const configFile = join(mkdtempSync(join(tmpdir(), 'rekwatch-lib-config-')), 'deploy.json');
    writeFileSync(configFile, JSON.stringify({ regions: ['us-east-1', 'eu-west-1'] }));
    expect(() => userStack({ configFile })).toThrow(/^RekwatchAlerting: configFile: hub-and-spoke/);
  });

  it('an invalid rule fails with the validate messages, naming the file and field', () => {
    const dir = oneRuleDir();
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad', name: 'Bad', severity: 'urgent', conditions: { all: [] } }));
    expect(() => userStack({ rulesDir: dir })).toThrow(InvalidRulesError);
    expect(() => userStack({ rulesDir: dir })).toThrow(/bad\.json: severity: /);
  });

  it.each([
    ['defaults', {}],
    ['an existing trail, Slack, Chatbot and an alert bus', { createTrail: false, slackWebhookSecret: 'rekwatch/slack', chatbot: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }, alertBus: 'default' }],
  ] as Array<[string, RekwatchAlertingProps]>)('passes cdk-nag AwsSolutions in a plain stack (%s)', (_name, props) => {
    const { stack } = userStack({ alertEmails: ['a@example.com'], ...props });
    const report = new AwsSolutionsChecks(stack.node.root as App).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });
});

describe('the rest of the library', () => {
  it('exports the spoke and channel constructs and the rule loading', () => {
    expect(Object.keys(lib).sort()).toEqual(
      ['Alerting', 'ChatbotNotifications', 'ConfigError', 'InvalidRulesError', 'MutePage', 'RekwatchAlerting', 'SlackForwarder', 'SpokeForwarding', 'alertingConfig', 'eventBusArn', 'loadDeployRules', 'spokeNames'].sort(),
    );
  });

  it('SpokeForwarding forwards the hub pattern from a stack of its own to the hub bus', () => {
    const hub = userStack({});
    const app = new App();
    const spoke = new Stack(app, 'Spoke', { env: { account: '111122223333', region: 'eu-west-1' } });
    new SpokeForwarding(spoke, 'Forward', {
      patterns: hub.construct.patterns,
      hubEventBusArn: lib.eventBusArn('us-east-1', '111122223333', 'rekwatch-hub'),
      namePrefix: 'Rekwatch',
      patternHash: 'sha256:test',
    });
    const t = Template.fromStack(spoke);
    const forwarding = Object.values(t.findResources('AWS::Events::Rule')).filter((r) => String(r.Properties.Name).startsWith('Rekwatch-spoke-forward-'));
    expect(forwarding.map((r) => r.Properties.EventPattern)).toEqual(hub.construct.patterns.rules.map((r) => r.pattern));
    expect(JSON.stringify(forwarding[0]!.Properties.Targets)).toContain(':111122223333:event-bus/rekwatch-hub');
  });
});
