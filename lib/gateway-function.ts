// The one house Lambda construct: every function of the gateway gets the same runtime, bundling,
// tracing and logging defaults, and receives permissions only through the intent-named bind methods.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { APPLICANT_KEY_PREFIX, MEDIA_FINGERPRINT_KEY_PREFIX } from '../src/adapters/aws/table-schema';
import type { GatewayConfigInput } from '../src/core/config';

/** Key prefix under which every uploaded part lives (`checks/{checkId}/{part}`, see `mediaKey`). */
export const MEDIA_PREFIX = 'checks/';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/**
 * What a function does to check records, named after the repository methods that do it:
 * `get` (GetItem), `create` (conditional PutItem), `update` (every conditional transition,
 * UpdateItem), `erase` (PutItem of a tombstone over the record, erasure on request only).
 */
export type ChecksTableOperation = 'get' | 'create' | 'update' | 'erase';
export type AuditLogAccess = 'append' | 'appendAndRead' | 'read';

export interface GatewayFunctionProps {
  /** TypeScript entry file exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The gateway's runtime configuration (may hold tokens); becomes the JSON of `GATEWAY_CONFIG`. */
  readonly gatewayConfig: GatewayConfigInput;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN — logs may be needed after the function is gone */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** @default 'liveness-gateway' */
  readonly serviceName?: string;
  /**
   * Directory holding package.json and package-lock.json; esbuild resolves modules from here.
   * @default the repository root (the parent of lib/)
   */
  readonly projectRoot?: string;
  /**
   * Shell commands run after esbuild, given the project root and the bundle's folder: files the
   * function reads from disk beside its code (the processor's face detector assets).
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/** The logging settings every function of the gateway shares. */
export type FunctionLoggingOptions = Pick<GatewayFunctionProps, 'logRetention' | 'logLevel'>;

export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

// Conditional writes (the state machine) are PutItem/UpdateItem with a condition, so no
// transaction or batch action is needed. Records leave by TTL; erasure replaces one with a
// tombstone (so no write still in flight can recreate it), so no function may DeleteItem.
const CHECKS_TABLE_ACTIONS: Readonly<Record<ChecksTableOperation, string>> = {
  get: 'dynamodb:GetItem',
  create: 'dynamodb:PutItem',
  update: 'dynamodb:UpdateItem',
  erase: 'dynamodb:PutItem',
};
// The audit trail is append-only: nothing here may change or remove an entry.
const AUDIT_APPEND_ACTIONS = ['dynamodb:PutItem'];
const AUDIT_READ_ACTIONS = ['dynamodb:Query'];
// Spelled out rather than `kms:GenerateDataKey*`/`kms:ReEncrypt*` so a customer-managed key adds no wildcard.
const KMS_DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_ENCRYPT_DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

export class GatewayFunction extends Construct implements iam.IGrantable {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? REPOSITORY_ROOT;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy lets the function
    // write to any log group in the account, this one only to its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      // 22.x, not the newest runtime: the code is tested on Node 20–22 (package.json engines).
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        GATEWAY_CONFIG: Stack.of(this).toJsonString(props.gatewayConfig),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'liveness-gateway',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer ESM builds of dependencies so tree shaking works.
        mainFields: ['module', 'main'],
        // Some bundled CommonJS dependencies call require() on Node built-ins; ESM output has no require.
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        minify: true,
        // Error classes name themselves after their class (GatewayError): keep class names through minifying.
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the SDK version pinned in package.json instead of whatever the runtime ships.
        externalModules: [],
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: props.afterBundling,
              },
            }
          : {}),
      },
    });

    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the code is built and tested on Node 20-22 (package.json engines); move with the engines range, not ahead of it.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; no other statement of this role uses Resource *.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }

  /**
   * Exactly the item operations a function performs on check records. A function that only reads
   * gets only kms:Decrypt on a customer-managed key; any write also needs the key to encrypt.
   */
  bindChecksTable(table: dynamodb.ITable, operations: readonly ChecksTableOperation[]): void {
    if (operations.length === 0) throw new Error('bindChecksTable: name at least one operation');
    const unique = [...new Set(operations)];
    // Check records (and the provider state beside them), never the lookup indexes' items: those
    // have their own, narrower grants (bindApplicantCounters, bindMediaFingerprints).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: unique.map((operation) => CHECKS_TABLE_ACTIONS[operation]),
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringNotLike': {
            'dynamodb:LeadingKeys': [`${APPLICANT_KEY_PREFIX}*`, `${MEDIA_FINGERPRINT_KEY_PREFIX}*`],
          },
        },
      }),
    );
    const readOnly = unique.every((operation) => operation === 'get');
    table.encryptionKey?.grant(this.role, ...(readOnly ? KMS_DECRYPT_ACTIONS : KMS_ENCRYPT_DECRYPT_ACTIONS));
  }

  /**
   * Query on one index of the checks table, and nothing on the base table: a Query against an
   * index is authorised on the index ARN, so the grant cannot be used to read records by key.
   */
  bindChecksIndexQuery(table: dynamodb.ITable, indexName: string): void {
    this.allow(['dynamodb:Query'], [`${table.tableArn}/index/${indexName}`]);
    table.encryptionKey?.grant(this.role, ...KMS_DECRYPT_ACTIONS);
  }

  /**
   * Counts attempts per applicant: GetItem and UpdateItem on the checks table, limited by
   * dynamodb:LeadingKeys to the counter items (key prefix `keyPrefix`), so the grant cannot touch a check.
   */
  bindApplicantCounters(table: dynamodb.ITable, keyPrefix: string): void {
    this.bindPrefixedItems(table, keyPrefix, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  }

  /**
   * The replayed-media index's items (key prefix `keyPrefix`, enforced by dynamodb:LeadingKeys):
   * `claim` is GetItem and a conditional PutItem (the processor), `release` a conditional
   * DeleteItem (erasure). Neither can touch a check.
   */
  bindMediaFingerprints(table: dynamodb.ITable, keyPrefix: string, access: 'claim' | 'release'): void {
    const actions = access === 'claim' ? ['dynamodb:GetItem', 'dynamodb:PutItem'] : ['dynamodb:DeleteItem'];
    this.bindPrefixedItems(table, keyPrefix, actions);
  }

  private bindPrefixedItems(table: dynamodb.ITable, keyPrefix: string, actions: readonly string[]): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keyPrefix}*`] } },
      }),
    );
    table.encryptionKey?.grant(this.role, ...KMS_ENCRYPT_DECRYPT_ACTIONS);
  }

  /** Appends audit entries (PutItem of a new sort key) and, for readers, lists a check's trail. Never updates or deletes. */
  bindAuditLog(table: dynamodb.ITable, access: AuditLogAccess = 'append'): void {
    const actions =
      access === 'append'
        ? AUDIT_APPEND_ACTIONS
        : access === 'read'
          ? AUDIT_READ_ACTIONS
          : [...AUDIT_APPEND_ACTIONS, ...AUDIT_READ_ACTIONS];
    this.allow(actions, [table.tableArn]);
    table.encryptionKey?.grant(this.role, ...(access === 'read' ? KMS_DECRYPT_ACTIONS : KMS_ENCRYPT_DECRYPT_ACTIONS));
  }

  /**
   * Lets the presigned POST forms this function signs upload under `checks/`: S3 authorises the
   * browser's upload as the signing role, so the role itself needs s3:PutObject there.
   */
  bindMediaUpload(bucket: s3.IBucket): void {
    this.allow(['s3:PutObject'], [bucket.arnForObjects(`${MEDIA_PREFIX}*`)]);
    this.acknowledgeMediaPrefixWildcard();
    bucket.encryptionKey?.grant(this.role, 'kms:GenerateDataKey');
  }

  /** Reads uploaded parts (ranged GETs) under `checks/` only. */
  bindMediaRead(bucket: s3.IBucket): void {
    this.allow(['s3:GetObject'], [bucket.arnForObjects(`${MEDIA_PREFIX}*`)]);
    this.acknowledgeMediaPrefixWildcard();
    bucket.encryptionKey?.grant(this.role, 'kms:Decrypt');
  }

  /** Deletes uploaded parts under `checks/` (after the decision, on expiry, on erasure); S3 needs no key to delete. */
  bindMediaDelete(bucket: s3.IBucket): void {
    this.allow(['s3:DeleteObject'], [bucket.arnForObjects(`${MEDIA_PREFIX}*`)]);
    this.acknowledgeMediaPrefixWildcard();
  }

  /** Reads the values of exactly these secrets (no DescribeSecret, no listing). */
  bindProviderSecrets(secrets: readonly secretsmanager.ISecret[]): void {
    if (secrets.length === 0) return;
    this.allow(['secretsmanager:GetSecretValue'], secrets.map(secretArnForPolicies));
    for (const secret of secrets) secret.encryptionKey?.grantDecrypt(this.role);
  }

  /**
   * Sends messages to one queue (the sweep's resume requests to the processor's queue). Only
   * SendMessage: the sender never needs to look the queue up or read its attributes.
   */
  bindQueueSend(queue: sqs.IQueue): void {
    this.allow(['sqs:SendMessage'], [queue.queueArn]);
    // A KMS-encrypted queue makes the sender produce and use a data key.
    queue.encryptionMasterKey?.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  // Object keys are `checks/{checkId}/{part}` with a checkId minted per check, so the prefix
  // wildcard is the narrowest grant that still covers checks created after deployment.
  private acknowledgeMediaPrefixWildcard(): void {
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: `Media keys are ${MEDIA_PREFIX}{checkId}/{part} with a per-check id minted at runtime; ${MEDIA_PREFIX}* is the narrowest grant and keeps the role off every other key in the bucket.`,
          appliesTo: [{ regex: `/^Resource::<.+\\.Arn>\\/${MEDIA_PREFIX.replace('/', '\\/')}\\*$/` }],
        },
      ],
      true,
    );
  }

  private allow(actions: readonly string[], resources: readonly string[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [...resources] }));
  }
}

/** A secret imported by name has no known suffix; IAM needs `-??????` to match its real ARN. */
function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

/** The entry file of one of the gateway's functions (`functions/<name>/index.ts`). */
export function functionEntry(name: string): string {
  return `${FUNCTIONS_DIR}${name}/index.ts`;
}

/** The logging options out of wider props, leaving out what was not given. */
export function loggingOf(props: FunctionLoggingOptions): FunctionLoggingOptions {
  return {
    ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    ...(props.logLevel !== undefined ? { logLevel: props.logLevel } : {}),
  };
}
