// Cold-start wiring: configuration parsed once, SDK clients built once, ports bound to them.
// Lambda entries call wireFromEnv(); the local stack calls wireGateway() with its own clients.
import { Logger } from '@aws-lambda-powertools/logger';
import { configFromEnv, type GatewayConfig } from '../../src/core/config';
import type { Log } from '../../src/core/log';
import { systemClock, type AuditLog, type CheckRepository, type Clock, type MediaStore, type SecretSource, type UploadSigner } from '../../src/core/ports';
import { createAwsClients, type AwsClients } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { buildProviderRegistry, type ProviderRegistry } from '../../src/providers/registry';
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
    log: options.log ?? powertoolsLog(new Logger({ serviceName: 'liveness-gateway' })),
    ...(options.http ? { http: options.http } : {}),
  };
}

/** Adapts Powertools' Logger to the Log port (structured JSON, level from POWERTOOLS_LOG_LEVEL). */
export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}

export function wireFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayDeps {
  return wireGateway(configFromEnv(env), createAwsClients());
}
