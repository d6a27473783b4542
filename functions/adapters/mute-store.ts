/**
 * Mutes on the DynamoDB API: the stack's table in AWS, the embedded dynalite locally (the same code).
 *
 *   pk "mutes"          the live set: `{ version, mutes: JSON }`, replaced with optimistic concurrency
 *                       (a conditional write on `version`), so concurrent mutes never lose each other.
 *                       It is an index of what may apply, never the authority: see below.
 *   pk "mute#<id>"      each mute's audit record, kept after expiry or removal: who, when, why, until
 *                       when, who ended it, and how many alerts it suppressed (`ADD suppressed 1`).
 *                       TTL (`expiresAt`) cleans it up 90 days after the mute ends. What `rekwatch
 *                       mutes` shows.
 *
 * Reading live mutes (`liveSet`, `live`): one GetItem of the live set, then one BatchGetItem (per 100)
 * of the audit records it names (strongly consistent: the audit record is written first). A mute
 * applies only as its audit record says, and only if that record is valid and live; an entry with no
 * audit record, an invalid one, or one that differs from its record is reported as a problem (the
 * Lambda logs it, `rekwatch mutes` shows it) and never applied, so nothing that writes only the live
 * set can silence alerts unseen. Nothing repairs such an entry automatically (it is evidence):
 * `rekwatch unmute <id>` removes it. Why not a signature on the entries: the CLI in AWS holds no key,
 * and an audited mute is exactly the guarantee wanted ("it shows in rekwatch mutes"); the read costs
 * one extra request per live-set read (every 30 s per Lambda container), none when nothing is muted.
 *
 * The live set is one item (DynamoDB: at most 400 KB): at most MAX_LIVE_MUTES mutes and
 * MAX_LIVE_SET_BYTES of JSON; a mute that would not fit is refused with MuteLimitError before it is
 * written (and ended, if a concurrent writer filled the set meanwhile).
 *
 * Expiry is checked on every read (`isLive`), never left to TTL. No transactions, no Scan on the
 * Lambda's path (the history listing, a CLI-only operation, scans for the `mute#` prefix).
 */
import { randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { checkStoredMute, describeMute, isLive, sameMute, utf8Bytes, type Mute } from '../core/suppress/mute';

export const LIVE_KEY = 'mutes';
const AUDIT_PREFIX = 'mute#';
const HISTORY_RETENTION_MS = 90 * 24 * 3_600_000;
/** At most this many live mutes (the live set is one item). */
export const MAX_LIVE_MUTES = 500;
/**
 * At most this many bytes of live-set JSON: DynamoDB refuses an item over 400 KB (names and values);
 * the rest is headroom for concurrent writers that each passed the check.
 */
export const MAX_LIVE_SET_BYTES = 300_000;

export interface MuteRecord extends Mute {
  /** Alerts this mute kept from being delivered. */
  suppressed: number;
  lastSuppressedAt?: string;
}

/** Something in the store that is not applied as it stands (an entry without audit record, ...). */
export interface MuteProblem {
  /** The mute id it concerns, when it has one. */
  id?: string;
  message: string;
}

export interface MuteListing {
  /** What applies: the audit records of the live mutes, oldest first. */
  records: MuteRecord[];
  problems: MuteProblem[];
}

export class MuteNotFound extends Error {}
export class MuteLimitError extends Error {}
/** `remove` of an id that only the live set had: the entry was taken out (it never applied). */
export class UnauditedEntryRemoved extends Error {}

export interface MuteStoreOptions {
  tableName: string;
  now?: () => number;
  /** Told about every problem `live()` finds (the Lambda logs them); `liveSet()` returns them instead. */
  onProblems?: (problems: MuteProblem[]) => void;
}

/**
 * `m-` and 10 characters of base32 (50 bits): short enough to type in `rekwatch unmute`. From
 * random bytes, or from given ones (a deterministic id makes a repeated submission idempotent).
 */
export function newMuteId(seed: Buffer = randomBytes(10)): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return `m-${Array.from(seed.subarray(0, 10), (b) => alphabet[b % alphabet.length]).join('')}`;
}

