// dynalite with real SDK clients pointed at it, for the DynamoDB adapter tests.
import { randomUUID } from 'node:crypto';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb';
import { createAwsClients, type AwsClients } from '../../src/adapters/aws/clients';
import type { NewCheck } from '../../src/core/ports';

export interface DynamoDbUnderTest {
  readonly db: LocalDynamoDb;
  readonly clients: AwsClients;
  close(): Promise<void>;
}

export async function startDynamoDbUnderTest(): Promise<DynamoDbUnderTest> {
  const db = await startLocalDynamoDb();
  const clients = createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: { dynamodb: db.endpoint },
  });
  return {
    db,
    clients,
    close: async () => {
      clients.dynamo.destroy();
      await db.close();
    },
  };
}

/** A new check with a fresh id, as the create use case would store it. */
export function sampleNewCheck(overrides: Partial<NewCheck> = {}): NewCheck {
  return {
    checkId: randomUUID(),
    provider: 'fpt',
    parts: ['video', 'reference'],
    externalRef: 'applicant-42',
    pollTokenHash: 'sha256:abc',
    createdAt: '2026-01-01T00:00:00.000Z',
    uploadExpiresAt: 1_767_226_500,
    expiresAt: 1_769_818_400,
    sweepAt: 1_767_226_800,
    ...overrides,
  };
}
