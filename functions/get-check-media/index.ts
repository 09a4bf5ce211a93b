// Lambda entry for GET /v1/checks/{checkId}/media/{part} (IAM-authorised backend route): a
// presigned GET of one stored part. The link is signed with this function's role, which may read
// objects under checks/ and nothing else.
import { createDynamoDocumentClient, createS3Client } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { MetricsAuditLog } from '../../src/adapters/observability/metrics-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3MediaUrlSigner } from '../../src/adapters/aws/s3-media-url-signer';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeGetCheckMediaHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();
const log = observedLog(observability);
const dynamo = observability.tracer.captureAWSv3Client(createDynamoDocumentClient());
const s3 = observability.tracer.captureAWSv3Client(createS3Client());

export const handler = makeGetCheckMediaHandler({
  checks: new DynamoDbCheckRepository(dynamo, config.checksTable),
  // The MediaViewed metric comes from the audit entry this route appends.
  audit: new MetricsAuditLog(new DynamoDbAuditLog(dynamo, config.auditTable), observability.metrics, { log }),
  // No s3:ListBucket here: a HEAD on a key that is gone answers 403, which means "not stored".
  media: new S3MediaStore(s3, config.mediaBucket, { headForbiddenMeansMissing: true }),
  urls: new S3MediaUrlSigner(s3, config.mediaBucket),
  clock: systemClock,
  log,
  observability,
});
