// The deployed gateway: private media bucket → SQS → processor, an HTTP API of four small
// functions, a scheduled sweep, the checks and audit tables, and one Secrets Manager secret per
// enabled provider.
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AUDIT_TABLE_KEYS, CHECKS_SWEEP_INDEX, CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE } from '../src/adapters/aws/table-schema';
import type { ProviderId } from '../src/core/check';
import { PROVIDER_ADAPTERS, PROVIDER_IDS } from '../src/providers/registry';
import { gatewayConfigSchema, type GatewayConfigInput } from '../src/core/config';
import { GatewayFunction, MEDIA_PREFIX, type LogLevel } from './gateway-function';

type ProviderConfigInput = NonNullable<GatewayConfigInput['providers'][ProviderId]>;

export interface ProviderProps {
  readonly id: ProviderId;
  /**
   * Name of an existing Secrets Manager secret holding this provider's credentials JSON.
   * @default - a new, empty secret; the operator puts the value after the first deploy
   */
  readonly secretName?: string;
  /** @default - the provider's built-in media limits */
  readonly limits?: ProviderConfigInput['limits'];
  /** Provider-specific settings, checked by the provider adapter. @default {} */
  readonly settings?: ProviderConfigInput['settings'];
  /** One HTTP attempt. @default 20 000 (runtime default) */
  readonly timeoutMs?: number;
  /** @default 3 (runtime default) */
  readonly maxAttempts?: number;
  /** All attempts and back-off together. @default 60 000 (runtime default) */
  readonly totalBudgetMs?: number;
  /** A PASS whose liveness score falls inside the band becomes REVIEW. @default - no band */
  readonly reviewBand?: ProviderConfigInput['reviewBand'];
}

export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface JwtAuthorizerProps {
  /** The identity provider's issuer URL (the `iss` claim), e.g. a Cognito user pool's `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values; at least one. */
  readonly audience: readonly string[];
}

export interface LivenessGatewayStackProps extends StackProps {
  /** The enabled providers; only these get a secret and only their secrets are readable. */
  readonly providers: readonly ProviderProps[];
  readonly defaultProvider: ProviderId;
  /** Browser origins allowed to upload to the bucket and poll the API. An empty list allows none. */
  readonly corsOrigins: readonly string[];
  /** @default 900 */
  readonly uploadExpirySeconds?: number;
  /** @default 30 */
  readonly checkRetentionDays?: number;
  /** How long a provider secret is cached in a function. @default 300 (runtime default) */
  readonly secretCacheSeconds?: number;
  /** Concurrent processor invocations, and so concurrent provider calls. @default 5 */
  readonly processorConcurrency?: number;
  /** S3 notifications per processor invocation (1–5). @default 1 */
  readonly processorBatchSize?: number;
  /**
   * Must cover the media check plus the largest provider `totalBudgetMs`.
   * @default Duration.minutes(2)
   */
  readonly processorTimeout?: Duration;
  /** @default 1024 */
  readonly processorMemorySize?: number;
  /**
   * How long one processing attempt owns a check before the sweep may resume it. Must exceed
   * `processorTimeout`, or a resumed attempt could run beside one that is still alive.
   * @default - processorTimeout + 60 s
   */
  readonly processingLeaseSeconds?: number;
  /** Attempts (first run plus resumes) before a check that keeps dying ends FAILED. @default 3 */
  readonly maxProcessingAttempts?: number;
  /** Media is deleted this long after the check is decided (0: at once). @default 0 */
  readonly mediaRetentionSeconds?: number;
  /** A check with missing uploads is expired this long after its upload forms expired. @default 300 */
  readonly uploadGraceSeconds?: number;
  /** How often the sweep runs (whole minutes). @default Duration.minutes(5) */
  readonly sweepInterval?: Duration;
  /**
   * Authorise `POST /v1/checks` with JWTs from this issuer instead of SigV4. The result and delete
   * routes stay IAM-only: they read and erase biometric outcomes, which stays with AWS principals.
   * @default - IAM on every backend route
   */
  readonly jwtAuthorizer?: JwtAuthorizerProps;
  /** @default { rateLimit: 50, burstLimit: 100 } */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Customer-managed key for the media bucket and both tables.
   * @default - S3-managed encryption for the bucket, the AWS-managed DynamoDB key for the tables
   */
  readonly encryptionKey?: kms.IKey;
  /** Applies to the bucket, the access-log bucket and both tables. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

// What the operator puts in each provider's secret (README.md, "Providers").
const SECRET_SHAPES: Readonly<Record<ProviderId, string>> = Object.fromEntries(
  PROVIDER_ADAPTERS.map((adapter) => [adapter.id, adapter.secretExample]),
);

const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));
const functionEntry = (name: string): string => `${FUNCTIONS_DIR}${name}/index.ts`;

// The processor must outlive the provider budget by enough to inspect media and write results.
const PROCESSOR_HEADROOM_MS = 30_000;
const DEFAULT_PROVIDER_BUDGET_MS = 60_000;
// Lease beyond the processor timeout: Lambda stops an invocation at its timeout, and the margin
// covers clock skew and the last write in flight, so a resumed attempt never meets a live one.
const LEASE_MARGIN_SECONDS = 60;
// A sweep run handles at most 200 due checks (sweep.ts), a few sequential calls each.
const SWEEP_TIMEOUT = Duration.minutes(1);
const DAY_SECONDS = 86_400;

export class LivenessGatewayStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly mediaBucket: s3.Bucket;
  readonly checksTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly uploadQueue: sqs.Queue;
  readonly uploadDeadLetterQueue: sqs.Queue;
  readonly functions: Readonly<
    Record<'createCheck' | 'getCheck' | 'getCheckResult' | 'eraseCheck' | 'processUpload' | 'sweep', GatewayFunction>
  >;
  /** Runs the sweep every `sweepInterval`. */
  readonly sweepSchedule: events.Rule;
  /** The secret each enabled provider reads its credentials from. */
  readonly providerSecrets: Readonly<Partial<Record<ProviderId, secretsmanager.ISecret>>>;