/** A live-set entry as read: anything at all, since anyone who can write the table can write it. */
type Entry = unknown;

const entryId = (e: Entry): string | undefined => {
  const id = typeof e === 'object' && e !== null ? (e as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
};

/** Whether a live-set entry is worth keeping: it names an id and does not say it has ended. */
function entryMayApply(e: Entry, now: number): boolean {
  if (entryId(e) === undefined) return false;
  const m = e as Partial<Mute>;
  return m.removedAt === undefined && typeof m.expiresAt === 'string' && now < Date.parse(m.expiresAt);
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

/** An audit item read back and checked (never throws): the record, or why it cannot be used. */
function checkAudit(item: Record<string, AttributeValue>): { ok: true; record: MuteRecord } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(item.mute?.S ?? '');
  } catch {
    return { ok: false, problem: 'its `mute` attribute is not JSON' };
  }
  const check = checkStoredMute(parsed);
  if (!check.ok) return { ok: false, problem: check.problem };
  if (item.pk?.S !== AUDIT_PREFIX + check.mute.id) return { ok: false, problem: `it is stored under ${item.pk?.S}, not ${AUDIT_PREFIX}${check.mute.id}` };
  return { ok: true, record: fromAudit(item) };
}

function liveSetBytes(entries: readonly Entry[]): number {
  return utf8Bytes(JSON.stringify(entries));
}

