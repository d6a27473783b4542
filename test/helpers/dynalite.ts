/** A real DynamoDB API on loopback (dynalite, in memory) for tests. */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureStateTable } from '../../functions/adapters/state-table';

export interface LocalDynamo {
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

export async function startDynamo(tableName = 'rekwatch-state'): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ensureStateTable(client, tableName);
  return {
    client,
    tableName,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every item's key (`pk`) in a table, sorted: a whole scan, page by page. */
export async function tableKeys(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    for (const i of page.Items ?? []) out.push(i.pk?.S as string);
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort();
}
