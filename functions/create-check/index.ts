// Lambda entry for POST /v1/checks (IAM- or JWT-authorised backend route).
// Builds only the ports it uses: DynamoDB (checks, audit, attempt counters), S3 (signing upload
// forms) and Secrets Manager (the index key the counters are keyed with, read once).
import { createDynamoDocumentClient, createS3Client, createSecretsManagerClient } from '../../src/adapters/aws/clients';
import { applicantAttempts } from '../../src/adapters/aws/dynamodb-applicant-attempts';
import { indexKeyOf } from '../../src/adapters/aws/index-key';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { buildProviderRegistry } from '../../src/providers/registry';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeCreateCheckHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();
const dynamo = observability.tracer.captureAWSv3Client(createDynamoDocumentClient());
const secrets = new SecretsManagerSecretSource(observability.tracer.captureAWSv3Client(createSecretsManagerClient()), {
  cacheSeconds: config.secretCacheSeconds,
});

export const handler = makeCreateCheckHandler({
  config,
  checks: new DynamoDbCheckRepository(dynamo, config.checksTable),
  audit: new DynamoDbAuditLog(dynamo, config.auditTable),
  ...applicantAttempts(config, dynamo, indexKeyOf(config, secrets)),
  signer: new S3UploadSigner(observability.tracer.captureAWSv3Client(createS3Client()), config.mediaBucket),
  providers: buildProviderRegistry(config),
  clock: systemClock,
  log: observedLog(observability),
  observability,
});
