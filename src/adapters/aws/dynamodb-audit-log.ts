// AuditLog on DynamoDB: one item per event under the check's partition, sorted by `seq`.
// Append-only is enforced twice: writes are conditional on a fresh sort key here, and the
// functions' IAM policies grant PutItem and Query but never UpdateItem or DeleteItem.
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { systemClock } from '../../core/ports';
import type { AuditEntry, AuditEventType, AuditLog, Clock, StoredAuditEntry } from '../../core/ports';
import { InvalidStoredItemError } from './errors';
import { AUDIT_TABLE_KEYS } from './table-schema';

// Keyed by the union so a new event type added to the port is a compile error here, not an
// unreadable trail later.
const AUDIT_EVENT_TYPES: Record<AuditEventType, true> = {
  CHECK_CREATED: true,
  PART_RECEIVED: true,
  PART_IGNORED: true,
  PART_REPLACED: true,
  PROCESSING_STARTED: true,
  MEDIA_CHECKED: true,
  FACE_PRECHECKED: true,
  PROVIDER_REQUEST: true,
  PROVIDER_RESPONSE: true,
  PROVIDER_RETRY: true,
  PROVIDER_ANSWER_RECORDED: true,
  PROCESSING_RESUMED: true,
  RESULT_RECORDED: true,
  CHECK_FAILED: true,
  CHECK_EXPIRED: true,
  MEDIA_DELETED: true,
  MEDIA_VIEWED: true,
  REVIEW_DECIDED: true,
  CHECK_ERASED: true,
  BREAKER_OPENED: true,
  BREAKER_CLOSED: true,
  BREAKER_TRIAL: true,
  WEBHOOK_DELIVERY: true,
};

const auditItemSchema = z.object({
  checkId: z.string(),
  seq: z.string(),
  at: z.string(),
  type: z.custom<AuditEventType>((v) => typeof v === 'string' && Object.hasOwn(AUDIT_EVENT_TYPES, v)),
  detail: z.record(z.string(), z.unknown()),
});

const PK = AUDIT_TABLE_KEYS.partitionKey;
const SK = AUDIT_TABLE_KEYS.sortKey;
/** A collision needs the same millisecond, counter and 48 random bits; retrying is cheap insurance. */
const MAX_APPEND_ATTEMPTS = 3;

// Shared by every instance in the process so entries written in the same millisecond by
// different functions' adapters still sort in the order they were appended.
let sequenceCounter = 0;

/** `<ISO time>#<process counter>.<random>`: sorts by time, then by append order within a process. */
function nextSeq(at: string): string {
  sequenceCounter = (sequenceCounter + 1) % 36 ** 8;
  return `${at}#${sequenceCounter.toString(36).padStart(8, '0')}.${randomBytes(6).toString('hex')}`;
}

export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    const at = entry.at ?? this.clock.now().toISOString();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { [PK]: entry.checkId, [SK]: nextSeq(at), at, type: entry.type, detail: { ...entry.detail } },
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': SK },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      }
    }
  }

  async list(checkId: string): Promise<readonly StoredAuditEntry[]> {
    const entries: StoredAuditEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :checkId',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':checkId': checkId },
          ScanIndexForward: true,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) entries.push(this.toEntry(checkId, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return entries;
  }

  private toEntry(checkId: string, item: Record<string, unknown>): StoredAuditEntry {
    const parsed = auditItemSchema.safeParse(item);
    if (!parsed.success) {
      throw new InvalidStoredItemError(this.tableName, `${checkId}/${String(item[SK])}`, { cause: parsed.error });
    }
    return parsed.data;
  }
}
