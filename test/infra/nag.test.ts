/** cdk-nag AwsSolutions checks are clean (acknowledged findings carry reasons in infra/nag.ts). */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from './helpers';

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['with a new trail and an alert bus', { alertEmail: 'a@example.com', alertBus: 'default' }],
    ['reusing an existing trail', { alertEmail: 'a@example.com', createTrail: 'false' }],
    ['with Slack (webhook forwarder) and AWS Chatbot', { alertEmail: 'a@example.com', slackWebhookSecret: 'rekwatch/slack', chatbotWorkspaceId: 'T0123ABCD', chatbotChannelId: 'C0123ABCD' }],
  ])('reports no unacknowledged finding %s', (_name, context) => {
    const { app, stack } = build(context, { bundle: false });
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const open = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`);
    expect(open).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const { stack } = build({}, { bundle: false });
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.map(([id]) => id).filter((id) => id.includes('AwsSolutions')).sort()).toEqual([
      'Annotation::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'Annotation::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'Annotation::AwsSolutions-SMG4',
      'Annotation::AwsSolutions-SQS3',
    ]);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(30);
  });
});
