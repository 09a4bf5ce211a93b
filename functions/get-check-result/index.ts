// Lambda entry for GET /v1/checks/{checkId}/result (IAM-authorised backend route).
// Builds only the ports it uses: the bundle carries the DynamoDB client and nothing else of the SDK.
import { createDynamoDocumentClient } from '../../src/adapters/aws/clients';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { configFromEnv } from '../../src/core/config';
import { systemClock } from '../../src/core/ports';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeGetCheckResultHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();

export const handler = makeGetCheckResultHandler({
  checks: new DynamoDbCheckRepository(observability.tracer.captureAWSv3Client(createDynamoDocumentClient()), config.checksTable),
  clock: systemClock,
  log: observedLog(observability),
  observability,
});
