/**
 * cdk-nag AwsSolutions findings rekwatch accepts, each with its reason. Everything else must pass:
 * `cdk synth` fails on an unacknowledged finding, and test/infra/nag.test.ts checks the stack.
 */
import { Validations } from 'aws-cdk-lib';
import type { RekwatchAlerting } from './lib/rekwatch-alerting';

/** Called by RekwatchAlerting on itself (the repository's stack and library users alike). */
export function acknowledgeFindings(stack: Pick<RekwatchAlerting, 'evaluate' | 'slack' | 'detection' | 'mutePage' | 'chatbot'>): void {
  // CDK's own grants (SNS publish to an encrypted topic, the SQS on-failure destination) use KMS
  // action families: GenerateDataKey* (with and without plaintext) and ReEncrypt* (from and to).
  // Their resource is rekwatch's one key, never "*".
  for (const role of [stack.evaluate.function.role, stack.slack?.function.role]) {
    if (!role) continue;
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is a KMS action family granted by CDK for the encrypted topic, table and queue, on rekwatch's own key only.`,
      });
    }
  }
  // The queue is itself the dead-letter queue of the EventBridge target and the function's async
  // invocations; a dead-letter queue of a dead-letter queue would only move the problem.
  Validations.of(stack.detection.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue (EventBridge target DLQ and Lambda on-failure destination).',
  });
  if (stack.slack) {
    Validations.of(stack.slack.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the Slack forwarder's dead-letter queue (SNS subscription DLQ and Lambda on-failure destination).",
    });
  }
  // Rotating the link key would invalidate every mute link in alerts already sent (7 days' worth);
  // the key never leaves Secrets Manager and the two functions, and can be rotated by hand (README).
  if (stack.mutePage) {
    Validations.of(stack.mutePage.linkKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The mute-link HMAC key is not rotated automatically: rotation would break the links in alerts already sent; rotate by hand (README).',
    });
  }
  // cloudtrail:LookupEvents has no resource-level permissions: "*" is the only valid resource. The
  // policy is a guardrail (an upper bound on what Slack users can do via Chatbot), granting nothing.
  if (stack.chatbot) {
    Validations.of(stack.chatbot.guardrail).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudtrail:LookupEvents supports no resource-level permissions; the policy is a Chatbot guardrail (an upper bound), not a grant.',
    });
  }
}
