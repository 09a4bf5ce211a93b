// Cold-start wiring: configuration parsed once, SDK clients built once, ports bound to them.
// The processor and the sweep call wireFromEnv(); the API entries build only the ports they use
// (smaller bundles, faster cold starts); the local stack calls wireGateway() with its own clients.
import { configFromEnv, type GatewayConfig } from '../../src/core/config';
import type { Log } from '../../src/core/log';
import {
  systemClock,
  type AuditLog,
  type CheckRepository,
  type Clock,
  type FacePrecheck,
  type LivenessJudge,
  type MediaInspector,
  type MediaStore,
  type SecretSource,
  type UploadSigner,
} from '../../src/core/ports';
import type { ProcessingPolicy } from '../../src/core/use-cases/process-upload';
import { createAwsClients, type AwsClients } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { createFacePrecheck } from '../../src/media/face/gate';
import { createMediaInspector } from '../../src/media/inspector';
import type { CallDeps } from '../../src/providers/call-provider';
import type { AnyProviderAdapter } from '../../src/providers/provider';
import { createProviderJudge } from '../../src/providers/provider-judge';
import { buildProviderRegistry, PROVIDER_IDS, type ProviderRegistry } from '../../src/providers/registry';
import { lambdaLog } from './log';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly policy: ProcessingPolicy & { readonly uploadGraceSeconds: number };
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly signer: UploadSigner;
  readonly secrets: SecretSource;
  readonly providers: ProviderRegistry;
  readonly inspector: MediaInspector;
  readonly judge: LivenessJudge;
  /** Absent when the deployment switched the face pre-check off (config `facePrecheck: false`). */
  readonly facePrecheck?: FacePrecheck;
  readonly clock: Clock;
  readonly log: Log;
}

export interface WireOptions {
  readonly log?: Log;
  readonly clock?: Clock;
  /** Injected HTTP for provider calls; defaults to global fetch. */
  readonly http?: CallDeps;
  /** The provider adapters to choose from; default: the registry's PROVIDER_ADAPTERS. */
  readonly adapters?: readonly AnyProviderAdapter[];
}

export function wireGateway(config: GatewayConfig, clients: AwsClients, options: WireOptions = {}): GatewayDeps {
  const log = options.log ?? lambdaLog();
  const audit = new DynamoDbAuditLog(clients.dynamo, config.auditTable, options.clock);
  const secrets = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: config.secretCacheSeconds });
  const providers = buildProviderRegistry(config, options.adapters ? { adapters: options.adapters } : {});
  return {
    config,
    policy: {
      processingLeaseSeconds: config.processingLeaseSeconds,
      maxProcessingAttempts: config.maxProcessingAttempts,
      mediaRetentionSeconds: config.mediaRetentionSeconds,
      uploadGraceSeconds: config.uploadGraceSeconds,
    },
    checks: new DynamoDbCheckRepository(clients.dynamo, config.checksTable),
    audit,
    media: new S3MediaStore(clients.s3, config.mediaBucket),
    signer: new S3UploadSigner(clients.s3, config.mediaBucket),
    secrets,
    providers,
    inspector: createMediaInspector((id, part) => providers.get(id)?.profile.limits[part]),
    judge: createProviderJudge({ providers, secrets, audit, log, ...(options.http ? { http: options.http } : {}) }),
    // The detector loads on the first image part, not at cold start: a video-only check never pays for it.
    ...(config.facePrecheck ? { facePrecheck: createFacePrecheck() } : {}),
    clock: options.clock ?? systemClock,
    log,
  };
}

export function wireFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayDeps {
  return wireGateway(configFromEnv(env, { providerIds: PROVIDER_IDS }), createAwsClients());
}
