// ApplicantAttempts on DynamoDB: one counter item per applicant in the checks table, under a key
// prefix no check id can take (check ids are UUIDs), keyed by an HMAC of the applicant under the
// index key (index-key.ts): the externalRef or JWT subject is never stored in the clear, so nothing
// of an erased applicant's reference outlives its checks in the counters. Every step is a conditional UpdateItem, so
// racing creates never read-then-write: of N at once, at most `cap` pass within one window.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GatewayConfig } from '../../core/config';
import { ConfigurationError } from '../../core/errors';
import type { ApplicantAttempts, AttemptTaken, AttemptWindow } from '../../core/ports';
import type { IndexKey } from './index-key';
import { APPLICANT_KEY_PREFIX, CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE } from './table-schema';

const PK = CHECKS_TABLE_KEYS.partitionKey;
/** A reset can lose to a concurrent reset; then the count is tried again in the new window. */
const MAX_ROUNDS = 3;

const NAMES = { '#count': 'attemptCount', '#windowStart': 'windowStart', '#expiresAt': CHECKS_TTL_ATTRIBUTE };

export class DynamoDbApplicantAttempts implements ApplicantAttempts {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly indexKey: IndexKey,
  ) {}

  async take(applicant: string, window: AttemptWindow): Promise<AttemptTaken> {
    const key = { [PK]: `${APPLICANT_KEY_PREFIX}${await this.indexKey.digest('applicant', applicant)}` };
    const expired = window.now - window.windowSeconds;
    const windowEnd = window.now + window.windowSeconds;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      // Count one more in the current window, if it is open and not full.
      if (
        await this.conditional({
          Key: key,
          UpdateExpression:
            'SET #windowStart = if_not_exists(#windowStart, :now), #expiresAt = if_not_exists(#expiresAt, :end) ADD #count :one',
          ConditionExpression: 'attribute_not_exists(#count) OR (#count < :cap AND #windowStart > :expired)',
          ExpressionAttributeValues: {
            ':now': window.now,
            ':end': windowEnd,
            ':one': 1,
            ':cap': window.cap,
            ':expired': expired,
          },
        })
      )
        return { allowed: true };
      // Or start a new window, if the current one has ended.
      if (
        await this.conditional({
          Key: key,
          UpdateExpression: 'SET #windowStart = :now, #expiresAt = :end, #count = :one',
          ConditionExpression: '#windowStart <= :expired',
          ExpressionAttributeValues: { ':now': window.now, ':end': windowEnd, ':one': 1, ':expired': expired },
        })
      )
        return { allowed: true };
    }
    // Refused: the read only says how long to wait, it decides nothing.
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const windowStart = typeof Item?.windowStart === 'number' ? Item.windowStart : window.now;
    return { allowed: false, retryAfterSeconds: Math.max(1, windowStart + window.windowSeconds - window.now) };
  }

  private async conditional(input: {
    Key: Record<string, string>;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeValues: Record<string, number>;
  }): Promise<boolean> {
    const names = Object.fromEntries(
      Object.entries(NAMES).filter(([placeholder]) =>
        `${input.UpdateExpression} ${input.ConditionExpression}`.includes(placeholder),
      ),
    );
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input, ExpressionAttributeNames: names }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** The counters when the deployment caps attempts (indexKeyOf then gave a key). */
export function applicantAttempts(
  config: Pick<GatewayConfig, 'maxAttemptsPerApplicant' | 'checksTable'>,
  doc: DynamoDBDocumentClient,
  key: IndexKey | undefined,
): { attempts?: ApplicantAttempts } {
  if (config.maxAttemptsPerApplicant === 0) return {};
  if (!key) throw new ConfigurationError('maxAttemptsPerApplicant is on but no index key is configured');
  return { attempts: new DynamoDbApplicantAttempts(doc, config.checksTable, key) };
}