  constructor(scope: Construct, id: string, props: LivenessGatewayStackProps) {
    super(scope, id, props);
    const settings = resolveSettings(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const key = props.encryptionKey;

    // ---- Secrets: one per enabled provider, never a value in the template.
    const providerSecrets = props.providers.map((provider) => ({
      provider,
      secret: provider.secretName
        ? secretsmanager.Secret.fromSecretNameV2(this, `${pascal(provider.id)}ProviderSecret`, provider.secretName)
        : this.emptyProviderSecret(provider.id),
    }));
    this.providerSecrets = Object.fromEntries(providerSecrets.map(({ provider, secret }) => [provider.id, secret]));

    // ---- Storage.
    const accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy,
    });

    this.mediaBucket = new s3.Bucket(this, 'MediaBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(key ? { encryptionKey: key, bucketKeyEnabled: true } : {}),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Browsers upload with presigned POST forms; nothing else is allowed cross-origin.
      ...(props.corsOrigins.length > 0
        ? {
            cors: [
              {
                allowedMethods: [s3.HttpMethods.POST],
                allowedOrigins: [...props.corsOrigins],
                allowedHeaders: ['*'],
                maxAge: 3000,
              },
            ],
          }
        : {}),
      lifecycleRules: [
        {
          // Safety net only. The gateway deletes media itself, at a time it records: the processor
          // after the decision (or mediaRetentionSeconds later, via the sweep), the sweep for expired
          // checks, the erase route on request. This rule catches what they missed (a crash between
          // upload and record, an upload for an unknown check), so it is sized never to fire first.
          id: 'expire-unprocessed-media',
          prefix: MEDIA_PREFIX,
          expiration: Duration.days(settings.mediaSafetyNetDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'media-bucket/',
      autoDeleteObjects: false,
      removalPolicy,
    });

    this.checksTable = new dynamodb.Table(this, 'ChecksTable', {
      partitionKey: { name: CHECKS_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      timeToLiveAttribute: CHECKS_TTL_ATTRIBUTE,
      removalPolicy,
    });
    // Sparse: only checks the sweep has work for carry the shard key (see table-schema.ts).
    this.checksTable.addGlobalSecondaryIndex({
      indexName: CHECKS_SWEEP_INDEX.indexName,
      partitionKey: { name: CHECKS_SWEEP_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CHECKS_SWEEP_INDEX.sortKey, type: dynamodb.AttributeType.NUMBER },
      // ALL: listDue parses whole checks from the index (status, parts, leases) without a GetItem each.
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.auditTable = new dynamodb.Table(this, 'AuditTable', {
      partitionKey: { name: AUDIT_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      removalPolicy,
    });

    // ---- Upload events: S3 → SQS (buffer, retries, DLQ) → processor.
    this.uploadDeadLetterQueue = new sqs.Queue(this, 'UploadEventsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.uploadQueue = new sqs.Queue(this, 'UploadEventsQueue', {
      // SQS-managed rather than KMS: S3 notifications cannot publish to a queue under the AWS-managed SQS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(settings.processorTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.uploadDeadLetterQueue, maxReceiveCount: 3 },
    });
    this.mediaBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.uploadQueue), {
      prefix: MEDIA_PREFIX,
    });
    this.suppressBucketNotificationsHandlerFindings();

    // ---- Functions.
    const config: GatewayConfigInput = {
      checksTable: this.checksTable.tableName,
      auditTable: this.auditTable.tableName,
      mediaBucket: this.mediaBucket.bucketName,
      defaultProvider: props.defaultProvider,
      providers: Object.fromEntries(
        providerSecrets.map(({ provider, secret }) => [
          provider.id,
          providerConfig(provider, provider.secretName ?? secret.secretArn),
        ]),
      ),
      uploadExpirySeconds: settings.uploadExpirySeconds,
      checkRetentionDays: settings.checkRetentionDays,
      ...(props.secretCacheSeconds !== undefined ? { secretCacheSeconds: props.secretCacheSeconds } : {}),
      mediaRetentionSeconds: settings.mediaRetentionSeconds,
      processingLeaseSeconds: settings.processingLeaseSeconds,
      maxProcessingAttempts: settings.maxProcessingAttempts,
      uploadGraceSeconds: settings.uploadGraceSeconds,
    };
    // Only the sweep sends resume requests, so only its configuration names the queue.
    const sweepConfig: GatewayConfigInput = { ...config, resumeQueueUrl: this.uploadQueue.queueUrl };
    assertValidConfig(config);
    assertValidConfig(sweepConfig);
    const common = {
      gatewayConfig: Stack.of(this).toJsonString(config),
      logRetention,
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
    };

    const createCheck = new GatewayFunction(this, 'CreateCheck', {
      ...common,
      entry: functionEntry('create-check'),
      description: 'Liveness Gateway POST /v1/checks',
    });
    // CheckRepository.create: one conditional PutItem.
    createCheck.bindChecksTable(this.checksTable, ['create']);
    createCheck.bindAuditLog(this.auditTable);
    createCheck.bindMediaUpload(this.mediaBucket);

    const getCheck = new GatewayFunction(this, 'GetCheck', {
      ...common,
      entry: functionEntry('get-check'),
      description: 'Liveness Gateway GET /v1/checks/{checkId}',
    });
    getCheck.bindChecksTable(this.checksTable, ['get']);

    const getCheckResult = new GatewayFunction(this, 'GetCheckResult', {
      ...common,
      entry: functionEntry('get-check-result'),
      description: 'Liveness Gateway GET /v1/checks/{checkId}/result',
    });
    getCheckResult.bindChecksTable(this.checksTable, ['get']);

    const eraseCheck = new GatewayFunction(this, 'EraseCheck', {
      ...common,
      entry: functionEntry('erase-check'),
      description: 'Liveness Gateway DELETE /v1/checks/{checkId}',
    });
    // get → media → DeleteItem; an already-erased check is answered from its audit tombstone (Query).
    eraseCheck.bindChecksTable(this.checksTable, ['get', 'erase']);
    eraseCheck.bindAuditLog(this.auditTable, 'appendAndRead');
    eraseCheck.bindMediaDelete(this.mediaBucket);

    const processUpload = new GatewayFunction(this, 'ProcessUpload', {
      ...common,
      entry: functionEntry('process-upload'),
      description: 'Liveness Gateway upload processor',
      timeout: settings.processorTimeout,
      memorySize: props.processorMemorySize ?? 1024,
    });
    // get, then conditional transitions only (recordPart, start/resume, answer, complete/fail,
    // markMediaDeleted): no PutItem, no DeleteItem.
    processUpload.bindChecksTable(this.checksTable, ['get', 'update']);
    processUpload.bindAuditLog(this.auditTable);
    processUpload.bindMediaRead(this.mediaBucket);
    // Media goes after the decision, and an upload for an unknown (erased) check at once.
    processUpload.bindMediaDelete(this.mediaBucket);
    processUpload.bindProviderSecrets(providerSecrets.map(({ secret }) => secret));
    processUpload.function.addEventSource(
      new SqsEventSource(this.uploadQueue, {
        batchSize: settings.processorBatchSize,
        reportBatchItemFailures: true,
        // Caps concurrent invocations, hence concurrent calls to the (paid, rate-limited) providers.
        maxConcurrency: settings.processorConcurrency,
      }),
    );

    // The sweep never reads media or secrets: it expires, deletes media that is due, and hands
    // dead attempts back to the processor through its queue, so those grants stay with the processor.
    const sweep = new GatewayFunction(this, 'Sweep', {
      ...common,
      gatewayConfig: Stack.of(this).toJsonString(sweepConfig),
      entry: functionEntry('sweep'),
      description: 'Liveness Gateway scheduled sweep',
      timeout: SWEEP_TIMEOUT,
    });
    // listDue queries the sweep index; expire and markMediaDeleted are conditional UpdateItems.
    sweep.bindChecksIndexQuery(this.checksTable, CHECKS_SWEEP_INDEX.indexName);
    sweep.bindChecksTable(this.checksTable, ['update']);
    sweep.bindAuditLog(this.auditTable);
    sweep.bindMediaDelete(this.mediaBucket);
    sweep.bindQueueSend(this.uploadQueue);
    // No retries, neither of a failed delivery (EventBridge) nor of a failed run (Lambda async
    // invoke): every run starts afresh from the index, so the next scheduled run picks up whatever
    // this one missed, and a retry would only overlap it.
    sweep.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the Liveness Gateway sweep',
      schedule: events.Schedule.rate(settings.sweepInterval),
      targets: [new eventsTargets.LambdaFunction(sweep.function, { retryAttempts: 0 })],
    });

    this.functions = { createCheck, getCheck, getCheckResult, eraseCheck, processUpload, sweep };

    // ---- HTTP API.
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Liveness Gateway API',
      createDefaultStage: false,
      // HTTP API CORS is API-wide; only GET with a bearer token is allowed, which is the poll
      // route's shape (the other GET route needs a SigV4 signature a browser does not have).
      ...(props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              // With a JWT authoriser the browser creates checks itself, so POST (with a JSON body) is allowed too.
              allowMethods: props.jwtAuthorizer
                ? [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST]
                : [apigwv2.CorsHttpMethod.GET],
              allowHeaders: props.jwtAuthorizer ? ['authorization', 'content-type'] : ['authorization'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.apiThrottle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No headers: the Authorization header carries the poll token.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            // The JWT variant's caller: the subject, never the token.
            jwtSubject: '$context.authorizer.claims.sub',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const iamAuthorizer = new HttpIamAuthorizer();
    const createAuthorizer = props.jwtAuthorizer
      ? new HttpJwtAuthorizer('CreateCheckJwtAuthorizer', props.jwtAuthorizer.issuer, {
          jwtAudience: [...props.jwtAuthorizer.audience],
        })
      : iamAuthorizer;
    this.api.addRoutes({
      path: '/v1/checks',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CreateCheckIntegration', createCheck.function),
      authorizer: createAuthorizer,
    });
    const pollRoutes = this.api.addRoutes({
      path: '/v1/checks/{checkId}',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckIntegration', getCheck.function),
    });
    NagSuppressions.addResourceSuppressions(pollRoutes, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The poll route is called by end-user browsers that hold no AWS credentials; the handler authorises each call against the hashed per-check poll token issued by the IAM-authorised create route.',
      },
    ]);
    this.api.addRoutes({
      path: '/v1/checks/{checkId}/result',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckResultIntegration', getCheckResult.function),
      authorizer: iamAuthorizer,
    });
    this.api.addRoutes({
      path: '/v1/checks/{checkId}',
      methods: [apigwv2.HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('EraseCheckIntegration', eraseCheck.function),
      authorizer: iamAuthorizer,
    });

    // ---- Outputs: where to call, and which secrets to fill (ARNs only, never values).
    new CfnOutput(this, 'ApiUrl', { value: stage.url, description: 'Base URL of the Liveness Gateway API' });
    new CfnOutput(this, 'MediaBucketName', { value: this.mediaBucket.bucketName });
    new CfnOutput(this, 'ChecksTableName', { value: this.checksTable.tableName });
    new CfnOutput(this, 'AuditTableName', { value: this.auditTable.tableName });
    new CfnOutput(this, 'UploadDeadLetterQueueUrl', {
      value: this.uploadDeadLetterQueue.queueUrl,
      description: 'Upload notifications that failed three times; inspect and redrive',
    });
    for (const { provider, secret } of providerSecrets) {
      new CfnOutput(this, `${pascal(provider.id)}SecretArn`, {
        value: provider.secretName ?? secret.secretArn,
        description: provider.secretName
          ? `Existing secret used for ${provider.id} credentials: ${SECRET_SHAPES[provider.id]}`
          : `EMPTY secret for ${provider.id}: put ${SECRET_SHAPES[provider.id]} with aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string file://${provider.id}.json`,
      });
    }
  }

  /**
   * The L2 Secret always asks CloudFormation to generate a random value; the credentials are
   * a vendor-issued JSON document, so the secret is created empty and filled by the operator.
   */
  private emptyProviderSecret(provider: ProviderId): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `${pascal(provider)}ProviderSecret`, {
      description: `Liveness Gateway ${provider} credentials as JSON: ${SECRET_SHAPES[provider]}`,
    });
    const cfnSecret = secret.node.defaultChild;
    if (!(cfnSecret instanceof secretsmanager.CfnSecret)) throw new Error('Secret has no CfnSecret');
    cfnSecret.addPropertyDeletionOverride('GenerateSecretString');
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds vendor-issued API credentials that can only be rotated at the vendor; the operator puts the new value and functions re-read it after secretCacheSeconds, with no redeploy.',
      },
    ]);
    return secret;
  }

  /** The singleton CDK creates to configure bucket notifications is CDK's code, not ours. */
  private suppressBucketNotificationsHandlerFindings(): void {
    const handlers = this.node.children.filter((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    NagSuppressions.addResourceSuppressions(
      handlers,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'CDK-provided deploy-time handler that configures the bucket notification (its s3:PutBucketNotification is scoped to the media bucket); the managed AWSLambdaBasicExecutionRole only lets it write logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      ],
      true,
    );
  }
}

interface ResolvedSettings {
  readonly uploadExpirySeconds: number;
  readonly checkRetentionDays: number;
  readonly processorConcurrency: number;
  readonly processorBatchSize: number;
  readonly processorTimeout: Duration;
  readonly processingLeaseSeconds: number;
  readonly maxProcessingAttempts: number;
  readonly mediaRetentionSeconds: number;
  readonly uploadGraceSeconds: number;
  readonly sweepInterval: Duration;
  /** Expiration of the `checks/` lifecycle rule. */
  readonly mediaSafetyNetDays: number;
  readonly apiThrottle: ApiThrottle;
}

/** Props are checked before any resource is made, so a bad context fails synth with a clear message. */
function resolveSettings(props: LivenessGatewayStackProps): ResolvedSettings {
  const problems: string[] = [];
  const ids = props.providers.map((provider) => provider.id);
  if (ids.length === 0) problems.push('providers: enable at least one provider');
  if (props.jwtAuthorizer) {
    if (!isHttpsUrl(props.jwtAuthorizer.issuer))
      problems.push(`jwtAuthorizer.issuer: "${props.jwtAuthorizer.issuer}" is not an https URL`);
    if (props.jwtAuthorizer.audience.length === 0 || props.jwtAuthorizer.audience.some((aud) => aud.trim().length === 0)) {
      problems.push('jwtAuthorizer.audience: give at least one non-empty audience');
    }
  }
  for (const id of ids) {
    if (!PROVIDER_IDS.some((known) => known === id))
      problems.push(`providers: unknown provider "${id}" (known: ${PROVIDER_IDS.join(', ')})`);
  }
  if (new Set(ids).size !== ids.length) problems.push('providers: each provider may appear once');
  if (!ids.includes(props.defaultProvider))
    problems.push(`defaultProvider: "${props.defaultProvider}" is not among the enabled providers`);
  for (const origin of props.corsOrigins) {
    if (!isOrigin(origin))
      problems.push(
        `corsOrigins: "${origin}" is not an origin like https://app.example.com (scheme, host, optional port, no path)`,
      );
  }

  const processorConcurrency = props.processorConcurrency ?? 5;
  // SQS event source maximum concurrency accepts 2–1000.
  if (!Number.isInteger(processorConcurrency) || processorConcurrency < 2 || processorConcurrency > 1000) {
    problems.push('processorConcurrency: must be an integer from 2 to 1000');
  }
  const processorBatchSize = props.processorBatchSize ?? 1;
  if (!Number.isInteger(processorBatchSize) || processorBatchSize < 1 || processorBatchSize > 5) {
    problems.push('processorBatchSize: must be an integer from 1 to 5');
  }
  const processorTimeout = props.processorTimeout ?? Duration.minutes(2);
  const largestBudgetMs = Math.max(...props.providers.map((p) => p.totalBudgetMs ?? DEFAULT_PROVIDER_BUDGET_MS));
  if (processorTimeout.toMilliseconds() < largestBudgetMs + PROCESSOR_HEADROOM_MS) {
    problems.push(
      `processorTimeout: must be at least the largest provider totalBudgetMs + ${PROCESSOR_HEADROOM_MS / 1000} s (${(largestBudgetMs + PROCESSOR_HEADROOM_MS) / 1000} s)`,
    );
  }
  // Visibility timeout (6 × processor timeout) may not exceed SQS's 12 hours; Lambda caps timeout at 15 min anyway.
  if (processorTimeout.toSeconds() > 900) problems.push('processorTimeout: Lambda allows at most 15 minutes');
  const apiThrottle = props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 };
  if (apiThrottle.rateLimit <= 0 || apiThrottle.burstLimit <= 0)
    problems.push('apiThrottle: rateLimit and burstLimit must be positive');

  // Ranges of the runtime values themselves are checked by the config schema (assertValidConfig);
  // here only what relates them to the deployed shape.
  const processingLeaseSeconds = props.processingLeaseSeconds ?? processorTimeout.toSeconds() + LEASE_MARGIN_SECONDS;
  if (processingLeaseSeconds <= processorTimeout.toSeconds()) {
    problems.push(
      `processingLeaseSeconds: must exceed the processor timeout (${processorTimeout.toSeconds()} s), or a resumed attempt could run beside a live one`,
    );
  }
  const sweepInterval = props.sweepInterval ?? Duration.minutes(5);
  const sweepMinutes = sweepInterval.toSeconds() / 60;
  if (!Number.isInteger(sweepMinutes) || sweepMinutes < 1 || sweepMinutes > 60) {
    problems.push('sweepInterval: must be a whole number of minutes from 1 to 60');
  }
  const uploadExpirySeconds = props.uploadExpirySeconds ?? 900;
  const uploadGraceSeconds = props.uploadGraceSeconds ?? 300;
  const maxProcessingAttempts = props.maxProcessingAttempts ?? 3;
  const mediaRetentionSeconds = props.mediaRetentionSeconds ?? 0;
  // The longest the gateway itself may legitimately keep an upload: forms valid, late events,
  // every attempt's lease plus a sweep run to notice it, the keep window, and one more sweep run
  // to delete it. The lifecycle rule must not fire before that, and never sooner than a day.
  const sweepSeconds = sweepInterval.toSeconds();
  const gatewayMediaSeconds =
    uploadExpirySeconds +
    uploadGraceSeconds +
    maxProcessingAttempts * (processingLeaseSeconds + sweepSeconds) +
    mediaRetentionSeconds +
    sweepSeconds;
  const mediaSafetyNetDays = Math.max(1, Math.ceil(gatewayMediaSeconds / DAY_SECONDS));

  if (problems.length > 0) throw new Error(`Invalid LivenessGatewayStack props:\n- ${problems.join('\n- ')}`);
  return {
    uploadExpirySeconds,
    checkRetentionDays: props.checkRetentionDays ?? 30,
    processorConcurrency,
    processorBatchSize,
    processorTimeout,
    processingLeaseSeconds,
    maxProcessingAttempts,
    mediaRetentionSeconds,
    uploadGraceSeconds,
    sweepInterval,
    mediaSafetyNetDays,
    apiThrottle,
  };
}

/** The runtime parses the same schema at cold start; checking here moves that failure to synth. */
function assertValidConfig(config: GatewayConfigInput): void {
  const parsed = gatewayConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid gateway configuration:\n- ${issues.join('\n- ')}`);
  }
}

function providerConfig(provider: ProviderProps, secretId: string): ProviderConfigInput {
  return {
    secretId,
    ...(provider.settings !== undefined ? { settings: provider.settings } : {}),
    ...(provider.limits !== undefined ? { limits: provider.limits } : {}),
    ...(provider.timeoutMs !== undefined ? { timeoutMs: provider.timeoutMs } : {}),
    ...(provider.maxAttempts !== undefined ? { maxAttempts: provider.maxAttempts } : {}),
    ...(provider.totalBudgetMs !== undefined ? { totalBudgetMs: provider.totalBudgetMs } : {}),
    ...(provider.reviewBand !== undefined ? { reviewBand: provider.reviewBand } : {}),
  };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
