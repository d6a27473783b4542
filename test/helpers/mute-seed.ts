/**
 * Writes audited mutes straight to a state table in the mute store's format (an audit item each, and
 * appended to the live set): quicker than one create each when a test needs a full live set.
 */
import { BatchWriteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Mute } from '../../functions/core/suppress/mute';
import type { LocalDynamo } from './dynalite';

export async function seedMutes(db: LocalDynamo, mutes: readonly Mute[]): Promise<void> {
  for (let i = 0; i < mutes.length; i += 25) {
    const items = mutes.slice(i, i + 25).map((m) => ({ PutRequest: { Item: { pk: { S: `mute#${m.id}` }, mute: { S: JSON.stringify(m) } } } }));
    await db.client.send(new BatchWriteItemCommand({ RequestItems: { [db.tableName]: items } }));
  }
  const got = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: 'mutes' } }, ConsistentRead: true }));
  const entries = [...(JSON.parse(got.Item?.mutes?.S ?? '[]') as Mute[]), ...mutes];
  await db.client.send(
    new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: 'mutes' }, version: { N: String(Number(got.Item?.version?.N ?? 0) + 1) }, mutes: { S: JSON.stringify(entries) } } }),
  );
}

/** A mute as large, and as expensive in JSON, as checkMuteInput allows (every quote and backslash escaped). */
export function largestMute(id: string, now: number): Mute {
  return {
    id,
    ruleId: 'root-user-activity',
    scope: { principal: `arn:aws:iam::111122223333:user/${'"'.repeat(2000)}` },
    reason: '"'.repeat(500),
    createdBy: `${id} ${'\\'.repeat(380)}`,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
  };
}
