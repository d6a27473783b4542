/**
 * Mutes on the DynamoDB API: the stack's table in AWS, the embedded dynalite locally (the same code).
 *
 *   pk "mutes"          the live set: `{ version, mutes: JSON }`, replaced with optimistic concurrency
 *                       (a conditional write on `version`), so concurrent mutes never lose each other.
 *                       One GetItem gives the evaluate function everything it needs.
 *   pk "mute#<id>"      each mute's audit record, kept after expiry or removal: who, when, why, until
 *                       when, who ended it, and how many alerts it suppressed (`ADD suppressed 1`).
 *                       TTL (`expiresAt`) cleans it up 90 days after the mute ends.
 *
 * Expiry is checked on every read (`isLive`), never left to TTL. No transactions, no Scan on the
 * Lambda's path (the history listing, a CLI-only operation, scans for the `mute#` prefix).
 */
import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { isLive, type Mute } from '../core/mutes/mute';

export const LIVE_KEY = 'mutes';
const AUDIT_PREFIX = 'mute#';
const HISTORY_RETENTION_MS = 90 * 24 * 3_600_000;
/** The live set is one item (DynamoDB items are at most 400 KB): at most this many live mutes. */
export const MAX_LIVE_MUTES = 500;

export interface MuteRecord extends Mute {
  /** Alerts this mute kept from being delivered. */
  suppressed: number;
  lastSuppressedAt?: string;
}

export class MuteNotFound extends Error {}
export class MuteLimitError extends Error {}

export interface MuteStoreOptions {
  tableName: string;
  now?: () => number;
}

/**
 * `m-` and 10 characters of base32 (50 bits): short enough to type in `rekwatch unmute`. From
 * random bytes, or from given ones (a deterministic id makes a repeated submission idempotent).
 */
export function newMuteId(seed: Buffer = randomBytes(10)): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return `m-${Array.from(seed.subarray(0, 10), (b) => alphabet[b % alphabet.length]).join('')}`;
}

function auditItem(m: Mute): Record<string, AttributeValue> {
  const end = Date.parse(m.removedAt ?? m.expiresAt);
  return {
    pk: { S: AUDIT_PREFIX + m.id },
    mute: { S: JSON.stringify(m) },
    expiresAt: { N: String(Math.floor((end + HISTORY_RETENTION_MS) / 1000)) },
  };
}

function fromAudit(item: Record<string, AttributeValue>): MuteRecord {
  const m = JSON.parse(item.mute!.S!) as Mute;
  return { ...m, suppressed: Number(item.suppressed?.N ?? 0), ...(item.lastSuppressedAt?.S ? { lastSuppressedAt: item.lastSuppressedAt.S } : {}) };
}

export class MuteStore {
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: MuteStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private get table(): string {
    return this.options.tableName;
  }

  /** The live set as stored (expired entries included until the next write prunes them). */
  private async readSet(consistent: boolean): Promise<{ version: number; mutes: Mute[] }> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: LIVE_KEY } }, ConsistentRead: consistent }));
    if (!got.Item) return { version: 0, mutes: [] };
    return { version: Number(got.Item.version?.N ?? 0), mutes: JSON.parse(got.Item.mutes?.S ?? '[]') as Mute[] };
  }

  /** Rewrites the live set with `change` applied, retrying when another writer got there first. */
  private async updateSet(change: (mutes: Mute[]) => Mute[]): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const { version, mutes } = await this.readSet(true);
      const next = change(mutes).filter((m) => isLive(m, this.now()));
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: { pk: { S: LIVE_KEY }, version: { N: String(version + 1) }, mutes: { S: JSON.stringify(next) } },
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': { N: String(version) } } }),
          }),
        );
        return;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new Error('the mute list is changing too fast; try again');
  }

  /**
   * Stores a validated mute (see checkMuteInput) and returns it with its id. With an explicit `id`
   * the call is idempotent: a mute with that id already on record is returned as it is.
   */
  async create(mute: Omit<Mute, 'id'>, id?: string): Promise<Mute> {
    let stored: Mute = { id: id ?? newMuteId(), ...mute };
    if ((await this.live()).length >= MAX_LIVE_MUTES) throw new MuteLimitError(`${MAX_LIVE_MUTES} mutes are live already; end some (rekwatch mutes, unmute) or fix the rules for good`);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: auditItem(stored), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) || id === undefined) throw e;
      // The same submission again: finish what the first one may not have (the live-set write).
      const existing = await this.get(id);
      if (!existing) throw e;
      stored = stripCounts(existing);
      if (!isLive(stored, this.now())) return stored;
    }
    await this.updateSet((mutes) => [...mutes.filter((m) => m.id !== stored.id), stored]);
    // Ended meanwhile (an undo raced this create)? Then it must not stay in the live set.
    const after = await this.get(stored.id);
    if (after?.removedAt) await this.updateSet((mutes) => mutes.filter((m) => m.id !== stored.id));
    return stored;
  }

  /** Ends a mute now; its audit record stays. Throws MuteNotFound for an unknown or already ended mute. */
  async remove(id: string, removedBy: string): Promise<Mute> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: AUDIT_PREFIX + id } }, ConsistentRead: true }));
    if (!got.Item) throw new MuteNotFound(`no mute with id ${id}`);
    const mute = fromAudit(got.Item);
    if (mute.removedAt) {
      // A removal whose live-set step failed is finished here (idempotent), so a retry always works.
      await this.updateSet((mutes) => mutes.filter((m) => m.id !== id));
      throw new MuteNotFound(`mute ${id} was already removed (by ${mute.removedBy} at ${mute.removedAt})`);
    }
    if (!isLive(mute, this.now())) throw new MuteNotFound(`mute ${id} already expired at ${mute.expiresAt}`);
    const ended: Mute = { ...stripCounts(mute), removedAt: new Date(this.now()).toISOString(), removedBy };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: AUDIT_PREFIX + id } },
          UpdateExpression: 'SET mute = :m, expiresAt = :exp',
          ConditionExpression: 'mute = :old',
          ExpressionAttributeValues: { ':m': { S: JSON.stringify(ended) }, ':exp': auditItem(ended).expiresAt!, ':old': got.Item.mute! },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new MuteNotFound(`mute ${id} was changed by someone else meanwhile; look again with \`rekwatch mutes\``);
      throw e;
    }
    await this.updateSet((mutes) => mutes.filter((m) => m.id !== id));
    return ended;
  }

  /** Live mutes, oldest first: one GetItem (eventually consistent is fine: a new mute shows within a second). */
  async live(): Promise<Mute[]> {
    const { mutes } = await this.readSet(false);
    return mutes.filter((m) => isLive(m, this.now()));
  }

  async get(id: string): Promise<MuteRecord | undefined> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: AUDIT_PREFIX + id } }, ConsistentRead: true }));
    return got.Item ? fromAudit(got.Item) : undefined;
  }

  /** Every mute still on record (the last 90 days after each ended), newest first. CLI only: a Scan. */
  async history(): Promise<MuteRecord[]> {
    const out: MuteRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: AUDIT_PREFIX } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(fromAudit(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Counts one suppressed alert against the mute (atomic ADD; concurrent invocations are safe). */
  async recordSuppressed(id: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: AUDIT_PREFIX + id } },
        UpdateExpression: 'ADD suppressed :one SET lastSuppressedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':at': { S: new Date(this.now()).toISOString() } },
      }),
    );
  }
}

function stripCounts(m: MuteRecord): Mute {
  const { suppressed: _s, lastSuppressedAt: _l, ...mute } = m;
  return mute;
}
