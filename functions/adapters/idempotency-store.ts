/**
 * "Send each alert once" on DynamoDB, with conditional writes only (no transactions, and no reliance
 * on TTL deletion: expiry is checked on write).
 *
 * A delivery key (alert id + channel) moves through: absent -> inflight (claimed, with a lease) ->
 * sent. A claim succeeds when the key is absent, expired, or inflight with an expired lease (the
 * claimant crashed). A failed delivery releases its claim so the retry can go at once. A crash
 * between delivery and `markSent` re-delivers after the lease: at least once, never silently dropped.
 *
 * With `owner` (the local `watch`), each claim names its claimant, and an inflight claim whose owner
 * `isGone` says has ended (a killed process) is taken over at once instead of after the lease, by a
 * conditional write on the claim being exactly the one read (so two takers cannot both win).
 *
 * Copies of a cross-account call (core/copies.ts) share their alert id, so the claim above decides
 * which copy delivers. Each copy is also added to the alert's set of copies, `<alert id>#copies`
 * (UpdateItem ADD to a string set: atomic and idempotent, so concurrent, retried and late copies
 * all end up in it, each once), which answers every copy recorded so far.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export type ClaimResult = 'claimed' | 'alreadySent' | 'inflight';

export interface IdempotencyStore {
  claim(key: string): Promise<ClaimResult>;
  markSent(key: string): Promise<void>;
  release(key: string): Promise<void>;
  /** Adds one copy (`copyKey`) to the alert's set of copies; answers every copy in the set, this one included. */
  recordCopy(alertId: string, copy: string): Promise<string[]>;
}

export interface DynamoIdempotencyOptions {
  tableName: string;
  /** How long a claim blocks other deliveries of the same key. Default 2 minutes. */
  leaseMs?: number;
  /** How long a sent key is remembered (TTL attribute `expiresAt`). Default 15 days: longer than every retry window and the dead-letter queue's 14-day retention, so a redrive never re-sends. */
  retentionMs?: number;
  now?: () => number;
  /** Names this claimant in its claims (e.g. a process); without it claims carry no owner. */
  owner?: string;
  /** Whether the claimant that wrote an inflight claim has ended, so the claim can be taken over now. */
  isGone?: (owner: string) => boolean;
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoIdempotencyOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 120_000;
    this.retentionMs = options.retentionMs ?? 15 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  async claim(key: string): Promise<ClaimResult> {
    const now = this.now();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: this.claimItem(key, now),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowSec OR (#status = :inflight AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': { N: String(now) },
            ':nowSec': { N: String(Math.floor(now / 1000)) },
            ':inflight': { S: 'inflight' },
          },
        }),
      );
      return 'claimed';
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const got = await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    if (got.Item?.status?.S === 'sent') return 'alreadySent';
    const owner = got.Item?.owner?.S;
    const lease = got.Item?.leaseUntil?.N;
    if (owner === undefined || lease === undefined || !this.options.isGone?.(owner)) return 'inflight';
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: this.claimItem(key, now),
          ConditionExpression: '#status = :inflight AND #owner = :owner AND leaseUntil = :lease',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: { ':inflight': { S: 'inflight' }, ':owner': { S: owner }, ':lease': { N: lease } },
        }),
      );
      return 'claimed';
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return 'inflight'; // someone else took it over (or it was sent) meanwhile: ask again later
    }
  }

  private claimItem(key: string, now: number): Record<string, AttributeValue> {
    return {
      pk: { S: key },
      status: { S: 'inflight' },
      leaseUntil: { N: String(now + this.leaseMs) },
      expiresAt: { N: String(Math.floor((now + this.retentionMs) / 1000)) },
      ...(this.options.owner !== undefined ? { owner: { S: this.options.owner } } : {}),
    };
  }

  async markSent(key: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: key } },
        UpdateExpression: 'SET #status = :sent, sentAt = :now, expiresAt = :exp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sent': { S: 'sent' },
          ':now': { N: String(this.now()) },
          ':exp': { N: String(Math.floor((this.now() + this.retentionMs) / 1000)) },
        },
      }),
    );
  }

  async recordCopy(alertId: string, copy: string): Promise<string[]> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: `${alertId}#copies` } },
        UpdateExpression: 'ADD copies :copy SET expiresAt = :exp',
        ExpressionAttributeValues: {
          ':copy': { SS: [copy] },
          ':exp': { N: String(Math.floor((this.now() + this.retentionMs) / 1000)) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return [...(out.Attributes?.copies?.SS ?? [copy])].sort();
  }

  async release(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: key } },
          ConditionExpression: '#status = :inflight',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inflight': { S: 'inflight' } },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
}
