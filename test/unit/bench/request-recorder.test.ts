// The recorder on a real DynamoDB document client against dynalite: what the cost and the
// critical path are counted from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { LOCAL_S3_CREDENTIALS } from '../../../local/s3-gateway';
import { createAwsClients, type AwsClients } from '../../../src/adapters/aws/clients';
import { countRequests, resultWrite, s3Class } from '../../../scripts/bench-requests';
import { RequestRecorder } from '../../../scripts/support/request-recorder';

const CHECK_ID = '3f0c2a52-9a3e-4d0b-8f57-0d1c2b3a4e5f';

let dynamo: LocalDynamoDb;
let clients: AwsClients;
const recorder = new RequestRecorder();

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  clients = createAwsClients({
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    endpoints: { dynamodb: dynamo.endpoint },
  });
  recorder.instrument(clients);
});

afterAll(async () => {
  clients.dynamo.destroy();
  await dynamo.close();
});

describe('RequestRecorder', () => {
  it('records each DynamoDB request with its API operation, table, check, time span and capacity units', async () => {
    // Prepare
    const from = performance.now();
    const bigDetail = 'x'.repeat(2500);

    // Act
    await clients.dynamo.send(
      new PutCommand({ TableName: dynamo.checksTable, Item: { checkId: CHECK_ID, status: 'PROCESSING', detail: bigDetail } }),
    );
    const read = await clients.dynamo.send(new GetCommand({ TableName: dynamo.checksTable, Key: { checkId: CHECK_ID } }));
    await clients.dynamo.send(
      new UpdateCommand({
        TableName: dynamo.checksTable,
        Key: { checkId: CHECK_ID },
        UpdateExpression: 'SET #status = :to',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': 'COMPLETED' },
      }),
    );
    const recorded = recorder.between(from, performance.now());

    // Assess
    expect(read.Item?.status).toBe('PROCESSING');
    expect(recorded.map((request) => `${request.service}.${request.operation}`)).toEqual([
      'dynamodb.PutItem',
      'dynamodb.GetItem',
      'dynamodb.UpdateItem',
    ]);
    for (const request of recorded) {
      expect(request.checkId).toBe(CHECK_ID);
      expect(request.table).toBe(dynamo.checksTable);
      expect(request.ok).toBe(true);
      expect(request.endMs).toBeGreaterThan(request.startMs);
    }
    // A 2.5 KB item costs 3 WRU to write: the recorder reports DynamoDB's own figure.
    expect(recorded[0]?.capacityUnits).toBe(3);
    expect(resultWrite(recorded, dynamo.checksTable, 'COMPLETED')).toBe(recorded[2]);
    expect(resultWrite(recorded, dynamo.auditTable, 'COMPLETED')).toBeUndefined();
  });

  it('records a failed request as not ok', async () => {
    const from = performance.now();
    await expect(
      clients.dynamo.send(new GetCommand({ TableName: 'no-such-table', Key: { checkId: CHECK_ID } })),
    ).rejects.toThrow();
    const [failed] = recorder.between(from, performance.now());
    expect(failed).toMatchObject({ operation: 'GetItem', ok: false, table: 'no-such-table' });
  });
});

describe('countRequests', () => {
  it('splits DynamoDB reads, writes and audit writes, and S3 by billing class', () => {
    // Prepare
    const request = (service: 'dynamodb' | 's3', operation: string, table?: string, capacityUnits?: number) => ({
      service,
      operation,
      startMs: 0,
      endMs: 1,
      ok: true,
      values: '{}',
      ...(table ? { table } : {}),
      ...(capacityUnits !== undefined ? { capacityUnits } : {}),
    });
    const requests = [
      request('dynamodb', 'GetItem', 'checks', 0.5),
      request('dynamodb', 'UpdateItem', 'checks', 2),
      request('dynamodb', 'PutItem', 'audit', 2),
      request('s3', 'HeadObject'),
      request('s3', 'GetObject'),
      request('s3', 'DeleteObject'),
      request('s3', 'ListObjectsV2'),
    ];

    // Act
    const counts = countRequests(requests, { audit: 'audit' }, { uploads: 2, messages: 2, apiRequests: 2, lambda: {} });

    // Assess
    expect(counts).toMatchObject({
      dynamodbReads: 1,
      dynamodbRru: 0.5,
      dynamodbWrites: 2,
      dynamodbWru: 4,
      dynamodbAuditWrites: 1,
      dynamodbAuditWru: 2,
      s3PutClass: 3,
      s3GetClass: 2,
      s3Delete: 1,
      sqs: 6,
    });
    expect(['PutObject', 'CopyObject', 'ListObjectsV2'].map(s3Class)).toEqual(['put', 'put', 'put']);
    expect(['GetObject', 'HeadObject', 'DeleteObjects'].map(s3Class)).toEqual(['get', 'get', 'delete']);
  });
});
