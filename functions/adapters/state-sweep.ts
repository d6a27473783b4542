/**
 * Expired items out of the embedded state store. DynamoDB deletes an item some time after its TTL
 * attribute (`expiresAt`, epoch seconds) has passed; dynalite never does, so a local `watch` that runs
 * for weeks would keep every dedupe decision and window, delivery key and detection window it ever
 * wrote, on disk. `sweepExpired` does what TTL does, with one difference that matters locally:
 * detection state (`detect#` items, detection-state/dynamo-state-store.ts) expires on the detection
 * clock, the event-time watermark of the watch that owns it (cli/watch-detect.ts), not on the wall
 * clock. History read with `watch --since 7d` holds windows whose TTL passed a week ago and that
 * are live all the same; so those items are deleted only when their exact `expiresAtMs` is at or
 * before that clock, and not at all without one.
 *
 * Each store sets its TTL so that DynamoDB may delete the item any time after it with no change in
 * results (the delivery ledger and dedupe decisions by the wall clock, dedupe windows no sooner than
 * 30 days after they were written, whatever their event time), so a sweep changes no result either.
 * Each delete is conditional on the item still being expired, so an item rewritten between the scan
 * and the delete stays; a sweep can stop after any page (`enough`) and go on later (`from`).
 */
import { ConditionalCheckFailedException, DeleteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DETECTION_KEY_PREFIX } from './detection-state/dynamo-state-store';

export interface SweepClocks {
  /** Wall-clock time (epoch ms): items other than detection state expire against it. */
  nowMs: number;
  /** The detection clock (epoch ms of event time); without it no detection item is deleted. */
  detectionMs?: number;
}

export interface SweepResult {
  /** Items the scan read. */
  scanned: number;
  /** Expired items deleted. */
  deleted: number;
  /** Where the scan stopped when it ran out of time or was stopped: `from` for the next sweep. Absent when the whole table was read. */
  next?: Record<string, AttributeValue>;
}

export interface SweepOptions {
  /** The detection items' key prefix (default `detect#`). */
  prefix?: string;
  /** Items per scan page (default 500). */
  pageSize?: number;
  /** Where to start: a previous sweep's `next`. */
  from?: Record<string, AttributeValue>;
  /**
   * Stop after the page being read once this is true (a time budget, a stop signal): a store left to
   * grow for months holds far more expired items than one sweep should take time for. The next sweep
   * goes on from `next`.
   */
  enough?: () => boolean;
}

/** Deletes at once, per page. */
const DELETES_AT_ONCE = 16;

/** The condition an expired item meets, and its values: the scan's filter and each delete's condition. */
function expiredWhen(clocks: SweepClocks, prefix: string): { expression: string; values: Record<string, AttributeValue> } {
  const values: Record<string, AttributeValue> = { ':prefix': { S: prefix }, ':nowSec': { N: String(Math.floor(clocks.nowMs / 1000)) } };
  // TTL's own rule: an `expiresAt` (seconds) before now.
  let expression = '(NOT begins_with(pk, :prefix) AND expiresAt < :nowSec)';
  if (clocks.detectionMs !== undefined && Number.isFinite(clocks.detectionMs)) {
    values[':detection'] = { N: String(Math.floor(clocks.detectionMs)) };
    // The detection store's own rule: read as absent once `expiresAtMs <= now` on its clock.
    expression += ' OR (begins_with(pk, :prefix) AND expiresAtMs <= :detection)';
  }
  return { expression, values };
}

/** Deletes every expired item of the table (see the module comment); what it read and deleted. */
export async function sweepExpired(client: DynamoDBClient, tableName: string, clocks: SweepClocks, options: SweepOptions = {}): Promise<SweepResult> {
  const { expression, values } = expiredWhen(clocks, options.prefix ?? DETECTION_KEY_PREFIX);
  const result: SweepResult = { scanned: 0, deleted: 0 };
  let start = options.from;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: 'pk',
        FilterExpression: expression,
        ExpressionAttributeValues: values,
        Limit: options.pageSize ?? 500,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    result.scanned += page.ScannedCount ?? 0;
    const keys = (page.Items ?? []).flatMap((item) => (item.pk === undefined ? [] : [item.pk]));
    for (let i = 0; i < keys.length; i += DELETES_AT_ONCE) {
      const done = await Promise.all(keys.slice(i, i + DELETES_AT_ONCE).map((pk) => deleteIfExpired(client, tableName, pk, expression, values)));
      result.deleted += done.filter(Boolean).length;
    }
    start = page.LastEvaluatedKey;
    if (start && options.enough?.()) return { ...result, next: start };
  } while (start);
  return result;
}

/** One item's delete, if it is still expired; whether it was deleted. */
async function deleteIfExpired(client: DynamoDBClient, tableName: string, pk: AttributeValue, expression: string, values: Record<string, AttributeValue>): Promise<boolean> {
  try {
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk }, ConditionExpression: expression, ExpressionAttributeValues: values }));
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false; // rewritten since the scan: live again
    throw e;
  }
}
