// CheckRepository on DynamoDB. Every state change is a conditional write, which is what turns
// at-least-once S3 events into exactly-once processing.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { PART_NAMES, PROVIDER_IDS } from '../../core/check';
import type { Check, CheckResult, CheckStatus, Decision, MediaFacts, PartName, ReceivedPart } from '../../core/check';
import { TransitionConflictError } from '../../core/errors';
import type { CheckRepository, NewCheck } from '../../core/ports';
import { CAPTURE_REASONS, MEDIA_REASONS, OPERATIONAL_REASONS, VERDICT_REASONS } from '../../core/reasons';
import type { Reason } from '../../core/reasons';
import { CheckAlreadyExistsError, InvalidStoredItemError } from './errors';
import { CHECKS_TABLE_KEYS } from './table-schema';

// Records keyed by the union make the compiler flag a status or decision added to the domain
// but unknown to this reader.
const CHECK_STATUSES: Record<CheckStatus, true> = {
  AWAITING_UPLOAD: true,
  PROCESSING: true,
  COMPLETED: true,
  FAILED: true,
  EXPIRED: true,
};
const DECISIONS: Record<Decision, true> = { PASS: true, FAIL: true, RETRY: true, REVIEW: true };

const statusSchema = z.custom<CheckStatus>((v) => typeof v === 'string' && Object.hasOwn(CHECK_STATUSES, v));
const decisionSchema = z.custom<Decision>((v) => typeof v === 'string' && Object.hasOwn(DECISIONS, v));
const partSchema = z.enum(PART_NAMES);
const reasonSchema = z.object({
  code: z.enum([...MEDIA_REASONS, ...CAPTURE_REASONS, ...VERDICT_REASONS, ...OPERATIONAL_REASONS]),
  message: z.string(),
});
const receivedPartSchema = z.object({
  bytes: z.number().int().nonnegative(),
  etag: z.string().optional(),
  contentType: z.string().optional(),
  receivedAt: z.string(),
});
const mediaFactsSchema = z.object({
  part: partSchema,
  bytes: z.number().nonnegative(),
  sha256: z.string().optional(),
  contentType: z.string().optional(),
  container: z.string().optional(),
  codec: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  rotation: z.number().optional(),
  durationSeconds: z.number().optional(),
});
const flagsSchema = z.record(z.string(), z.union([z.boolean(), z.number()]));
const resultSchema = z.object({
  decision: decisionSchema,
  reasons: z.array(reasonSchema),
  liveness: z.object({ live: z.boolean(), score: z.number().optional() }).optional(),
  deepfake: z.object({ detected: z.boolean(), score: z.number().optional() }).optional(),
  faceMatch: z.object({ matched: z.boolean(), score: z.number().optional() }).optional(),
  quality: flagsSchema.optional(),
  attributes: flagsSchema.optional(),
  providerRequestId: z.string().optional(),
});
const checkItemSchema = z.object({
  checkId: z.string().min(1),
  status: statusSchema,
  provider: z.enum(PROVIDER_IDS),
  parts: z.array(partSchema),
  externalRef: z.string().optional(),
  pollTokenHash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  uploadExpiresAt: z.number(),
  expiresAt: z.number(),
  received: z.partialRecord(partSchema, receivedPartSchema),
  processingStartedAt: z.string().optional(),
  completedAt: z.string().optional(),
  result: resultSchema.optional(),
  failure: reasonSchema.optional(),
  media: z.array(mediaFactsSchema).optional(),
  providerMs: z.number().optional(),
});

const PK = CHECKS_TABLE_KEYS.partitionKey;

