/** CDK assertions for every property the deployment promises (issue: deploy to AWS). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { compileEventPatterns } from '../../functions/core/eventbridge/event-pattern';
import { runtimePack } from '../../functions/core/rules/runtime-pack';
import { buildApp, InvalidRulesError } from '../../infra/build';
import { ConfigError } from '../../functions/adapters/deploy-config';
import { build, ROOT } from './helpers';

const main = build({ alertEmail: 'oncall@example.com:critical|high,team@example.com', alertBus: 'default' });
const t = main.template;
const pack = loadRulesDir(join(ROOT, 'rules')).pack;

describe('rekwatch stack', () => {
  it('encrypts with a rotating customer-managed key that CloudWatch and EventBridge may use', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      }),
    });
  });

  it('publishes to a KMS-encrypted standard topic that refuses non-TLS requests', () => {
    t.resourcePropertiesCountIs('AWS::SNS::Topic', { DisplayName: 'rekwatch alerts', KmsMasterKeyId: Match.anyValue() }, 1);
    t.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'rekwatch alerts', FifoTopic: Match.absent() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('subscribes alert emails with severity filter policies where configured', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', FilterPolicy: { severity: ['critical', 'high'] } });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'team@example.com', FilterPolicy: Match.absent() });
  });

  it('keeps state in an encrypted DynamoDB table with TTL and point-in-time recovery', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('runs the evaluate function on Node.js 24, arm64, with its configuration in the environment', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({ EVENT_SOURCES: 'rekognition.amazonaws.com', TOPIC_ARN: Match.anyValue(), TABLE_NAME: Match.anyValue(), EVENT_BUS_NAME: 'default' }),
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('retries async invocations twice, then sends them to the dead-letter queue', () => {
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1209600 });
  });

  it('matches CloudTrail events with the pattern compiled from the rule files, with retries and a DLQ on the target', () => {
    const compiled = compileEventPatterns(pack);
    const rules = t.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(compiled.rules.length);
    compiled.rules.forEach((c) => {
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: c.pattern,
        State: c.state,
        Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
      });
    });
  });

  it('creates a multi-region trail with log file validation, or none when the account has one', () => {
    t.hasResourceProperties('AWS::CloudTrail::Trail', { IsMultiRegionTrail: true, EnableLogFileValidation: true, IsLogging: true, KMSKeyId: Match.anyValue() });
    // Without these key policy statements CreateTrail fails (InsufficientEncryptionPolicyException).
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudTrailToEncryptLogs',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': Match.anyValue() }, StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
          Match.objectLike({ Sid: 'AllowCloudTrailToDescribeKey', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey' }),
        ]),
      }),
    });
    const noTrail = build({ createTrail: 'false' }, { bundle: false }).template;
    noTrail.resourceCountIs('AWS::CloudTrail::Trail', 0);
    noTrail.resourceCountIs('AWS::S3::Bucket', 0);
    expect(JSON.stringify(noTrail.findResources('AWS::KMS::Key'))).not.toContain('cloudtrail.amazonaws.com');
  });

  it('alarms on function errors and throttles, dead letters, failed deliveries, and SNS failures, to an operator topic', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    const names = alarms.map((a) => `${String(a.Namespace)}/${String(a.MetricName)}`).sort();
    expect(names).toEqual(expect.arrayContaining([
      'AWS/Lambda/Errors', 'AWS/Lambda/Throttles', 'AWS/SQS/ApproximateNumberOfMessagesVisible', 'AWS/Lambda/DestinationDeliveryFailures',
      'AWS/Events/InvocationsSentToDlq', 'AWS/Events/FailedInvocations', 'AWS/SNS/NumberOfNotificationsFailed',
    ]));
    for (const a of alarms) {
      expect(a.AlarmActions).toHaveLength(1);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    t.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'rekwatch operations', KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: Match.stringLikeRegexp('MonitoringAlarmTopic') } });
  });

  it('grants the function least privilege: no wildcard resources for SNS, DynamoDB, KMS or EventBridge actions', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((r) => (r as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties);
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    for (const s of statements) {
      const actions = ([] as string[]).concat(s.Action);
      if (actions.some((a) => /^(sns|dynamodb|kms|events|sqs):/.test(a))) {
        expect({ actions, resource: s.Resource }).not.toEqual({ actions, resource: '*' });
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/index\/\*/);
      }
    }
    const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['sns:Publish', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'events:PutEvents']));
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
    expect(actions).not.toContain('dynamodb:*');
  });

  it('outputs what the CLI and operators need', () => {
    for (const name of ['AlertTopicArn', 'AlarmTopicArn', 'StateTableName', 'DeadLetterQueueUrl', 'EvaluateFunctionName']) t.hasOutput(name, {});
  });
});