/** Throws MuteLimitError when `next` (the live set about to be written) would not fit. */
function checkRoom(next: readonly Entry[]): void {
  if (next.length > MAX_LIVE_MUTES) throw new MuteLimitError(`${MAX_LIVE_MUTES} mutes are live already; end some (rekwatch mutes, unmute) or fix the rules for good`);
  const bytes = liveSetBytes(next);
  if (bytes > MAX_LIVE_SET_BYTES) {
    throw new MuteLimitError(
      `the live mute list is full (${Math.ceil(bytes / 1000)} KB with this mute; it may use ${MAX_LIVE_SET_BYTES / 1000} KB of one 400 KB DynamoDB item): end some mutes (rekwatch mutes, unmute), or shorten long reasons and principals`,
    );
  }
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

  /** The live set as stored (expired and unchecked entries included); a set that is not a JSON array is a problem. */
  private async readSet(consistent: boolean): Promise<{ version: number; entries: Entry[]; problems: MuteProblem[] }> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: LIVE_KEY } }, ConsistentRead: consistent }));
    if (!got.Item) return { version: 0, entries: [], problems: [] };
    const version = Number(got.Item.version?.N ?? 0);
    try {
      const entries: unknown = JSON.parse(got.Item.mutes?.S ?? '[]');
      if (Array.isArray(entries)) return { version, entries, problems: [] };
    } catch {
      /* reported below */
    }
    return { version, entries: [], problems: [{ message: 'the live set (item "mutes") is not a JSON list: none of it is applied; the next mute or unmute rewrites it' }] };
  }

  /**
   * Rewrites the live set with `change` applied (entries that have ended or name no id are dropped),
   * retrying when another writer got there first. `guard` may refuse the result by throwing.
   */
  private async updateSet(change: (entries: Entry[]) => Entry[], guard?: (next: Entry[]) => void): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const { version, entries } = await this.readSet(true);
      const next = change(entries).filter((e) => entryMayApply(e, this.now()));
      guard?.(next);
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

  /** Puts an audited mute into the live set (unless it has ended), refusing it when the set is full. */
  private async addToSet(stored: Mute): Promise<Mute> {
    if (!isLive(stored, this.now())) return stored;
    // Already there (the same submission again): nothing to write, so replaying a link costs reads only.
    const { entries } = await this.readSet(true);
    if (entries.some((e) => entryId(e) === stored.id && checkStoredMute(e).ok && sameMute(e as Mute, stored))) return stored;
    try {
      await this.updateSet((entries) => [...entries.filter((e) => entryId(e) !== stored.id), stored], checkRoom);
    } catch (e) {
      // Full (a concurrent writer got the last room): end the audit record too, so that nothing
      // shows as live that does not apply.
      if (e instanceof MuteLimitError) await this.endAudit(stored, 'rekwatch (not applied: the live mute list was full)').catch(() => undefined);
      throw e;
    }
    // Ended meanwhile (an undo raced this create)? Then it must not stay in the live set.
    const after = await this.get(stored.id);
    if (after?.removedAt) {
      await this.updateSet((entries) => entries.filter((e) => entryId(e) !== stored.id));
      return stripCounts(after);
    }
    return stored;
  }

  /**
   * Stores a validated mute (see checkMuteInput) and returns it with its id. With an explicit `id`
   * the call is idempotent: a mute with that id already on record is returned as it is (ended or
   * not: an ended one is not made live again), after finishing a create that stopped half-way.
   */
  async create(mute: Omit<Mute, 'id'>, id?: string): Promise<Mute> {
    if (id !== undefined) {
      const existing = await this.get(id);
      if (existing) return this.addToSet(stripCounts(existing));
    }
    const stored: Mute = { id: id ?? newMuteId(), ...mute };
    // Refused before anything is written: the live set as it would be with this mute.
    const { entries } = await this.readSet(true);
    checkRoom([...entries.filter((e) => entryMayApply(e, this.now()) && entryId(e) !== stored.id), stored]);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: auditItem(stored), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) || id === undefined) throw e;
      // The same submission, concurrently: finish it as the first one would.
      const existing = await this.get(id);
      if (!existing) throw e;
      return this.addToSet(stripCounts(existing));
    }
    return this.addToSet(stored);
  }

  /** Marks an audit record ended (conditional on it being unchanged); undefined when someone changed it first. */
  private async endAudit(mute: Mute, removedBy: string, expected: AttributeValue = { S: JSON.stringify(mute) }): Promise<Mute | undefined> {
    const ended: Mute = { ...mute, removedAt: new Date(this.now()).toISOString(), removedBy };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: AUDIT_PREFIX + mute.id } },
          UpdateExpression: 'SET mute = :m, expiresAt = :exp',
          ConditionExpression: 'mute = :old',
          ExpressionAttributeValues: { ':m': { S: JSON.stringify(ended) }, ':exp': auditItem(ended).expiresAt!, ':old': expected },
        }),
      );
      return ended;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  }

  /**
   * Ends a mute now; its audit record stays. Throws MuteNotFound for an unknown or already ended mute,
   * and UnauditedEntryRemoved after taking out a live-set entry that had no audit record.
   */
  async remove(id: string, removedBy: string): Promise<Mute> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: AUDIT_PREFIX + id } }, ConsistentRead: true }));
    if (!got.Item) {
      const { entries } = await this.readSet(true);
      if (!entries.some((e) => entryId(e) === id)) throw new MuteNotFound(`no mute with id ${id}`);
      await this.updateSet((all) => all.filter((e) => entryId(e) !== id));
      throw new UnauditedEntryRemoved(`${id} had no audit record, so it never applied; took it out of the live set`);
    }
    const mute = fromAudit(got.Item);
    if (mute.removedAt) {
      // A removal whose live-set step failed is finished here (idempotent), so a retry always works.
      await this.updateSet((entries) => entries.filter((e) => entryId(e) !== id));
      throw new MuteNotFound(`mute ${id} was already removed (by ${mute.removedBy} at ${mute.removedAt})`);
    }
    if (!isLive(mute, this.now())) throw new MuteNotFound(`mute ${id} already expired at ${mute.expiresAt}`);
    const ended = await this.endAudit(stripCounts(mute), removedBy, got.Item.mute!);
    if (!ended) throw new MuteNotFound(`mute ${id} was changed by someone else meanwhile; look again with \`rekwatch mutes\``);
    await this.updateSet((entries) => entries.filter((e) => entryId(e) !== id));
    return ended;
  }

  /** Audit items by id, strongly consistent, 100 per BatchGetItem (unprocessed keys retried). */
  private async auditItems(ids: readonly string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const out = new Map<string, Record<string, AttributeValue>>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Array<Record<string, AttributeValue>> = ids.slice(i, i + 100).map((id) => ({ pk: { S: AUDIT_PREFIX + id } }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === 8) throw new Error('could not read the mutes\' audit records (DynamoDB left keys unprocessed); try again');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
        const got = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of got.Responses?.[this.table] ?? []) if (item.pk?.S) out.set(item.pk.S.slice(AUDIT_PREFIX.length), item);
        keys = got.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return out;
  }

  /**
   * What applies now, checked against the audit records (see the header), with every problem found.
   * Eventually consistent on the live set (a new mute shows within a second).
   */
  async liveSet(): Promise<MuteListing> {
    const now = this.now();
    const { entries, problems } = await this.readSet(false);
    const candidates: Entry[] = [];
    for (const e of entries) {
      if (entryId(e) === undefined) problems.push({ message: `the live set holds an entry that is not a mute (${JSON.stringify(e).slice(0, 80)}): not applied` });
      else if (entryMayApply(e, now)) candidates.push(e);
    }
    const audits = await this.auditItems([...new Set(candidates.map((e) => entryId(e)!))]);
    const records: MuteRecord[] = [];
    for (const e of candidates) {
      const id = entryId(e)!;
      const item = audits.get(id);
      if (!item) {
        const entry = checkStoredMute(e);
        const what = entry.ok ? describeMute(entry.mute) : 'an invalid entry';
        problems.push({ id, message: `${id} is in the live set with no audit record, so it is not applied (it says: ${what}); take it out with \`rekwatch unmute ${id}\`` });
        continue;
      }
      const audit = checkAudit(item);
      if (!audit.ok) {
        problems.push({ id, message: `${id}: its audit record is invalid (${audit.problem}), so it is not applied` });
        continue;
      }
      if (!isLive(audit.record, now) || records.some((r) => r.id === id)) continue;
      const entry = checkStoredMute(e);
      if (!entry.ok || !sameMute(entry.mute, stripCounts(audit.record))) {
        problems.push({ id, message: `${id}: the live-set entry differs from its audit record; only the audit record applies (${describeMute(audit.record)})` });
      }
      records.push(audit.record);
    }
    return { records, problems };
  }

  /** Live mutes, oldest first, as their audit records say (problems go to `onProblems`). */
  async live(): Promise<Mute[]> {
    const { records, problems } = await this.liveSet();
    if (problems.length > 0) this.options.onProblems?.(problems);
    return records.map(stripCounts);
  }

  async get(id: string): Promise<MuteRecord | undefined> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: AUDIT_PREFIX + id } }, ConsistentRead: true }));
    return got.Item ? fromAudit(got.Item) : undefined;
  }

  /**
   * Every mute still on record (the last 90 days after each ended), newest first, and the audit items
   * that are not valid mutes (they never apply). CLI only: a Scan.
   */
  async history(): Promise<MuteListing> {
    const records: MuteRecord[] = [];
    const problems: MuteProblem[] = [];
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
      for (const item of page.Items ?? []) {
        const audit = checkAudit(item);
        if (audit.ok) records.push(audit.record);
        else problems.push({ id: item.pk?.S?.slice(AUDIT_PREFIX.length), message: `${item.pk?.S}: not a valid audit record (${audit.problem}); it never applies` });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { records: records.sort((a, b) => b.createdAt.localeCompare(a.createdAt)), problems };
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
