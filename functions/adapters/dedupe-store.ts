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
 * Each alert's decision is stored too (`dedupe-decision#<alert id>`), so a retried or redriven alert
 * gets the same answer (delivered with the same "and N more", or held back without counting twice).
 * Window items expire (TTL) 30 days after their window, so a quiet key still reports its last count,
 * and never sooner than 30 days after they were written: windows are in event time, and a window of
 * history (`watch --since 60d`) is live while that history is read, whatever its event time (the
 * embedded store's sweep, state-sweep.ts, deletes by this TTL as DynamoDB does).
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DedupeDecision, DedupeState } from '../core/suppress/dedupe';

const KEEP_MS = 30 * 86_400_000;
/** Decisions are kept as long as delivery records (a redrive from the 14-day dead-letter queue still finds them). */
const DECISION_KEEP_MS = 15 * 86_400_000;

export class DynamoDedupeState implements DedupeState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async admit(key: string, alertId: string, at: number, windowMs: number): Promise<DedupeDecision> {
    // A retried or redriven alert gets its first decision again (and is not counted twice).
    const decisionKey = { S: `dedupe-decision#${alertId}` };
    const prior = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: decisionKey }, ConsistentRead: true }));
    if (prior.Item?.decision?.S) return JSON.parse(prior.Item.decision.S) as DedupeDecision;
    const decision = await this.decide(key, alertId, at, windowMs);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: decisionKey, decision: { S: JSON.stringify(decision) }, expiresAt: { N: String(Math.floor((Date.now() + DECISION_KEEP_MS) / 1000)) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return decision;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const stored = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: decisionKey }, ConsistentRead: true }));
      return stored.Item?.decision?.S ? (JSON.parse(stored.Item.decision.S) as DedupeDecision) : decision;
    }
  }

  private async decide(key: string, alertId: string, at: number, windowMs: number): Promise<DedupeDecision> {
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
              expiresAt: { N: String(Math.floor((Math.max(at + windowMs, Date.now()) + KEEP_MS) / 1000)) },
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
            // Only an event inside the open window is held back by it: an older one, arriving late
            // (CloudTrail delivery is not ordered), had no alert delivered for its own time.
            ConditionExpression: 'windowStart <= :at AND windowEnd > :at AND firstAlertId <> :id',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':at': { N: String(at) }, ':id': { S: alertId } },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { deliver: false, windowStart: new Date(Number(out.Attributes?.windowStart?.N ?? at)).toISOString() };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const got = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }));
      const start = Number(got.Item?.windowStart?.N);
      const end = Number(got.Item?.windowEnd?.N);
      if (got.Item?.firstAlertId?.S === alertId && end > at) return { deliver: true };
      if (Number.isFinite(start) && at < start) return { deliver: true };
    }
    throw new Error(`dedupe window ${key} kept changing; giving up (the alert is retried)`);
  }
}
