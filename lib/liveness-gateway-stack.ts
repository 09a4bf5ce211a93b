// The deployed gateway, composed of its parts: private media storage → SQS → the upload
// processor, the HTTP API of four small functions, a scheduled sweep, the checks and audit tables,
// one Secrets Manager secret per enabled provider, and optionally the capture page on S3 +
// CloudFront. Each part checks its own props.
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CapturePageHosting, type CapturePageHostingOptions } from './constructs/capture-page-hosting';
import { CheckTables, type CheckTablesOptions } from './constructs/check-tables';
import { GatewayApi, type GatewayApiOptions, type RouteFunctionName } from './constructs/gateway-api';
import { MediaStorage, type MediaStorageOptions } from './constructs/media-storage';
import { OutcomeEvents, type OutcomeEventsOptions } from './constructs/outcome-events';
import { Monitoring, type MonitoringOptions } from './constructs/monitoring';
import { pascal, ProviderSecrets, type ProviderSecretsOptions } from './constructs/provider-secrets';
import { IndexKey } from './constructs/index-key';
import { Sweep, type SweepOptions } from './constructs/sweep';
import { UploadProcessor, type UploadProcessorOptions } from './constructs/upload-processor';
import { pickRuntimeSettings, type RuntimeSettings } from './gateway-config';
import { loggingOf, type FunctionLoggingOptions, type GatewayFunction } from './gateway-function';
import type { ProviderId } from './provider-catalogue';

export type { ProviderProps } from './constructs/provider-secrets';
export type { ApiThrottle, JwtAuthorizerProps } from './constructs/gateway-api';

/** Every setting is declared (with its default) once, on the part that uses it. */
export interface LivenessGatewayStackProps
  extends
    StackProps,
    ProviderSecretsOptions,
    MediaStorageOptions,
    CheckTablesOptions,
    UploadProcessorOptions,
    SweepOptions,
    GatewayApiOptions,
    OutcomeEventsOptions,
    MonitoringOptions,
    CapturePageHostingOptions,
    RuntimeSettings,
    FunctionLoggingOptions {}

export class LivenessGatewayStack extends Stack {
  readonly providerSecrets: Readonly<Partial<Record<ProviderId, secretsmanager.ISecret>>>;
  readonly mediaBucket: s3.Bucket;
  readonly checksTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly uploadQueue: sqs.Queue;
  readonly uploadDeadLetterQueue: sqs.Queue;
  readonly sweepSchedule: events.Rule;
  readonly api: apigwv2.HttpApi;
  /** The generated key of the replayed-media index's HMAC (absent when duplicateMediaCheck is false). */
  readonly indexKey?: secretsmanager.Secret;
  readonly functions: Readonly<Record<RouteFunctionName | 'processUpload' | 'sweep', GatewayFunction>>;
  readonly parts: {
    readonly secrets: ProviderSecrets;
    readonly storage: MediaStorage;
    readonly tables: CheckTables;
    readonly processor: UploadProcessor;
    readonly sweep: Sweep;
    readonly api: GatewayApi;
    readonly outcomes: OutcomeEvents;
    readonly monitoring: Monitoring;
    readonly capturePage?: CapturePageHosting;
    readonly indexKey?: IndexKey;
  };

