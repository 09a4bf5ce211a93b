import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** How the gateway's stateful resources (media, check records, audit trail) are kept. */
export interface StatefulOptions {
  /**
   * Customer-managed key for the media bucket and both tables.
   * @default - S3-managed encryption for the bucket, the AWS-managed DynamoDB key for the tables
   */
  readonly encryptionKey?: kms.IKey;
  /** Applies to the buckets, both tables and the API access logs. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;
