// Cold-start wiring: configuration parsed once, SDK clients built once, ports bound to them.
// The processor and the sweep call wireFromEnv(); the API entries build only the ports they use
// (smaller bundles, faster cold starts); the local stack calls wireGateway() with its own clients.
import { configFromEnv, type GatewayConfig } from '../../src/core/config';
import type { Log } from '../../src/core/log';
import {
  systemClock,
  type ApplicantAttempts,
  type AuditLog,
  type CheckRepository,
  type Clock,
  type FacePrecheck,
  type LivenessJudge,
  type MediaInspector,
  type MediaFingerprints,
  type MediaStore,
  type MediaUrlSigner,
  type OutcomePublisher,
  type SecretSource,
  type UploadSigner,
} from '../../src/core/ports';
import { randomUUID } from 'node:crypto';
import { CircuitBreaker, withFailover, type ProcessingPolicy, type ProviderRoute } from '../../src/core/use-cases/process-upload';
import { createAwsClients, type AwsClients } from '../../src/adapters/aws/clients';
import { applicantAttempts } from '../../src/adapters/aws/dynamodb-applicant-attempts';
import { indexKeyOf } from '../../src/adapters/aws/index-key';
import { MetricsAuditLog } from '../../src/adapters/observability/metrics-audit-log';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { mediaFingerprints } from '../../src/adapters/aws/dynamodb-media-fingerprints';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { DynamoDbBreakerStore, DynamoDbProviderSlots } from '../../src/adapters/aws/dynamodb-provider-state';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3MediaUrlSigner } from '../../src/adapters/aws/s3-media-url-signer';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { createFacePrecheck } from '../../src/media/face/gate';
import { createMediaInspector } from '../../src/media/inspector';
import type { CallDeps } from '../../src/providers/call-provider';
import type { AnyProviderAdapter } from '../../src/providers/provider';
import { createProviderJudge } from '../../src/providers/provider-judge';
import { buildProviderRegistry, PROVIDER_IDS, type ProviderRegistry } from '../../src/providers/registry';
import { awsOutcomePublisher } from './outcomes';
import { lambdaObservability, observedLog, tracedJudge, type Observability } from './observability';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly policy: ProcessingPolicy & { readonly uploadGraceSeconds: number };
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly signer: UploadSigner;
  readonly urls: MediaUrlSigner;
  /** Absent when the deployment does not cap attempts. */
  readonly attempts?: ApplicantAttempts;
  /** The replayed-media index, when the deployment has it on. */
  readonly fingerprints?: MediaFingerprints;
  readonly secrets: SecretSource;
  readonly providers: ProviderRegistry;
  readonly inspector: MediaInspector;
  readonly judge: LivenessJudge;
  readonly outcomes: OutcomePublisher;
  /** Absent when the deployment switched the face pre-check off (config `facePrecheck: false`). */
  readonly facePrecheck?: FacePrecheck;
  readonly clock: Clock;
  readonly log: Log;
  readonly observability: Observability;
}

export interface WireOptions {
  /** Default: the observability's logger. */
  readonly log?: Log;
  /** Logger, metrics and tracer; default: Lambda's (stdout, X-Ray). */
  readonly observability?: Observability;
  readonly clock?: Clock;
  /** Injected HTTP for provider calls; defaults to global fetch. */
  readonly http?: CallDeps;
  /** The provider adapters to choose from; default: the registry's PROVIDER_ADAPTERS. */
  readonly adapters?: readonly AnyProviderAdapter[];
  /** Where outcome events go; default: EventBridge and the webhook queue from the configuration. */
  readonly outcomes?: OutcomePublisher;
}

export function wireGateway(config: GatewayConfig, clients: AwsClients, options: WireOptions = {}): GatewayDeps {
  const observability = options.observability ?? lambdaObservability();
  const log = options.log ?? observedLog(observability);
  const checks = new DynamoDbCheckRepository(clients.dynamo, config.checksTable);
  const audit = new MetricsAuditLog(
    new DynamoDbAuditLog(clients.dynamo, config.auditTable, options.clock),
    observability.metrics,
    {
      log,
      ...(options.clock ? { clock: options.clock } : {}),
      providerOf: async (checkId) => (await checks.get(checkId))?.provider,
    },
  );
  const secrets = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: config.secretCacheSeconds });
  const indexKey = indexKeyOf(config, secrets);
  const providers = buildProviderRegistry(config, options.adapters ? { adapters: options.adapters } : {});
  const clock = options.clock ?? systemClock;
  const inspector = createMediaInspector((id, part) => providers.get(id)?.profile.limits[part]);
  const providerJudge = createProviderJudge({ providers, secrets, audit, log, ...(options.http ? { http: options.http } : {}) });
  return {
    config,
    policy: {
      processingLeaseSeconds: config.processingLeaseSeconds,
      maxProcessingAttempts: config.maxProcessingAttempts,
      mediaRetentionSeconds: config.mediaRetentionSeconds,
      reviewWindowSeconds: config.reviewWindowSeconds,
      uploadGraceSeconds: config.uploadGraceSeconds,
    },
    checks,
    audit,
    media: new S3MediaStore(clients.s3, config.mediaBucket),
    signer: new S3UploadSigner(clients.s3, config.mediaBucket),
    urls: new S3MediaUrlSigner(clients.s3, config.mediaBucket),
    ...applicantAttempts(config, clients.dynamo, indexKey),
    ...mediaFingerprints(config, clients.dynamo, indexKey),
    secrets,
    providers,
    inspector,
    // Failover, circuit breakers and concurrency slots around the provider call; their state lives
    // in the checks table, shared by every processor instance.
    judge: withFailover({
      judge: tracedJudge(observability.tracer, providerJudge),
      routes: providerRoutes(config),
      catalog: providers,
      inspector,
      breaker: new CircuitBreaker(
        new DynamoDbBreakerStore(clients.dynamo, config.checksTable),
        { failures: config.breakerFailures, cooldownMs: config.breakerCooldownSeconds * 1000 },
        randomUUID,
      ),
      slots: new DynamoDbProviderSlots(clients.dynamo, config.checksTable),
      slotWaitMs: config.slotWaitSeconds * 1000,
      audit,
      clock,
      log,
      newId: randomUUID,
    }),
    outcomes: options.outcomes ?? awsOutcomePublisher(config),
    // The detector loads on the first image part, not at cold start: a video-only check never pays for it.
    ...(config.facePrecheck ? { facePrecheck: createFacePrecheck() } : {}),
    clock,
    log,
    observability,
  };
}

function providerRoutes(config: GatewayConfig): Record<string, ProviderRoute> {
  return Object.fromEntries(
    Object.entries(config.providers).flatMap(([id, provider]) =>
      provider
        ? [
            [
              id,
              {
                fallbacks: provider.fallbacks ?? [],
                ...(provider.maxConcurrency !== undefined ? { maxConcurrency: provider.maxConcurrency } : {}),
                callBudgetMs: provider.totalBudgetMs,
              },
            ],
          ]
        : [],
    ),
  );
}

export function wireFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayDeps {
  const observability = lambdaObservability();
  const { tracer } = observability;
  const clients = createAwsClients();
  const traced: AwsClients = {
    s3: tracer.captureAWSv3Client(clients.s3),
    dynamo: tracer.captureAWSv3Client(clients.dynamo),
    secrets: tracer.captureAWSv3Client(clients.secrets),
  };
  return wireGateway(configFromEnv(env, { providerIds: PROVIDER_IDS }), traced, { observability });
}