export class DynamoDbCheckRepository implements CheckRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(check: NewCheck): Promise<void> {
    const status: CheckStatus = 'AWAITING_UPLOAD';
    const item = {
      [PK]: check.checkId,
      status,
      provider: check.provider,
      parts: [...check.parts],
      externalRef: check.externalRef,
      pollTokenHash: check.pollTokenHash,
      createdAt: check.createdAt,
      updatedAt: check.createdAt,
      uploadExpiresAt: check.uploadExpiresAt,
      expiresAt: check.expiresAt,
      // Must exist as a map so recordPart can SET received.<part> without a read first.
      received: {},
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new CheckAlreadyExistsError(check.checkId, { cause: error });
      }
      throw error;
    }
  }

  async get(checkId: string): Promise<Check | undefined> {
    const output = await this.doc.send(
      // Strongly consistent: the processor reads right after the writes that made it run.
      new GetCommand({ TableName: this.tableName, Key: { [PK]: checkId }, ConsistentRead: true }),
    );
    return output.Item === undefined ? undefined : this.toCheck(checkId, output.Item);
  }

  async recordPart(checkId: string, part: PartName, received: ReceivedPart): Promise<Check | undefined> {
    const awaiting: CheckStatus = 'AWAITING_UPLOAD';
    const info: ReceivedPart = {
      bytes: received.bytes,
      etag: received.etag,
      contentType: received.contentType,
      receivedAt: received.receivedAt,
    };
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: checkId },
          UpdateExpression: 'SET #received.#part = :info, #updatedAt = :at',
          // contains() keeps a key for an undeclared part (a forged or stale form) out of the record.
          ConditionExpression: '#status = :awaiting AND contains(#parts, :part)',
          ExpressionAttributeNames: {
            '#received': 'received',
            '#part': part,
            '#updatedAt': 'updatedAt',
            '#status': 'status',
            '#parts': 'parts',
          },
          ExpressionAttributeValues: {
            ':info': info,
            ':at': received.receivedAt,
            ':awaiting': awaiting,
            ':part': part,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return output.Attributes === undefined ? undefined : this.toCheck(checkId, output.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async startProcessing(checkId: string, at: string): Promise<boolean> {
    const from: CheckStatus = 'AWAITING_UPLOAD';
    const to: CheckStatus = 'PROCESSING';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: checkId },
          UpdateExpression: 'SET #status = :to, #processingStartedAt = :at, #updatedAt = :at',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#processingStartedAt': 'processingStartedAt',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async complete(
    checkId: string,
    result: CheckResult,
    media: readonly MediaFacts[],
    at: string,
    providerMs?: number,
  ): Promise<void> {
    await this.finish(checkId, 'COMPLETED', { result }, media, at, providerMs);
  }

  async fail(checkId: string, failure: Reason, media: readonly MediaFacts[], at: string, providerMs?: number): Promise<void> {
    await this.finish(checkId, 'FAILED', { failure }, media, at, providerMs);
  }

  private async finish(
    checkId: string,
    to: Extract<CheckStatus, 'COMPLETED' | 'FAILED'>,
    outcome: { readonly result: CheckResult } | { readonly failure: Reason },
    media: readonly MediaFacts[],
    at: string,
    providerMs: number | undefined,
  ): Promise<void> {
    const from: CheckStatus = 'PROCESSING';
    const [outcomeName, outcomeValue] = 'result' in outcome ? ['result', outcome.result] : ['failure', outcome.failure];
    const sets = ['#status = :to', '#outcome = :outcome', '#media = :media', '#completedAt = :at', '#updatedAt = :at'];
    const names: Record<string, string> = {
      '#status': 'status',
      '#outcome': outcomeName,
      '#media': 'media',
      '#completedAt': 'completedAt',
      '#updatedAt': 'updatedAt',
    };
    const values: Record<string, unknown> = {
      ':to': to,
      ':from': from,
      ':outcome': outcomeValue,
      ':media': [...media],
      ':at': at,
    };
    if (providerMs !== undefined) {
      sets.push('#providerMs = :providerMs');
      names['#providerMs'] = 'providerMs';
      values[':providerMs'] = providerMs;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: checkId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new TransitionConflictError(checkId, `${from}→${to}`, { cause: error });
      }
      throw error;
    }
  }

  private toCheck(checkId: string, item: Record<string, unknown>): Check {
    const parsed = checkItemSchema.safeParse(item);
    if (!parsed.success) {
      throw new InvalidStoredItemError(this.tableName, checkId, { cause: parsed.error });
    }
    return parsed.data;
  }
}