describe('deployment inputs', () => {
  it('fails synth on invalid rules with the same messages as rekwatch validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-bad-rules-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad', severity: 'hgh', conditions: { all: [{ fact: 'eventNme', operator: 'equal', value: 'x' }] } }));
    const app = new App({ context: { rulesDir: dir, 'aws:cdk:bundling-stacks': [] } });
    expect(() => buildApp(app, { cwd: ROOT, nag: false })).toThrow(InvalidRulesError);
    try {
      buildApp(new App({ context: { rulesDir: dir, 'aws:cdk:bundling-stacks': [] } }), { cwd: ROOT, nag: false });
    } catch (e) {
      expect((e as Error).message).toContain(`${join(dir, 'bad.json')}: severity: must be one of "info", "low", "medium", "high", "critical"`);
      expect((e as Error).message).toContain('conditions.all[0].fact: unknown fact "eventNme" (did you mean "eventName"?)');
    }
  });

  it('deploys a team\'s own rules directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-own-rules-'));
    writeFileSync(join(dir, 'only-delete.json'), JSON.stringify({ id: 'only-delete', severity: 'high', conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] }, tests: [] }));
    const { template } = build({ rulesDir: dir }, { bundle: false });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.rekognition'], 'detail-type': ['AWS API Call via CloudTrail'], detail: Match.objectLike({ eventName: ['DeleteCollection'] }) },
      State: 'ENABLED',
    });
  });

  it('rejects bad context values, naming the key', () => {
    const ctx = (c: Record<string, unknown>) => () => build(c, { bundle: false });
    expect(ctx({ alertEmail: 'not-an-email' })).toThrow(new ConfigError('context alertEmail: "not-an-email" is not an email address'));
    expect(ctx({ alertEmail: 'a@example.com:urgent' })).toThrow(/unknown severity "urgent"/);
    expect(ctx({ createTrail: 'maybe' })).toThrow('context createTrail: must be true or false, got "maybe"');
    expect(ctx({ logRetentionDays: '42' })).toThrow(/context logRetentionDays: must be one of/);
    expect(ctx({ eventSources: 'rekognition' })).toThrow(/context eventSources: "rekognition" is not a CloudTrail eventSource/);
  });

  it('reads a config file, with context values taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-config-'));
    const file = join(dir, 'rekwatch.config.json');
    writeFileSync(file, JSON.stringify({ alertEmails: [{ address: 'sec@example.com', severities: ['critical'] }], logRetentionDays: 30, createTrail: false }));
    const { template } = build({ config: file }, { bundle: false });
    template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'sec@example.com', FilterPolicy: { severity: ['critical'] } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    writeFileSync(file, JSON.stringify({ alertEmails: [{ address: 'x@example.com', severities: ['urgent'] }], extra: 1 }));
    expect(() => build({ config: file }, { bundle: false })).toThrow(/extra: unknown field\n.*alertEmails\[0\]\.severities\[0\]: must be one of "info", "low", "medium", "high", "critical"/);
  });
});

describe('account names', () => {
  it('carries the config file\'s accountNames into the pack the evaluate function is bundled with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-names-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ accountNames: { '111122223333': 'prod-vision', '444455556666': 'ml-central' } }));
    const { stack } = build({ config: file }, { bundle: false });
    expect(stack.pack.accountNames).toEqual({ '111122223333': 'prod-vision', '444455556666': 'ml-central' });
    expect(runtimePack(stack.pack).accountNames).toEqual({ '111122223333': 'prod-vision', '444455556666': 'ml-central' });
    expect(build({}, { bundle: false }).stack.pack.accountNames).toBeUndefined();
  });
});

describe('list overrides', () => {
  it('replaces the trusted networks at deploy time, validated like the list file', () => {
    const { stack } = build({ trustedNetworks: '10.0.0.0/8, 2001:db8::/32' }, { bundle: false });
    expect(stack.pack.lists['trusted-networks']?.items).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(() => build({ trustedNetworks: '10.0.0.0/33' }, { bundle: false })).toThrow(
      /\ncontext: trustedNetworks\[0\]: invalid CIDR "10\.0\.0\.0\/33"$/,
    );
  });

  it('refuses to override a list the pack does not have', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-lists-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ lists: { 'trusted-netwroks': ['10.0.0.0/8'] } }));
    expect(() => build({ config: file }, { bundle: false })).toThrow(`${file}: lists.trusted-netwroks: no list "trusted-netwroks" in rules/lists/ (did you mean "trusted-networks"?)`);
  });
});
