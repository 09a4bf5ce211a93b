// CheckRepository on DynamoDB. Every state change is a conditional write, which is what turns
// at-least-once S3 events into exactly-once processing.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { checkSchema, partNameSchema } from '../../core/check';
import type { Check, CheckResult, CheckStatus, PartName, ProviderAnswer, ReceivedPart, Review } from '../../core/check';
import { TransitionConflictError, ValidationError } from '../../core/errors';
import type {
  CheckRepository,
  DueWork,
  ErasedOutbox,
  ErasureTombstone,
  FinishDetails,
  NewCheck,
  Outbox,
  ReviewQueuePage,
} from '../../core/ports';
import type { Reason } from '../../core/reasons';
import { outboxHoldsExactly, outboxUpdate, OUTBOX_NAMES } from './dynamodb-outbox';
import { CheckAlreadyExistsError, InvalidStoredItemError } from './errors';
import { CHECKS_REVIEW_INDEX, CHECKS_SWEEP_INDEX, CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE } from './table-schema';

const PK = CHECKS_TABLE_KEYS.partitionKey;
/**
 * The status of a tombstone item: not a CheckStatus, it never leaves this adapter as a check (get()
 * reads it as no check; listDue hands out only the events it still holds).
 */
const ERASED = 'ERASED';
/** The review queue's sparse index attributes: present only while a REVIEW check awaits a person. */
const REVIEW_QUEUE_NAMES = {
  '#reviewQueue': CHECKS_REVIEW_INDEX.partitionKey,
  '#reviewAt': CHECKS_REVIEW_INDEX.sortKey,
} as const;

/** The review index's LastEvaluatedKey, the only thing a review-queue nextToken may carry. */
const reviewCursorSchema = z
  .object({
    [PK]: z.uuid(),
    [CHECKS_REVIEW_INDEX.partitionKey]: z.literal(CHECKS_REVIEW_INDEX.queue),
    [CHECKS_REVIEW_INDEX.sortKey]: z.string().min(1).max(64),
  })
  .strict();

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(token: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = reviewCursorSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('nextToken: not a token this API handed out');
  return parsed.data;
}

/** The part of a tombstone the sweep reads: the events it still has to publish. */
const erasedOutboxSchema = z.object({ checkId: z.string().min(1), outbox: checkSchema.shape.outbox.unwrap() });
/** What erasureOf reads back from a tombstone. */
const tombstoneSchema = z.object({
  erasedAt: z.string(),
  [CHECKS_TTL_ATTRIBUTE]: z.number(),
  receipt: z
    .object({
      erasedBy: z.string(),
      deleted: z.object({ media: z.array(partNameSchema), result: z.boolean() }),
    })
    .optional(),
});
/** Puts of a tombstone retried because the record's outbox changed under them (each change is a publish or a transition). */
const ERASE_ATTEMPTS = 5;

/** DynamoDB rejects a name placeholder the expressions do not use, so only the used ones are sent. */
function usedNames(expressions: string, names: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(names).filter(([placeholder]) => new RegExp(`${placeholder}\\b`).test(expressions)));
}

