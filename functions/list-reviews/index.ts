// Lambda entry for GET /v1/reviews (IAM-authorised backend route): the review queue.
// Builds only the ports it uses: a DynamoDB client that may query the review index and nothing else.
import { createDynamoDocumentClient } from '../../src/adapters/aws/clients';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeListReviewsHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();

export const handler = makeListReviewsHandler({
  checks: new DynamoDbCheckRepository(observability.tracer.captureAWSv3Client(createDynamoDocumentClient()), config.checksTable),
  clock: systemClock,
  log: observedLog(observability),
  observability,
});
