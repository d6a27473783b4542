/**
 * cdk-nag AwsSolutions findings rekwatch accepts, each with its reason. Everything else must pass:
 * `cdk synth` fails on an unacknowledged finding, and test/infra/nag.test.ts checks the stack.
 */
import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { Backtest } from './backtest/backtest';
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

/** The backtest fan-out's wildcards (infra/backtest/backtest.ts), each scoped to what it must reach. */
export function acknowledgeBacktest(backtest: Backtest): void {
  const stack = Stack.of(backtest);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const results = id(backtest.resultsBucket);
  const fn = id(backtest.worker);
  const machine = id(backtest.stateMachine);
  // cdk-nag writes a concrete region or account as it is, an unresolved one as its pseudo parameter.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const executions = `arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machine}"}]}]}`;
  const worker = backtest.worker.role;
  if (worker) {
    Validations.of(worker).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${backtest.trailBucketName}/*AWSLogs/*]`,
      reason: 'Read-only (s3:GetObject) on the trail bucket\'s log files, whose keys hold the account, region and date; the wildcard also admits a trail key prefix before AWSLogs/.',
    });
    Validations.of(worker).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${results}.Arn>/runs/*]`,
      reason: 'The worker writes (s3:PutObject only) one result object per batch under runs/RUN/batches/ of the backtest results bucket; run ids are made per execution.',
    });
  }
  const role = backtest.stateMachine.role;
  const acks: Array<[string, string]> = [
    [`Resource::arn:<AWS::Partition>:s3:::<${results}>/*`, 'The Distributed Map reads the manifest (ItemReader) and writes its result files (ResultWriter) in the backtest results bucket, whose keys are made per run.'],
    [`Resource::<${fn}.Arn>:*`, 'CDK grants invoke on the worker function and its versions/aliases (LambdaInvoke); it is the one function the state machine runs.'],
    ['Resource::*', 'X-Ray trace segments and CloudWatch Logs delivery (vended logs) support no resource-level permissions; granted by CDK for tracing and logging, which cdk-nag asks for.'],
    [`Resource::${executions}:*`, 'A Distributed Map describes and stops its own child executions, whose names Step Functions makes; limited to this state machine.'],
    [`Resource::${executions}/Batches:*`, 'Redrive of this state machine\'s own Map run (the Batches label), granted by CDK for the Distributed Map.'],
  ];
  // The role's default policy, and the Distributed Map's own policy (a child of the state machine).
  for (const [what, reason] of acks) for (const scope of [role, backtest.stateMachine]) Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${what}]`, reason });
}
