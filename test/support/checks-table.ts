// Reads every item of the local stack's checks table (dynalite), as an operator with table access
// would see it: for tests that assert what is, and is not, stored.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_S3_CREDENTIALS } from '../../local/s3-gateway';
import type { LocalStack } from '../../local/stack';
import { createDynamoDocumentClient } from '../../src/adapters/aws/clients';

export async function scanChecksTable(stack: LocalStack): Promise<Record<string, unknown>[]> {
  const doc = createDynamoDocumentClient({
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    endpoint: stack.endpoints.dynamodb,
  });
  try {
    return (await doc.send(new ScanCommand({ TableName: stack.deps.config.checksTable }))).Items ?? [];
  } finally {
    doc.destroy();
  }
}
