/** CDK assertions for Slack delivery in AWS: the webhook forwarder and AWS Chatbot (issue 4). */
import { Match } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../functions/adapters/deploy-config';
import { build } from './helpers';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rekwatch/slack-AbCdEf';

describe('Slack webhook forwarder', () => {
  const { template: t, stack } = build({ alertEmail: 'oncall@example.com:critical', slackWebhookSecret: 'rekwatch/slack', slackSeverities: 'critical|high' }, { bundle: false });

  it('subscribes a Node.js 24 arm64 function to the alert topic with its own severity filter policy and a dead-letter queue', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('AlertingTopic') },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackFunction'), 'Arn'] },
      FilterPolicy: { severity: ['critical', 'high'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackDeadLetterQueue'), 'Arn'] } },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'rekwatch: posts critical/high alerts to Slack',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ID: 'rekwatch/slack', TABLE_NAME: { Ref: Match.stringLikeRegexp('StateTable') } }) },
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: { Ref: Match.stringLikeRegexp('AlertingTopic') } });
  });

  it('keeps the webhook URL out of the template: only the secret name is there', () => {
    const text = JSON.stringify(t.toJSON());
    expect(text).not.toMatch(/hooks\.slack\.com/);
    expect(text).toContain('rekwatch/slack');
  });

  it('sends failed invocations to an encrypted, TLS-only dead-letter queue that SNS may also write to, and alarms on it', () => {
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('SlackFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackDeadLetterQueue'), 'Arn'] } } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] }, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('SlackDeadLetterQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('AlertingTopic') } } } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackDeadLetterQueue'), 'QueueName'] } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('MonitoringAlarmTopic') }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('SlackFunction') } }] });
  });

  it('grants the forwarder only: reading its secret, item access to the state table, its queue and its logs', () => {
    const policy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('SlackRole'))![1] as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } };
    const statements = policy.Properties.PolicyDocument.Statement;
    const actions = [...new Set(statements.flatMap((s) => ([] as string[]).concat(s.Action)))].sort();
    expect(actions).toEqual(
      [
        'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
        'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
        'logs:CreateLogStream', 'logs:PutLogEvents',
        'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
      ].sort(),
    );
    const secret = statements.find((s) => ([] as string[]).concat(s.Action).includes('secretsmanager:GetSecretValue'))!;
    expect(JSON.stringify(secret.Resource)).toContain(':secret:rekwatch/slack-??????');
    for (const s of statements) expect(s.Resource).not.toEqual('*');
  });

  it('outputs the forwarder and its queue for `rekwatch redrive`', () => {
    t.hasOutput('SlackForwarderFunctionName', {});
    t.hasOutput('SlackDeadLetterQueueUrl', {});
    expect(stack.slack).toBeDefined();
  });

  it('takes a secret ARN, and posts every severity when no slackSeverities are given', () => {
    const { template } = build({ slackWebhookSecret: SECRET_ARN }, { bundle: false });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', FilterPolicy: Match.absent() });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ID: SECRET_ARN }) } });
  });

  it('creates nothing for Slack unless configured', () => {
    const { template } = build({ alertEmail: 'a@example.com' }, { bundle: false });
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('Slack'))).toEqual([]);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('AWS Chatbot', () => {
  const { template: t } = build({ chatbotWorkspaceId: 'T0123ABCD', chatbotChannelId: 'C0123ABCD', chatbotSeverities: 'critical,high' }, { bundle: false });

  it('configures the Slack channel with its own encrypted topic, a role with no permissions and a narrowed guardrail', () => {
    t.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('ChatbotTopic') }],
      GuardrailPolicies: [{ Ref: Match.stringLikeRegexp('ChatbotGuardrail') }],
      IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ChatbotChannelRole'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'rekwatch alerts (AWS Chatbot)', KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }], Version: '2012-10-17' } });
    const role = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('ChatbotChannelRole'))![1] as { Properties: Record<string, unknown> };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(Object.keys(t.findResources('AWS::IAM::Policy')).filter((id) => id.startsWith('ChatbotChannelRole'))).toEqual([]);
  });

  it('has the evaluate function publish Chatbot-formatted alerts of the chosen severities to that topic', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CHATBOT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('ChatbotTopic') }, CHATBOT_SEVERITIES: 'critical,high' }) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('EvaluateRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('ChatbotTopic') } })]) },
    });
    t.hasOutput('ChatbotTopicArn', {});
  });
});

describe('Slack configuration', () => {
  const ctx = (c: Record<string, unknown>) => () => build(c, { bundle: false });

  it('refuses a webhook URL where the secret name belongs, and bad names, severities and ids', () => {
    expect(ctx({ slackWebhookSecret: 'https://hooks.slack.com/services/T/B/X' })).toThrow(/this looks like the webhook URL itself; store it in AWS Secrets Manager/);
    expect(ctx({ slackWebhookSecret: 'bad name!' })).toThrow(new ConfigError('context slackWebhookSecret: "bad name!" is not a Secrets Manager secret name or ARN'));
    expect(ctx({ slackWebhookSecret: 'rekwatch/slack', slackSeverities: 'critical|urgent' })).toThrow(/context slackSeverities: unknown severity "urgent"/);
    expect(ctx({ slackSeverities: 'critical' })).toThrow(/context slackSeverities: set slackWebhookSecret too/);
    expect(ctx({ chatbotWorkspaceId: 'T0123ABCD' })).toThrow(/context chatbotChannelId: required/);
    expect(ctx({ chatbotWorkspaceId: 'team one', chatbotChannelId: 'C1' })).toThrow(/context chatbotWorkspaceId: "team one" is not a Slack workspace id/);
  });

  it('reads slack and chatbot from the config file, context taking precedence', () => {
    const { mkdtempSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const { join } = require('node:path') as typeof import('node:path');
    const dir = mkdtempSync(join(require('node:os').tmpdir(), 'rekwatch-slack-config-'));
    const file = join(dir, 'rekwatch.config.json');
    writeFileSync(file, JSON.stringify({ slack: { webhookSecret: 'team/slack', severities: ['critical'] }, chatbot: { workspaceId: 'T1', channelId: 'C1' } }));
    const { template } = build({ config: file, slackSeverities: 'high' }, { bundle: false });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', FilterPolicy: { severity: ['high'] } });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ID: 'team/slack' }) } });
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    writeFileSync(file, JSON.stringify({ slack: { webhookUrl: 'https://hooks.slack.com/x' } }));
    expect(() => build({ config: file }, { bundle: false })).toThrow(/slack\.webhookSecret: is required/);
  });
});
