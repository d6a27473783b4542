/**
 * Detection state (threshold windows, first-seen memory) on the stack's DynamoDB table, keeping the
 * `DetectionStateStore` contract of functions/core/detect/state-store.ts with conditional writes only
 * (no transactions: dynalite has none, and one item per key needs none).
 *
 * Item `<prefix><key>` (prefix `detect#` by default, so detection state never collides with delivery,
 * mute or dedupe items in the same table):
 *   { pk, value: S (the JSON of the value), version: N, expiresAtMs: N (the exact expiry, epoch ms),
 *     expiresAt: N (the TTL attribute, epoch *seconds*, rounded up so TTL never deletes a live item) }
 *
 *   - `get`: GetItem with ConsistentRead; an item with `expiresAtMs <= now` (injected clock) reads as
 *     absent: TTL deletion is lazy in DynamoDB (up to days) and missing in dynalite.
 *   - `put(expectedVersion 0)`: PutItem IF `attribute_not_exists(pk) OR expiresAtMs <= :now`, so an
 *     expired item that TTL has not deleted yet is overwritten exactly as if it were absent;
 *   - `put(expectedVersion v > 0)`: PutItem IF `version = :v AND expiresAtMs > :now`, so a write
 *     never lands over a newer write, nor over an item that expired since it was read (the in-memory
 *     store behaves the same way);
 *   - a failed condition answers `false` (updateState retries with a fresh read); every other failure
 *     throws `DetectionStateError` naming the operation and key, with the SDK error as `cause`; a
 *     value over MAX_STATE_BYTES throws `StateValueTooLargeError` before any request; a stored item
 *     that cannot be read back (bad JSON, missing version) throws `DetectionStateError` (code
 *     `corrupt`) rather than being treated as absent, so a bug never silently resets state.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MAX_STATE_BYTES, type DetectionStateStore, type StateItem } from '../../core/detect/state-store';
import { errorLine } from '../../core/common/text';

export const DETECTION_KEY_PREFIX = 'detect#';

export type DetectionStateErrorCode = 'read' | 'write' | 'corrupt';

export class DetectionStateError extends Error {
  constructor(
    readonly code: DetectionStateErrorCode,
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`detection state ${key}: ${message}`, options);
    this.name = 'DetectionStateError';
  }
}

export class StateValueTooLargeError extends RangeError {
  constructor(
    readonly key: string,
    readonly bytes: number,
  ) {
    super(`detection state ${key}: value of ${bytes} bytes is over ${MAX_STATE_BYTES} bytes`);
    this.name = 'StateValueTooLargeError';
  }
}

export interface DynamoStateStoreOptions {
  tableName: string;
  /** Prepended to every key. Default `detect#`. */
  prefix?: string;
  /** The clock expiry is checked against (epoch ms). Default Date.now. */
  now?: () => number;
}

export class DynamoStateStore implements DetectionStateStore {
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoStateStoreOptions,
  ) {
    this.prefix = options.prefix ?? DETECTION_KEY_PREFIX;
    this.now = options.now ?? Date.now;
  }

  async get<T>(key: string): Promise<StateItem<T> | undefined> {
    let item;
    try {
      item = (await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { pk: { S: this.prefix + key } }, ConsistentRead: true }))).Item;
    } catch (e) {
      throw new DetectionStateError('read', key, `could not be read (${errorLine(e)})`, { cause: e });
    }
    if (item === undefined) return undefined;
    const expiresAt = Number(item.expiresAtMs?.N);
    const version = Number(item.version?.N);
    if (!Number.isFinite(expiresAt) || !Number.isInteger(version) || version < 1 || item.value?.S === undefined) {
      throw new DetectionStateError('corrupt', key, 'stored item lacks value, version or expiresAtMs');
    }
    if (expiresAt <= this.now()) return undefined;
    let value: T;
    try {
      value = JSON.parse(item.value.S) as T;
    } catch (e) {
      throw new DetectionStateError('corrupt', key, `stored value is not JSON (${errorLine(e)})`, { cause: e });
    }
    return { value, version, expiresAt };
  }

  async put<T>(key: string, value: T, expectedVersion: number, expiresAt: number): Promise<boolean> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`detection state ${key}: value is not JSON data`);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_STATE_BYTES) throw new StateValueTooLargeError(key, bytes);
    const first = expectedVersion === 0;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: { S: this.prefix + key },
            value: { S: json },
            version: { N: String(expectedVersion + 1) },
            expiresAtMs: { N: String(expiresAt) },
            expiresAt: { N: String(Math.ceil(expiresAt / 1000)) },
          },
          ConditionExpression: first ? 'attribute_not_exists(pk) OR expiresAtMs <= :now' : 'version = :v AND expiresAtMs > :now',
          ExpressionAttributeValues: first ? { ':now': { N: String(this.now()) } } : { ':now': { N: String(this.now()) }, ':v': { N: String(expectedVersion) } },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw new DetectionStateError('write', key, `could not be written (${errorLine(e)})`, { cause: e });
    }
  }
}
