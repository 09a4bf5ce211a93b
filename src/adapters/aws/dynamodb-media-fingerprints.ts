// MediaFingerprints on DynamoDB: one item per live part's bytes in the checks table, keyed by an
// HMAC-SHA256 of the part's sha256 under the deployment's index key (index-key.ts: the table never
// holds a digest that could be matched against known media). Put with attribute_not_exists: first writer wins.
// The item expires with the claiming check (TTL) and is deleted when that check is erased.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GatewayConfig } from '../../core/config';
import { ConfigurationError } from '../../core/errors';
import type { MediaFingerprints } from '../../core/ports';
import type { IndexKey } from './index-key';
import { CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE, MEDIA_FINGERPRINT_KEY_PREFIX } from './table-schema';

const PK = CHECKS_TABLE_KEYS.partitionKey;

export class DynamoDbMediaFingerprints implements MediaFingerprints {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly key: IndexKey,
  ) {}

  async claim(sha256: string, checkId: string, expiresAt: number): Promise<string> {
    const key = await this.itemKey(sha256);
    // A second round only when the entry was released (its check erased) between our put and our read.
    for (let round = 0; round < 2; round += 1) {
      if (await this.putIfAbsent(key, checkId, expiresAt)) return checkId;
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: key }, ConsistentRead: true }),
      );
      if (typeof Item?.firstCheckId === 'string') return Item.firstCheckId;
    }
    return checkId;
  }

  async release(checkId: string, sha256s: readonly string[]): Promise<void> {
    for (const sha256 of sha256s) {
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { [PK]: await this.itemKey(sha256) },
            // Only the claimant's entry: a check that was itself a replay holds none.
            ConditionExpression: '#first = :checkId',
            ExpressionAttributeNames: { '#first': 'firstCheckId' },
            ExpressionAttributeValues: { ':checkId': checkId },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  async takeOver(sha256: string, checkId: string, from: string, expiresAt: number): Promise<string> {
    const key = await this.itemKey(sha256);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [PK]: key, firstCheckId: checkId, [CHECKS_TTL_ATTRIBUTE]: expiresAt },
          ConditionExpression: '#first = :from',
          ExpressionAttributeNames: { '#first': 'firstCheckId' },
          ExpressionAttributeValues: { ':from': from },
        }),
      );
      return checkId;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Someone else took it over first, or the entry went: whoever holds it now is the first.
    if (await this.putIfAbsent(key, checkId, expiresAt)) return checkId;
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: key }, ConsistentRead: true }));
    return typeof Item?.firstCheckId === 'string' ? Item.firstCheckId : checkId;
  }

  private async putIfAbsent(key: string, checkId: string, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [PK]: key, firstCheckId: checkId, [CHECKS_TTL_ATTRIBUTE]: expiresAt },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async itemKey(sha256: string): Promise<string> {
    return `${MEDIA_FINGERPRINT_KEY_PREFIX}${await this.key.digest('media', sha256)}`;
  }
}

/** The index when the deployment has it on (indexKeyOf then gave a key). */
export function mediaFingerprints(
  config: Pick<GatewayConfig, 'duplicateMediaCheck' | 'checksTable'>,
  doc: DynamoDBDocumentClient,
  key: IndexKey | undefined,
): { fingerprints?: MediaFingerprints } {
  if (!config.duplicateMediaCheck) return {};
  if (!key) throw new ConfigurationError('duplicateMediaCheck is on but no index key is configured');
  return { fingerprints: new DynamoDbMediaFingerprints(doc, config.checksTable, key) };
}
