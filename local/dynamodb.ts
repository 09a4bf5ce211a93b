/**
 * Local DynamoDB: dynalite, in memory, on 127.0.0.1, with the checks and audit tables created
 * from the same key schema the CDK stack uses.
 *
 *   const db = await startLocalDynamoDb();            // random free port
 *   const clients = createAwsClients({ region: 'us-east-1',
 *     credentials: { accessKeyId: 'local', secretAccessKey: 'local' },   // any value works
 *     endpoints: { dynamodb: db.endpoint } });
 *   new DynamoDbCheckRepository(clients.dynamo, db.checksTable);
 *   await db.close();                                 // data is gone
 *
 * dynalite lacks TTL, transactions and PartiQL; nothing here needs them (expired checks just stay).
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { AUDIT_TABLE_KEYS, CHECKS_REVIEW_INDEX, CHECKS_SWEEP_INDEX, CHECKS_TABLE_KEYS } from '../src/adapters/aws/table-schema';
import { closeServer, listen } from './http-util';

export interface LocalDynamoDbOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly checksTable?: string;
  readonly auditTable?: string;
}

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly checksTable: string;
  readonly auditTable: string;
  close(): Promise<void>;
}

const TABLE_ACTIVE_TIMEOUT_MS = 5_000;

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? '127.0.0.1';
  const checksTable = options.checksTable ?? 'checks';
  const auditTable = options.auditTable ?? 'audit';
  // dynalite keeps new tables CREATING for 500 ms by default, which only slows tests down.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server, options.port ?? 0, host);
  const endpoint = `http://${host}:${port}`;
  // dynalite closes its database when the server closes, and a request still being served then
  // throws from a callback (an uncaught exception): let those finish first.
  const close = (): Promise<void> => closeServer(server, { drainMs: 2_000 });

  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createTable(client, {
      TableName: checksTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: CHECKS_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: CHECKS_SWEEP_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: CHECKS_SWEEP_INDEX.sortKey, AttributeType: 'N' },
        { AttributeName: CHECKS_REVIEW_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: CHECKS_REVIEW_INDEX.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: CHECKS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: CHECKS_SWEEP_INDEX.indexName,
          KeySchema: [
            { AttributeName: CHECKS_SWEEP_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: CHECKS_SWEEP_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: CHECKS_REVIEW_INDEX.indexName,
          KeySchema: [
            { AttributeName: CHECKS_REVIEW_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: CHECKS_REVIEW_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    await createTable(client, {
      TableName: auditTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: AUDIT_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: AUDIT_TABLE_KEYS.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: AUDIT_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: AUDIT_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    });
  } catch (error) {
    await close().catch(() => undefined);
    throw new Error('Could not create the local DynamoDB tables', { cause: error });
  } finally {
    client.destroy();
  }

  return { endpoint, checksTable, auditTable, close };
}

async function createTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  await client.send(new CreateTableCommand(input));
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${input.TableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
