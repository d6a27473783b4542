/**
 * `rekwatch redrive`: takes events from the dead-letter queue and evaluates them again, by invoking
 * the deployed evaluate function asynchronously with each original event (its idempotency store
 * keeps alerts that did go out from going out twice). A message is deleted only after its event was
 * handed to Lambda. `--dry-run` evaluates the events locally with `--rules` instead and deletes nothing.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseAlertMessage } from '../core/publish/alert-message';
import { parseDeadLetter } from '../core/publish/dlq-message';
import { Evaluator } from '../core/match/evaluator';
import { awsErrorLine, isAwsError } from './aws-error';
import { writeLine, type CliIo } from './io';
import { loadRulesForCommand } from './load-rules';

export interface RedriveOptions {
  queueUrl: string;
  function?: string;
  max: number;
  dryRun?: boolean;
  rules: string;
}

export interface RedriveClients {
  sqs: SQSClient;
  lambda: LambdaClient;
}

/** `event <CloudTrail eventID>` for the evaluate function's events, `alert <id>` for the Slack forwarder's. */
function describeEvent(event: Record<string, unknown>): string {
  const eventId = (event.detail as { eventID?: unknown } | undefined)?.eventID;
  if (typeof eventId === 'string') return `event ${eventId}`;
  const message = (event.Records as Array<{ Sns?: { Message?: unknown } }> | undefined)?.[0]?.Sns?.Message;
  if (typeof message === 'string') {
    const alert = parseAlertMessage(message);
    return alert.ok ? `alert ${alert.alert.id}` : 'SNS notification';
  }
  return 'event (no eventID)';
}

export async function redriveCommand(opts: RedriveOptions, io: CliIo, clients: RedriveClients): Promise<number> {
  try {
    return await redrive(opts, io, clients);
  } catch (e) {
    // Receiving from the queue failed (no credentials, no region, no such queue, access denied):
    // nothing was deleted, so nothing is lost; say it in one line, as every AWS command does.
    if (!isAwsError(e)) throw e;
    writeLine(io.stderr, awsErrorLine('redrive', e));
    return 1;
  }
}

async function redrive(opts: RedriveOptions, io: CliIo, clients: RedriveClients): Promise<number> {
  if (!opts.dryRun && !opts.function) {
    writeLine(io.stderr, 'rekwatch redrive: --function NAME is required (or use --dry-run to evaluate locally)');
    return 2;
  }
  let evaluator: Evaluator | undefined;
  if (opts.dryRun) {
    const load = loadRulesForCommand(opts.rules, io);
    if (!load || !load.ok) return 1;
    evaluator = new Evaluator(load.pack, { copies: 'each' }); // each dead letter as the function would see it
  }
  const counts = { received: 0, redriven: 0, unreadable: 0, alerts: 0, failed: 0 };
  while (counts.received < opts.max) {
    const batch = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: Math.min(10, opts.max - counts.received),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = batch.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      counts.received++;
      const attributes = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      const dl = parseDeadLetter(m.Body ?? '', attributes);
      if (!dl.ok) {
        counts.unreadable++;
        writeLine(io.stderr, `message ${m.MessageId}: cannot redrive: ${dl.reason} (left in the queue)`);
        continue;
      }
      const label = describeEvent(dl.event);
      const eventId = (dl.event.detail as { eventID?: string } | undefined)?.eventID ?? '(no eventID)';
      if (evaluator) {
        const ev = await evaluator.evaluate(dl.event);
        counts.alerts += ev.alerts.length;
        writeLine(io.stdout, JSON.stringify({ messageId: m.MessageId, eventId, failedBecause: dl.reason, status: ev.status, alerts: ev.alerts.map((a) => a.id) }));
        continue;
      }
      try {
        const out = await clients.lambda.send(
          new InvokeCommand({ FunctionName: opts.function, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(dl.event)) }),
        );
        if (out.StatusCode !== 202) throw new Error(`Lambda answered ${out.StatusCode}`);
        await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.ReceiptHandle }));
        counts.redriven++;
        writeLine(io.stdout, `redriven ${label} (failed before: ${dl.reason})`);
      } catch (e) {
        counts.failed++;
        writeLine(io.stderr, `message ${m.MessageId}: redrive failed: ${(e as Error).message} (left in the queue)`);
      }
    }
  }
  writeLine(io.stderr, JSON.stringify(counts));
  return counts.failed > 0 || counts.unreadable > 0 ? 1 : 0;
}
