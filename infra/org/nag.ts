/**
 * cdk-nag AwsSolutions findings the spoke accepts, each with its reason (as infra/nag.ts does for
 * the hub). Applied by the construct itself, so the spoke stacks and the StackSet's template carry
 * the same acknowledgements; test/infra/org.test.ts checks every spoke is otherwise clean.
 */
import { Validations } from 'aws-cdk-lib';
import type { SpokeForwarding } from './spoke';

export function acknowledgeSpokeFindings(spoke: SpokeForwarding): void {
  // The queue is itself the dead-letter queue of the forwarding targets; a dead-letter queue of a
  // dead-letter queue would only move the problem.
  Validations.of(spoke.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: "This queue is the spoke's dead-letter queue (the EventBridge targets that forward to the hub bus).",
  });
}
