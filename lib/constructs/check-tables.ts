// The checks table (one item per check, TTL, the sparse sweep index) and the append-only audit
// trail, both on demand with point-in-time recovery. Functions get item-level grants by intent.
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  APPLICANT_KEY_PREFIX,
  AUDIT_TABLE_KEYS,
  CHECKS_REVIEW_INDEX,
  CHECKS_SWEEP_INDEX,
  CHECKS_TABLE_KEYS,
  CHECKS_TTL_ATTRIBUTE,
} from '../../src/adapters/aws/table-schema';
import type { AuditLogAccess, ChecksTableOperation, GatewayFunction } from '../gateway-function';
import { DEFAULT_REMOVAL_POLICY, type StatefulOptions } from './shared-options';

export type CheckTablesOptions = StatefulOptions;

export class CheckTables extends Construct {
  readonly checksTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CheckTablesOptions = {}) {
    super(scope, id);
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...tableEncryption(props.encryptionKey),
      removalPolicy: props.removalPolicy ?? DEFAULT_REMOVAL_POLICY,
    };

    this.checksTable = new dynamodb.Table(this, 'ChecksTable', {
      ...common,
      partitionKey: { name: CHECKS_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: CHECKS_TTL_ATTRIBUTE,
    });
    // Sparse: only checks the sweep has work for carry the shard key (see table-schema.ts).
    this.checksTable.addGlobalSecondaryIndex({
      indexName: CHECKS_SWEEP_INDEX.indexName,
      partitionKey: { name: CHECKS_SWEEP_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CHECKS_SWEEP_INDEX.sortKey, type: dynamodb.AttributeType.NUMBER },
      // ALL: listDue parses whole checks from the index (status, parts, leases) without a GetItem each.
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Sparse: only REVIEW checks awaiting a person carry the queue key (see table-schema.ts).
    this.checksTable.addGlobalSecondaryIndex({
      indexName: CHECKS_REVIEW_INDEX.indexName,
      partitionKey: { name: CHECKS_REVIEW_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CHECKS_REVIEW_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      // ALL: the queue lists reasons and provider without a GetItem per check.
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // No TTL: the audit trail outlives the checks it describes.
    this.auditTable = new dynamodb.Table(this, 'AuditTable', {
      ...common,
      partitionKey: { name: AUDIT_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
    });
  }

  /** Exactly these item operations on check records. */
  grantCheckOperations(fn: GatewayFunction, operations: readonly ChecksTableOperation[]): void {
    fn.bindChecksTable(this.checksTable, operations);
  }

  /** Query on the sweep index only (never the base table). */
  grantSweepIndexQuery(fn: GatewayFunction): void {
    fn.bindChecksIndexQuery(this.checksTable, CHECKS_SWEEP_INDEX.indexName);
  }

  /** The per-applicant attempt counters, and no check record. */
  grantApplicantCounters(fn: GatewayFunction): void {
    fn.bindApplicantCounters(this.checksTable, APPLICANT_KEY_PREFIX);
  }

  /** Query on the review index only (never the base table). */
  grantReviewIndexQuery(fn: GatewayFunction): void {
    fn.bindChecksIndexQuery(this.checksTable, CHECKS_REVIEW_INDEX.indexName);
  }

  /** Appends to the audit trail and, with `appendAndRead`, lists a check's entries. Never changes one. */
  grantAuditLog(fn: GatewayFunction, access?: AuditLogAccess): void {
    fn.bindAuditLog(this.auditTable, access);
  }
}

function tableEncryption(key: kms.IKey | undefined): Pick<dynamodb.TableProps, 'encryption' | 'encryptionKey'> {
  return key
    ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
    : { encryption: dynamodb.TableEncryption.AWS_MANAGED };
}
