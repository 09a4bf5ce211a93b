// Provider state shared by every processor instance — circuit breakers and concurrency slots — as
// items in the checks table under their own key prefix ("provider#…", which no checkId, a UUID,
// can take). They carry no sweep shard, so the sweep index never sees them, and they need no
// permission the processor lacks: GetItem and conditional UpdateItem only.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProviderId } from '../../core/check';
import type { BreakerRecord, BreakerStore, ProviderSlots } from '../../core/ports';
import { CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE } from './table-schema';

const PK = CHECKS_TABLE_KEYS.partitionKey;
/** An abandoned slot item is removed by the table's TTL this long after its lease ran out. */
const SLOT_ITEM_TTL_SECONDS = 86_400;

export const breakerKey = (provider: ProviderId) => `provider#${provider}#breaker`;
export const slotKey = (provider: ProviderId, slot: number) => `provider#${provider}#slot#${slot}`;

/** One conditional UpdateItem; false when its condition did not hold. */
async function conditionalUpdate(
  doc: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof UpdateCommand>[0],
): Promise<boolean> {
  try {
    await doc.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

export class DynamoDbBreakerStore implements BreakerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(provider: ProviderId): Promise<BreakerRecord> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [PK]: breakerKey(provider) }, ConsistentRead: true }),
    );
    const openUntil = num(Item?.openUntil);
    const trialUntil = num(Item?.trialUntil);
    const trialId = typeof Item?.trialId === 'string' ? Item.trialId : undefined;
    return {
      failures: num(Item?.failures) ?? 0,
      ...(openUntil !== undefined ? { openUntil } : {}),
      ...(trialId !== undefined ? { trialId } : {}),
      ...(trialUntil !== undefined ? { trialUntil } : {}),
    };
  }

  async addFailure(provider: ProviderId): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PK]: breakerKey(provider) },
        UpdateExpression: 'ADD failures :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return num(Attributes?.failures) ?? 1;
  }

  async resetFailures(provider: ProviderId): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PK]: breakerKey(provider) },
        UpdateExpression: 'SET failures = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  openIfClosed(provider: ProviderId, openUntil: number): Promise<boolean> {
    return conditionalUpdate(this.doc, {
      TableName: this.tableName,
      Key: { [PK]: breakerKey(provider) },
      UpdateExpression: 'SET openUntil = :until REMOVE trialId, trialUntil',
      ConditionExpression: 'attribute_not_exists(openUntil)',
      ExpressionAttributeValues: { ':until': openUntil },
    });
  }

  claimTrial(provider: ProviderId, now: number, trialId: string, trialUntil: number): Promise<boolean> {
    return conditionalUpdate(this.doc, {
      TableName: this.tableName,
      Key: { [PK]: breakerKey(provider) },
      UpdateExpression: 'SET trialId = :id, trialUntil = :until',
      ConditionExpression: 'openUntil <= :now AND (attribute_not_exists(trialUntil) OR trialUntil <= :now)',
      ExpressionAttributeValues: { ':id': trialId, ':until': trialUntil, ':now': now },
    });
  }

  reopenAfterTrial(provider: ProviderId, trialId: string, openUntil: number): Promise<boolean> {
    return conditionalUpdate(this.doc, {
      TableName: this.tableName,
      Key: { [PK]: breakerKey(provider) },
      UpdateExpression: 'SET openUntil = :until REMOVE trialId, trialUntil',
      ConditionExpression: 'trialId = :id',
      ExpressionAttributeValues: { ':id': trialId, ':until': openUntil },
    });
  }

  closeAfterTrial(provider: ProviderId, trialId: string): Promise<boolean> {
    return conditionalUpdate(this.doc, {
      TableName: this.tableName,
      Key: { [PK]: breakerKey(provider) },
      UpdateExpression: 'SET failures = :zero REMOVE openUntil, trialId, trialUntil',
      ConditionExpression: 'trialId = :id',
      ExpressionAttributeValues: { ':id': trialId, ':zero': 0 },
    });
  }
}

/**
 * One item per slot (`cap` of them): taking one is a conditional write that succeeds only when it
 * is free or its lease ran out, so at most `cap` holders exist at any time, and a crashed holder's
 * slot comes free when its lease ends.
 */
export class DynamoDbProviderSlots implements ProviderSlots {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly random: () => number = Math.random,
  ) {}

  async acquire(provider: ProviderId, cap: number, holder: string, now: number, leaseUntil: number): Promise<number | undefined> {
    // Start at a random slot so concurrent callers do not all contend for slot 0.
    const first = Math.floor(this.random() * cap);
    for (let offset = 0; offset < cap; offset++) {
      const slot = (first + offset) % cap;
      const taken = await conditionalUpdate(this.doc, {
        TableName: this.tableName,
        Key: { [PK]: slotKey(provider, slot) },
        UpdateExpression: 'SET holder = :holder, leaseUntil = :until, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(holder) OR leaseUntil < :now',
        ExpressionAttributeNames: { '#ttl': CHECKS_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':holder': holder,
          ':until': leaseUntil,
          ':now': now,
          ':ttl': Math.ceil(leaseUntil / 1000) + SLOT_ITEM_TTL_SECONDS,
        },
      });
      if (taken) return slot;
    }
    return undefined;
  }

  async release(provider: ProviderId, slot: number, holder: string): Promise<void> {
    // A holder whose lease was taken over must not free the new holder's slot.
    await conditionalUpdate(this.doc, {
      TableName: this.tableName,
      Key: { [PK]: slotKey(provider, slot) },
      UpdateExpression: 'REMOVE holder, leaseUntil',
      ConditionExpression: 'holder = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    });
  }
}
