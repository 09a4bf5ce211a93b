// Lambda entry for POST /v1/checks/{checkId}/review (IAM-authorised backend route): a person
// settles a REVIEW check. Builds only the ports it uses: DynamoDB (checks, audit), S3 (deleting
// media), and the outcome publisher (check.reviewed).
import { createDynamoDocumentClient, createS3Client } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { MetricsAuditLog } from '../../src/adapters/observability/metrics-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { lambdaObservability, observedLog } from '../common/observability';
import { awsOutcomePublisher } from '../common/outcomes';
import { makeReviewCheckHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();
const log = observedLog(observability);
const dynamo = observability.tracer.captureAWSv3Client(createDynamoDocumentClient());

export const handler = makeReviewCheckHandler({
  config,
  checks: new DynamoDbCheckRepository(dynamo, config.checksTable),
  // The ReviewsDecided metric comes from the audit entry this route appends.
  audit: new MetricsAuditLog(new DynamoDbAuditLog(dynamo, config.auditTable), observability.metrics, { log }),
  media: new S3MediaStore(observability.tracer.captureAWSv3Client(createS3Client()), config.mediaBucket),
  outcomes: awsOutcomePublisher(config),
  clock: systemClock,
  log,
  observability,
});
