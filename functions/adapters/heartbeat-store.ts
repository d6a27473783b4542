/**
 * Last heartbeat per account and region in the state table: one item `heartbeat#<account>#<region>`
 * with `lastAt` (ms; the event's time when it has one, else when it arrived). A conditional write
 * keeps the newest, so a retried or late heartbeat never moves it back; `expiresAt` lets an account
 * or region that stopped being covered disappear after 30 days. Read by `rekwatch coverage`.
 */
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { heartbeatKey, type Heartbeat, type HeartbeatRecorder } from '../core/heartbeat/heartbeat';

const KEEP_MS = 30 * 24 * 3_600_000;

export class DynamoHeartbeatStore implements HeartbeatRecorder {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(heartbeat: Heartbeat, receivedAt: number): Promise<void> {
    const at = heartbeat.at ?? receivedAt;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: heartbeatKey(heartbeat.account, heartbeat.region) },
            account: { S: heartbeat.account },
            region: { S: heartbeat.region },
            lastAt: { N: String(at) },
            receivedAt: { N: String(receivedAt) },
            ...(heartbeat.eventId ? { eventId: { S: heartbeat.eventId } } : {}),
            expiresAt: { N: String(Math.floor((receivedAt + KEEP_MS) / 1000)) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR lastAt < :at',
          ExpressionAttributeValues: { ':at': { N: String(at) } },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return; // a newer heartbeat is already there
      throw e;
    }
  }
}
