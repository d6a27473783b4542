/**
 * The state table's shape (the same as the stack's: one string hash key `pk`), created when missing
 * and waited for until ACTIVE: a new table is CREATING for a moment (even in dynalite with
 * createTableMs 0), and item calls on it fail with ResourceNotFound until then.
 */
import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const status = () =>
    client.send(new DescribeTableCommand({ TableName: tableName })).then(
      (d) => d.Table?.TableStatus,
      (e: unknown) => {
        if (e instanceof ResourceNotFoundException) return undefined;
        throw e;
      },
    );
  if ((await status()) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ResourceInUseException') throw e; // another process created it first
    }
  }
  for (let i = 0; i < 100; i++) {
    if ((await status()) === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
