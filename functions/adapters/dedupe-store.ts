/**
 * Dedupe windows on DynamoDB (the state table), correct under concurrent Lambda invocations with
 * conditional writes only:
 *
 *   1. open a window: PutItem `dedupe#<key>` { windowStart, windowEnd, suppressed: 0, firstAlertId }
 *      IF the item is absent or its window has ended (ReturnValues ALL_OLD: the ended window's count
 *      becomes "and N more since ..." on this alert) -> deliver;
 *   2. else count into the open window: UpdateItem ADD suppressed 1 IF the window is still open and
 *      was not opened by this very alert -> hold back;
 *   3. else, if this alert opened the window (a retry), deliver it again; otherwise the window ended
 *      between 1 and 2: start over.
 *
 * Items expire (TTL) 30 days after their window, so a quiet key still reports its last count.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DedupeDecision, DedupeState } from '../core/dedupe';

const KEEP_MS = 30 * 86_400_000;

export class DynamoDedupeState implements DedupeState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async admit(key: string, alertId: string, at: number, windowMs: number): Promise<DedupeDecision> {
    const pk = { S: `dedupe#${key}` };
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        const out = await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk,
              windowStart: { N: String(at) },
              windowEnd: { N: String(at + windowMs) },
              suppressed: { N: '0' },
              firstAlertId: { S: alertId },
              expiresAt: { N: String(Math.floor((at + windowMs + KEEP_MS) / 1000)) },
            },
            ConditionExpression: 'attribute_not_exists(pk) OR windowEnd <= :at',
            ExpressionAttributeValues: { ':at': { N: String(at) } },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const old = out.Attributes;
        const count = Number(old?.suppressed?.N ?? 0);
        return count > 0 ? { deliver: true, previous: { count, since: new Date(Number(old!.windowStart!.N)).toISOString() } } : { deliver: true };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      try {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk },
            UpdateExpression: 'ADD suppressed :one',
            ConditionExpression: 'windowEnd > :at AND firstAlertId <> :id',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':at': { N: String(at) }, ':id': { S: alertId } },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { deliver: false, windowStart: new Date(Number(out.Attributes?.windowStart?.N ?? at)).toISOString() };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const got = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }));
      if (got.Item?.firstAlertId?.S === alertId && Number(got.Item.windowEnd?.N) > at) return { deliver: true };
    }
    throw new Error(`dedupe window ${key} kept changing; giving up (the alert is retried)`);
  }
}