  constructor(scope: Construct, id: string, props: LivenessGatewayStackProps) {
    super(scope, id, props);
    const logging = loggingOf(props);

    const secrets = new ProviderSecrets(this, 'ProviderSecrets', props);
    const storage = new MediaStorage(this, 'MediaStorage', props);
    const tables = new CheckTables(this, 'CheckTables', props);
    const outcomes = new OutcomeEvents(this, 'OutcomeEvents', props);
    // One key for both lookup indexes; with both features off, no key and no grant.
    const replayCheck = props.duplicateMediaCheck !== false;
    const attemptCap = props.maxAttemptsPerApplicant !== 0;
    const indexKey = replayCheck || attemptCap ? new IndexKey(this, 'IndexKey', { tables }) : undefined;
    const processor = new UploadProcessor(this, 'UploadProcessor', {
      ...props,
      gatewayConfig: {
        checksTable: tables.checksTable.tableName,
        auditTable: tables.auditTable.tableName,
        mediaBucket: storage.bucket.bucketName,
        ...secrets.config,
        ...outcomes.config,
        ...pickRuntimeSettings(props),
        ...indexKey?.config,
      },
      storage,
      tables,
      secrets,
    });
    storage.notifyUploads(processor.queue);
    const shared = { ...logging, gatewayConfig: processor.gatewayConfig, storage, tables };
    const sweep = new Sweep(this, 'Sweep', { ...shared, processor, sweepInterval: props.sweepInterval });
    storage.expireUnprocessedMedia(sweep.mediaKeptAtMost);
    // The page talks to the API and the media bucket, which allow its origin: naming them in its
    // CSP too would be a dependency cycle, so connect-src allows their endpoints in this region.
    const capturePage = props.capturePage
      ? new CapturePageHosting(this, 'CapturePage', {
          ...props,
          accessLogsBucket: storage.accessLogsBucket,
          connectOrigins: [`https://*.execute-api.${Aws.REGION}.amazonaws.com`, `https://*.s3.${Aws.REGION}.amazonaws.com`],
        })
      : undefined;
    if (capturePage) storage.allowUploadsFrom(capturePage.origin);
    const corsOrigins = capturePage ? [...props.corsOrigins, capturePage.origin] : props.corsOrigins;
    const api = new GatewayApi(this, 'Api', { ...props, ...shared, corsOrigins });
    if (indexKey && replayCheck) {
      indexKey.grantClaim(processor.function);
      indexKey.grantRelease(api.functions.eraseCheck);
    }
    if (indexKey && attemptCap) indexKey.grantCounting(api.functions.createCheck);
    // Terminal transitions publish: the processor (completed, failed), the sweep (expired, and
    // outboxes a dead function left), the erase route (erased), the review route (reviewed).
    for (const fn of [processor.function, sweep.function, api.functions.eraseCheck, api.functions.reviewCheck]) {
      outcomes.grantPublish(fn);
    }
    const webhookSender = outcomes.addWebhookSender({ ...logging, gatewayConfig: processor.gatewayConfig, tables });

    const monitoring = new Monitoring(this, 'Monitoring', {
      ...props,
      providers: secrets.providers.map((provider) => provider.id),
      queues: [processor.queue],
      deadLetterQueues: [
        processor.deadLetterQueue,
        ...(outcomes.webhookDeadLetterQueue ? [outcomes.webhookDeadLetterQueue] : []),
      ],
      processor: processor.function.function,
      httpApi: api.httpApi,
    });

    this.parts = { secrets, storage, tables, processor, sweep, api, outcomes, monitoring, capturePage, indexKey };
    this.indexKey = indexKey?.key;
    this.providerSecrets = Object.fromEntries(secrets.providers.map(({ id: p, secret }) => [p, secret]));
    this.mediaBucket = storage.bucket;
    this.checksTable = tables.checksTable;
    this.auditTable = tables.auditTable;
    this.uploadQueue = processor.queue;
    this.uploadDeadLetterQueue = processor.deadLetterQueue;
    this.sweepSchedule = sweep.schedule;
    this.api = api.httpApi;
    this.functions = { ...api.functions, processUpload: processor.function, sweep: sweep.function };

    // Where to call, and which secrets to fill (ARNs only, never values).
    new CfnOutput(this, 'ApiUrl', { value: api.stage.url, description: 'Base URL of the Liveness Gateway API' });
    new CfnOutput(this, 'MediaBucketName', { value: storage.bucket.bucketName });
    new CfnOutput(this, 'ChecksTableName', { value: tables.checksTable.tableName });
    new CfnOutput(this, 'AuditTableName', { value: tables.auditTable.tableName });
    new CfnOutput(this, 'UploadDeadLetterQueueUrl', {
      value: processor.deadLetterQueue.queueUrl,
      description: 'Upload notifications that failed three times; inspect and redrive',
    });
    new CfnOutput(this, 'EventBusName', {
      value: outcomes.eventBus.eventBusName,
      description: 'EventBridge bus of the outcome events (source "liveness-gateway", detail-type = event type)',
    });
    if (webhookSender && outcomes.webhookDeadLetterQueue && outcomes.webhookSecret) {
      new CfnOutput(this, 'WebhookDeadLetterQueueUrl', {
        value: outcomes.webhookDeadLetterQueue.queueUrl,
        description: 'Webhook deliveries given up on after at least 24 h of retries; inspect and redrive',
      });
      new CfnOutput(this, 'WebhookSecretArn', { value: outcomes.webhookSecret.secretArn, description: outcomes.secretNote() });
    }
    if (capturePage) {
      new CfnOutput(this, 'CapturePageUrl', { value: `${capturePage.origin}/`, description: 'The capture page (CloudFront)' });
    }
    for (const provider of secrets.providers) {
      new CfnOutput(this, `${pascal(provider.id)}SecretArn`, {
        value: provider.secretId,
        description: secrets.operatorNote(provider),
      });
    }
  }
}
