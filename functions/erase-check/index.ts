// Lambda entry for DELETE /v1/checks/{checkId} (IAM-authorised backend route): erasure on request.
// Builds only the ports it uses: DynamoDB (checks, audit) and S3 (deleting media).
import { createDynamoDocumentClient, createS3Client } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { createSecretsManagerClient } from '../../src/adapters/aws/clients';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { mediaFingerprints } from '../../src/adapters/aws/dynamodb-media-fingerprints';
import { indexKeyOf } from '../../src/adapters/aws/index-key';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { awsOutcomePublisher } from '../common/outcomes';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeEraseCheckHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();
const dynamo = observability.tracer.captureAWSv3Client(createDynamoDocumentClient());

export const handler = makeEraseCheckHandler({
  checks: new DynamoDbCheckRepository(dynamo, config.checksTable),
  audit: new DynamoDbAuditLog(dynamo, config.auditTable),
  media: new S3MediaStore(observability.tracer.captureAWSv3Client(createS3Client()), config.mediaBucket),
  outcomes: awsOutcomePublisher(config),
  ...mediaFingerprints(
    config,
    dynamo,
    indexKeyOf(
      config,
      new SecretsManagerSecretSource(observability.tracer.captureAWSv3Client(createSecretsManagerClient()), {
        cacheSeconds: config.secretCacheSeconds,
      }),
    ),
  ),
  clock: systemClock,
  log: observedLog(observability),
  observability,
});
