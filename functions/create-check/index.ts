// Lambda entry for POST /v1/checks (IAM- or JWT-authorised backend route).
// Builds only the ports it uses: DynamoDB (checks, audit) and S3 (signing upload forms).
import { createDynamoDocumentClient, createS3Client } from '../../src/adapters/aws/clients';
import { DynamoDbApplicantAttempts } from '../../src/adapters/aws/dynamodb-applicant-attempts';
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

export const handler = makeCreateCheckHandler({
  config,
  checks: new DynamoDbCheckRepository(dynamo, config.checksTable),
  audit: new DynamoDbAuditLog(dynamo, config.auditTable),
  attempts: new DynamoDbApplicantAttempts(dynamo, config.checksTable),
  signer: new S3UploadSigner(observability.tracer.captureAWSv3Client(createS3Client()), config.mediaBucket),
  providers: buildProviderRegistry(config),
  clock: systemClock,
  log: observedLog(observability),
  observability,
});
