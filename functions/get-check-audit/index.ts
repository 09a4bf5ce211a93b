// Lambda entry for GET /v1/checks/{checkId}/audit (IAM-authorised backend route).
// Builds only the ports it uses: the bundle carries the DynamoDB client and nothing else of the SDK.
import { createDynamoDocumentClient } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { configFromEnv } from '../../src/core/config';
import { lambdaObservability, observedLog } from '../common/observability';
import { makeGetCheckAuditHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();

export const handler = makeGetCheckAuditHandler({
  audit: new DynamoDbAuditLog(observability.tracer.captureAWSv3Client(createDynamoDocumentClient()), config.auditTable),
  log: observedLog(observability),
  observability,
});
