// Records every AWS SDK request the gateway's functions make on the local stack, through a
// middleware on the real clients (added by startLocalStack's instrumentClients option):
// service, operation, start and end (performance.now(), the monotonic hrtime clock), the check
// it names, and DynamoDB's own capacity figure for it.
import type { AbsoluteLocation, InitializeHandlerOptions, InitializeMiddleware } from '@smithy/types';
import type { AwsClients } from '../../src/adapters/aws/clients';

export type AwsService = 'dynamodb' | 's3' | 'secretsmanager';

export interface RecordedRequest {
  readonly service: AwsService;
  /** The API operation, e.g. GetItem, HeadObject, GetSecretValue (document-client names mapped back). */
  readonly operation: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  /** The check named by the request (a key or key prefix holding its id), when there is one. */
  readonly checkId?: string;
  /** DynamoDB table (TableName), if any. */
  readonly table?: string;
  /** DynamoDB ConsumedCapacity.CapacityUnits (RRU or WRU, item size included), as the server reported it. */
  readonly capacityUnits?: number;
  /**
   * The request's key and values as JSON (DynamoDB Key/Item/ExpressionAttributeValues, S3 Key),
   * so a reader can tell which write set a status; never a body.
   */
  readonly values: string;
}

const SERVICES: Readonly<Record<string, AwsService>> = {
  DynamoDBClient: 'dynamodb',
  S3Client: 's3',
  SecretsManagerClient: 'secretsmanager',
};

// lib-dynamodb's commands carry their own names; billing knows the API operations.
const DOCUMENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Operations whose answer can carry ConsumedCapacity when asked for it. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function operationName(commandName: string): string {
  const bare = commandName.replace(/Command$/, '');
  return DOCUMENT_OPERATIONS[bare] ?? bare;
}

/** The identifying part of a request input: what a key names, what a write stores or compares. */
function valuesOf(input: Record<string, unknown>): string {
  const picked: Record<string, unknown> = {};
  for (const name of ['Key', 'Item', 'ExpressionAttributeValues', 'TransactItems', 'RequestItems', 'Prefix', 'SecretId']) {
    if (input[name] !== undefined) picked[name] = input[name];
  }
  try {
    return JSON.stringify(picked);
  } catch {
    return '{}';
  }
}

function capacityOf(output: unknown): number | undefined {
  if (typeof output !== 'object' || output === null || !('ConsumedCapacity' in output)) return undefined;
  const consumed: unknown = output.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  let total = 0;
  let seen = false;
  for (const item of list) {
    if (typeof item === 'object' && item !== null && 'CapacityUnits' in item && typeof item.CapacityUnits === 'number') {
      total += item.CapacityUnits;
      seen = true;
    }
  }
  return seen ? total : undefined;
}

export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];

  /** Adds the recording middleware to each client (once per client). */
  readonly instrument = (clients: AwsClients): void => {
    // Initialize, high priority: the span covers serialisation, signing, retries and the answer.
    const options: InitializeHandlerOptions & AbsoluteLocation = {
      step: 'initialize',
      priority: 'high',
      name: 'benchRequestRecorder',
      override: true,
    };
    clients.dynamo.middlewareStack.add(this.middleware(), options);
    clients.s3.middlewareStack.add(this.middleware(), options);
    clients.secrets.middlewareStack.add(this.middleware(), options);
  };

  private middleware<Input extends object, Output extends object>(): InitializeMiddleware<Input, Output> {
    return (next, context) => async (args) => {
      const service = SERVICES[context.clientName ?? ''];
      const operation = operationName(context.commandName ?? 'Unknown');
      const input = args.input as Record<string, unknown>;
      // Asking for ConsumedCapacity changes only what DynamoDB answers, not what it does.
      if (service === 'dynamodb' && CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === undefined) {
        args = { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } as Input };
      }
      const values = valuesOf(input);
      const checkId = UUID.exec(values)?.[0];
      const table = typeof input.TableName === 'string' ? input.TableName : undefined;
      const startMs = performance.now();
      const record = (ok: boolean, output?: unknown): void => {
        const capacityUnits = service === 'dynamodb' ? capacityOf(output) : undefined;
        this.requests.push({
          service: service ?? 'dynamodb',
          operation,
          startMs,
          endMs: performance.now(),
          ok,
          values,
          ...(checkId !== undefined ? { checkId } : {}),
          ...(table !== undefined ? { table } : {}),
          ...(capacityUnits !== undefined ? { capacityUnits } : {}),
        });
      };
      try {
        const result = await next(args);
        record(true, result.output);
        return result;
      } catch (error) {
        record(false);
        throw error;
      }
    };
  }

  /** Requests that started at or after `fromMs` and ended at or before `toMs`. */
  between(fromMs: number, toMs: number): RecordedRequest[] {
    return this.requests.filter((request) => request.startMs >= fromMs && request.endMs <= toMs);
  }
}