interface UpdateSpec {
  readonly update: string;
  readonly condition: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

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
      consent: check.consent,
      [CHECKS_SWEEP_INDEX.partitionKey]: CHECKS_SWEEP_INDEX.shard,
      [CHECKS_SWEEP_INDEX.sortKey]: check.sweepAt,
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
    return output.Item === undefined || output.Item.status === ERASED ? undefined : this.toCheck(checkId, output.Item);
  }

  async erasureOf(checkId: string): Promise<ErasureTombstone | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [PK]: checkId }, ConsistentRead: true }),
    );
    if (output.Item?.status !== ERASED) return undefined;
    const parsed = tombstoneSchema.safeParse(output.Item);
    if (!parsed.success) throw new InvalidStoredItemError(this.tableName, checkId, { cause: parsed.error });
    const { erasedAt, receipt } = parsed.data;
    return { erasedAt, expiresAt: parsed.data[CHECKS_TTL_ATTRIBUTE], ...(receipt ? { receipt } : {}) };
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

  async startProcessing(checkId: string, at: string, leaseUntil: number): Promise<Check | undefined> {
    return this.transition(checkId, {
      update:
        'SET #status = :processing, #processingStartedAt = :at, #updatedAt = :at, #leaseUntil = :lease, #attempt = :one, #sweepAt = :lease',
      condition: '#status = :awaiting',
      names: { '#processingStartedAt': 'processingStartedAt', '#leaseUntil': 'leaseUntil', '#attempt': 'attempt' },
      values: { ':processing': 'PROCESSING', ':awaiting': 'AWAITING_UPLOAD', ':at': at, ':lease': leaseUntil, ':one': 1 },
    });
  }

  async resumeProcessing(checkId: string, at: string, now: number, leaseUntil: number): Promise<Check | undefined> {
    return this.transition(checkId, {
      update: 'SET #updatedAt = :at, #leaseUntil = :lease, #sweepAt = :lease ADD #attempt :one',
      condition: '#status = :processing AND #leaseUntil < :now',
      names: { '#leaseUntil': 'leaseUntil', '#attempt': 'attempt' },
      values: { ':processing': 'PROCESSING', ':at': at, ':now': now, ':lease': leaseUntil, ':one': 1 },
    });
  }

  async recordProviderAnswer(checkId: string, answer: ProviderAnswer, at: string): Promise<void> {
    const updated = await this.transition(checkId, {
      update: 'SET #providerAnswer = :answer, #updatedAt = :at',
      condition: '#status = :processing AND attribute_not_exists(#providerAnswer)',
      names: { '#providerAnswer': 'providerAnswer' },
      values: { ':processing': 'PROCESSING', ':answer': answer, ':at': at },
    });
    if (!updated) throw new TransitionConflictError(checkId, 'record provider answer');
  }

  async complete(checkId: string, result: CheckResult, details: FinishDetails): Promise<void> {
    await this.finish(checkId, 'COMPLETED', { result }, details);
  }

  async fail(checkId: string, failure: Reason, details: FinishDetails): Promise<void> {
    await this.finish(checkId, 'FAILED', { failure }, details);
  }

  async expire(checkId: string, failure: Reason, at: string, now: number, outbox?: Outbox): Promise<boolean> {
    // sweepAt stays due so the sweep deletes whatever part did arrive (with an outbox: due once it is published).
    const events = outbox ? outboxUpdate(outbox, outbox.dueAt) : { sets: [], removes: [], names: {}, values: {} };
    const updated = await this.transition(checkId, {
      update: `SET ${['#status = :expired', '#failure = :failure', '#updatedAt = :at', '#completedAt = :at', ...events.sets].join(', ')}`,
      condition: '#status = :awaiting AND #uploadExpiresAt < :now',
      names: { '#failure': 'failure', '#completedAt': 'completedAt', '#uploadExpiresAt': 'uploadExpiresAt', ...events.names },
      values: {
        ':expired': 'EXPIRED',
        ':awaiting': 'AWAITING_UPLOAD',
        ':failure': failure,
        ':at': at,
        ':now': now,
        ...events.values,
      },
    });
    return updated !== undefined;
  }

  async clearOutbox(checkId: string, eventIds: readonly string[]): Promise<boolean> {
    if (eventIds.length === 0) return true;
    const holds = outboxHoldsExactly(eventIds);
    const names = { ...OUTBOX_NAMES, ...holds.names };
    // Back to what the transition wanted the sweep for, or off the index when that is done too
    // (always so for a tombstone, which is why the updated item is not read back as a check).
    const restored = await this.updateIf(checkId, {
      update: 'REMOVE #outbox SET #sweepAt = #sweepAfterOutbox',
      condition: `attribute_exists(#sweepAfterOutbox) AND ${holds.condition}`,
      names,
      values: holds.values,
    });
    if (restored) return true;
    const left = await this.updateIf(checkId, {
      update: 'REMOVE #outbox, #sweepAt, #sweepShard',
      condition: `attribute_not_exists(#sweepAfterOutbox) AND ${holds.condition}`,
      names,
      values: holds.values,
    });
    return left !== undefined;
  }

  async markMediaDeleted(checkId: string, at: string): Promise<void> {
    // Leaves the index: nothing is left for the sweep to do. Conditional so an erased check is not recreated.
    // Leaves the review queue too: with its media gone a REVIEW check stays REVIEW but no one can look at it.
    const names = { '#mediaDeletedAt': 'mediaDeletedAt', '#pk': PK, ...OUTBOX_NAMES, ...REVIEW_QUEUE_NAMES };
    const left = await this.transition(checkId, {
      update: 'SET #mediaDeletedAt = :at REMOVE #sweepAt, #sweepShard, #sweepAfterOutbox, #reviewQueue, #reviewAt',
      condition: 'attribute_exists(#pk) AND #status <> :erased AND attribute_not_exists(#outbox)',
      names: { ...names, '#status': 'status' },
      values: { ':at': at, ':erased': ERASED },
    });
    if (left) return;
    // Unpublished events: the check stays on the index for them, with nothing to do after them.
    await this.transition(checkId, {
      update: 'SET #mediaDeletedAt = :at REMOVE #sweepAfterOutbox, #reviewQueue, #reviewAt',
      condition: 'attribute_exists(#pk) AND #status <> :erased',
      names: { ...names, '#status': 'status' },
      values: { ':at': at, ':erased': ERASED },
    });
  }

  async listDue(now: number, limit: number): Promise<DueWork> {
    const output = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: CHECKS_SWEEP_INDEX.indexName,
        KeyConditionExpression: '#shard = :shard AND #sweepAt <= :now',
        ExpressionAttributeNames: { '#shard': CHECKS_SWEEP_INDEX.partitionKey, '#sweepAt': CHECKS_SWEEP_INDEX.sortKey },
        ExpressionAttributeValues: { ':shard': CHECKS_SWEEP_INDEX.shard, ':now': now },
        Limit: limit,
      }),
    );
    const checks: Check[] = [];
    const erasures: ErasedOutbox[] = [];
    for (const item of output.Items ?? []) {
      const checkId = String(item[PK]);
      if (item.status !== ERASED) {
        checks.push(this.toCheck(checkId, item));
        continue;
      }
      const parsed = erasedOutboxSchema.safeParse(item);
      if (!parsed.success) throw new InvalidStoredItemError(this.tableName, checkId, { cause: parsed.error });
      erasures.push(parsed.data);
    }
    return { checks, erasures };
  }

  async recordReview(
    checkId: string,
    review: Review,
    mediaDueAt: number | undefined,
    outbox?: Outbox,
  ): Promise<Check | undefined> {
    // attribute_not_exists(review) makes the second of two racing reviewers lose; the
    // check.reviewed event is committed in this same conditional write.
    const events = outbox ? outboxUpdate(outbox, mediaDueAt) : undefined;
    const sets = ['#review = :review', '#result.#decision = :decision', '#updatedAt = :at'];
    const removes = ['#reviewQueue', '#reviewAt'];
    if (events) {
      sets.push(...events.sets);
      removes.push(...events.removes);
    } else if (mediaDueAt !== undefined) {
      // A check.completed still unpublished then gives way to the review's media deadline too.
      sets.push('#sweepShard = :sweepShard', '#sweepAt = :mediaDueAt', '#sweepAfterOutbox = :mediaDueAt');
    }
    return this.transition(checkId, {
      update: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      condition: '#status = :completed AND #result.#decision = :review_decision AND attribute_not_exists(#review)',
      names: {
        '#review': 'review',
        '#result': 'result',
        '#decision': 'decision',
        ...OUTBOX_NAMES,
        ...REVIEW_QUEUE_NAMES,
        ...events?.names,
      },
      values: {
        ':review': review,
        ':decision': review.decision,
        ':at': review.reviewedAt,
        ':completed': 'COMPLETED',
        ':review_decision': 'REVIEW',
        ...(events?.values ??
          (mediaDueAt !== undefined ? { ':sweepShard': CHECKS_SWEEP_INDEX.shard, ':mediaDueAt': mediaDueAt } : {})),
      },
    });
  }

  async listAwaitingReview(limit: number, nextToken?: string): Promise<ReviewQueuePage> {
    const output = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: CHECKS_REVIEW_INDEX.indexName,
        KeyConditionExpression: '#queue = :queue',
        ExpressionAttributeNames: { '#queue': CHECKS_REVIEW_INDEX.partitionKey },
        ExpressionAttributeValues: { ':queue': CHECKS_REVIEW_INDEX.queue },
        ScanIndexForward: true,
        Limit: limit,
        ...(nextToken !== undefined ? { ExclusiveStartKey: decodeCursor(nextToken) } : {}),
      }),
    );
    const checks = (output.Items ?? []).map((item) => this.toCheck(String(item[PK]), item));
    return output.LastEvaluatedKey ? { checks, nextToken: encodeCursor(output.LastEvaluatedKey) } : { checks };
  }

  async erase(checkId: string, tombstone: ErasureTombstone, outbox?: Outbox): Promise<Check | undefined> {
    // Events the record holds unpublished (a transition whose function has not cleared them yet)
    // move onto the tombstone ahead of `outbox`, so the erasure loses no committed event. The Put
    // is conditional on the outbox it copies: when that changed in between (a publisher cleared
    // it, a transition appended to it), the record is read again and the Put retried.
    let held: Pick<Check, 'outbox' | 'sweepAt'> = {};
    for (let attempt = 1; attempt <= ERASE_ATTEMPTS; attempt += 1) {
      const replaced = await this.putTombstone(checkId, tombstone, outbox, held);
      if (replaced !== 'outbox changed') return replaced;
      const current = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: checkId }, ConsistentRead: true }),
      );
      if (current.Item === undefined || current.Item.status === ERASED) return undefined;
      held = this.toCheck(checkId, current.Item);
    }
    throw new TransitionConflictError(checkId, 'erase');
  }

  /** The record as it was, undefined if there was none, or 'outbox changed' when it no longer holds `held.outbox`. */
  private async putTombstone(
    checkId: string,
    tombstone: ErasureTombstone,
    outbox: Outbox | undefined,
    held: Pick<Check, 'outbox' | 'sweepAt'>,
  ): Promise<Check | undefined | 'outbox changed'> {
    const heldEvents = held.outbox ?? [];
    const events = [...heldEvents, ...(outbox?.events ?? [])].map((event) => structuredClone(event));
    const holds = heldEvents.length > 0 ? outboxHoldsExactly(heldEvents.map((event) => event.id)) : undefined;
    try {
      // A Put replaces every attribute: nothing personal survives, whatever attributes the check had
      // (the events held until published are the PII-free envelopes). The tombstone stays so that a
      // write still in flight fails its condition instead of recreating the check. With events it
      // is on the sweep index without a sweepAfterOutbox, so clearOutbox takes it off the index.
      const output = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [PK]: checkId,
            status: ERASED,
            erasedAt: tombstone.erasedAt,
            updatedAt: tombstone.erasedAt,
            [CHECKS_TTL_ATTRIBUTE]: tombstone.expiresAt,
            ...(tombstone.receipt ? { receipt: structuredClone(tombstone.receipt) } : {}),
            ...(events.length === 0
              ? {}
              : {
                  outbox: events,
                  [CHECKS_SWEEP_INDEX.partitionKey]: CHECKS_SWEEP_INDEX.shard,
                  // Without a new event (none could be built) the held ones stay due when they were.
                  [CHECKS_SWEEP_INDEX.sortKey]: outbox?.dueAt ?? held.sweepAt ?? 0,
                }),
          },
          ConditionExpression: `attribute_exists(#pk) AND #status <> :erased AND ${holds?.condition ?? 'attribute_not_exists(#outbox)'}`,
          ExpressionAttributeNames: { '#pk': PK, '#status': 'status', '#outbox': 'outbox', ...holds?.names },
          ExpressionAttributeValues: { ':erased': ERASED, ...holds?.values },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return output.Attributes === undefined ? undefined : this.toCheck(checkId, output.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'outbox changed';
      throw error;
    }
  }

  /** A conditional UpdateItem: the new check, or undefined when the condition did not hold. */
  private async transition(checkId: string, spec: UpdateSpec): Promise<Check | undefined> {
    const item = await this.updateIf(checkId, spec);
    return item === undefined ? undefined : this.toCheck(checkId, item);
  }

  /** A conditional UpdateItem: the new item as stored (a check or a tombstone), or undefined when the condition did not hold. */
  private async updateIf(checkId: string, spec: UpdateSpec): Promise<Record<string, unknown> | undefined> {
    try {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: checkId },
          UpdateExpression: spec.update,
          ConditionExpression: spec.condition,
          ExpressionAttributeNames: usedNames(`${spec.update} ${spec.condition}`, {
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#sweepAt': CHECKS_SWEEP_INDEX.sortKey,
            ...spec.names,
          }),
          ExpressionAttributeValues: spec.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return output.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async finish(
    checkId: string,
    to: Extract<CheckStatus, 'COMPLETED' | 'FAILED'>,
    outcome: { readonly result: CheckResult } | { readonly failure: Reason },
    details: FinishDetails,
  ): Promise<void> {
    const [outcomeName, outcomeValue] = 'result' in outcome ? ['result', outcome.result] : ['failure', outcome.failure];
    const sets = ['#status = :to', '#outcome = :outcome', '#media = :media', '#completedAt = :at', '#updatedAt = :at'];
    // The sweep makes sure the media is gone by then, even if the inline deletion fails; an outbox
    // may make the check due earlier.
    const events = details.outbox ? outboxUpdate(details.outbox, details.mediaDueAt) : undefined;
    sets.push(...(events?.sets ?? ['#sweepAt = :mediaDueAt']));
    const names: Record<string, string> = {
      '#outcome': outcomeName,
      '#media': 'media',
      '#completedAt': 'completedAt',
      ...events?.names,
    };
    const values: Record<string, unknown> = {
      ':to': to,
      ':processing': 'PROCESSING',
      ':outcome': outcomeValue,
      ':media': [...details.media],
      ':at': details.at,
      ...(events ? events.values : { ':mediaDueAt': details.mediaDueAt }),
    };
    if ('result' in outcome && outcome.result.decision === 'REVIEW') {
      // Onto the review queue (a sparse index), in the order the checks were decided.
      sets.push('#reviewQueue = :reviewQueue', '#reviewAt = :at');
      Object.assign(names, REVIEW_QUEUE_NAMES);
      values[':reviewQueue'] = CHECKS_REVIEW_INDEX.queue;
    }
    if (details.providerMs !== undefined) {
      sets.push('#providerMs = :providerMs');
      names['#providerMs'] = 'providerMs';
      values[':providerMs'] = details.providerMs;
    }
    const updated = await this.transition(checkId, {
      update: `SET ${sets.join(', ')}`,
      condition: '#status = :processing',
      names,
      values,
    });
    if (!updated) throw new TransitionConflictError(checkId, `PROCESSING→${to}`);
  }

  private toCheck(checkId: string, item: Record<string, unknown>): Check {
    // An item is the domain's check plus the sweep index's shard attribute, which parsing drops.
    const parsed = checkSchema.safeParse(item);
    if (!parsed.success) {
      throw new InvalidStoredItemError(this.tableName, checkId, { cause: parsed.error });
    }
    return parsed.data;
  }
}
