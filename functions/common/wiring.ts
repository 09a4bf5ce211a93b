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
  type MediaStore,
  type SecretSource,
  type UploadSigner,
} from '../../src/core/ports';
import { createAwsClients, type AwsClients } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { buildProviderRegistry, type ProviderRegistry } from '../../src/providers/registry';
import { lambdaLog } from './log';
import type { CallDeps } from '../../src/providers/call-provider';
import type { ProcessingPolicy } from '../../src/core/use-cases/process-upload';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly policy: ProcessingPolicy & { readonly uploadGraceSeconds: number };
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly signer: UploadSigner;
  readonly secrets: SecretSource;
  readonly providers: ProviderRegistry;
  readonly clock: Clock;
  readonly log: Log;
  readonly http?: CallDeps;
}

export interface WireOptions {
  readonly log?: Log;
  readonly clock?: Clock;
  readonly http?: CallDeps;
}

export function wireGateway(config: GatewayConfig, clients: AwsClients, options: WireOptions = {}): GatewayDeps {
  return {
    config,
    policy: {
      processingLeaseSeconds: config.processingLeaseSeconds,
      maxProcessingAttempts: config.maxProcessingAttempts,
      mediaRetentionSeconds: config.mediaRetentionSeconds,
      uploadGraceSeconds: config.uploadGraceSeconds,
    },
    checks: new DynamoDbCheckRepository(clients.dynamo, config.checksTable),
    audit: new DynamoDbAuditLog(clients.dynamo, config.auditTable, options.clock),
    media: new S3MediaStore(clients.s3, config.mediaBucket),
    signer: new S3UploadSigner(clients.s3, config.mediaBucket),
    secrets: new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: config.secretCacheSeconds }),
    providers: buildProviderRegistry(config),
    clock: options.clock ?? systemClock,
    log: options.log ?? lambdaLog(),
    ...(options.http ? { http: options.http } : {}),
  };
}

export function wireFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayDeps {
  return wireGateway(configFromEnv(env), createAwsClients());
}
