// Lambda entry for the webhook sender: webhook queue (SQS) → one signed delivery per message.
// Builds only the ports it uses: DynamoDB (audit), SQS (re-queue, dead-letter), Secrets Manager.
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoDocumentClient, createSecretsManagerClient } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { SqsWebhookQueue } from '../../src/adapters/aws/sqs-webhook-queue';
import { configFromEnv } from '../../src/core/config';
import { ConfigurationError } from '../../src/core/errors';
import { DEPLOYED_RETRY_SCHEDULE } from '../../src/events/webhook-delivery';
import { webhookSecretsFrom } from '../../src/events/webhook-sender';
import { MetricsAuditLog } from '../../src/adapters/observability/metrics-audit-log';
import { lambdaObservability, observedLog, observeInvocation } from '../common/observability';
import { makeSendWebhookHandler } from './handler';

const config = configFromEnv(process.env);
const observability = lambdaObservability();
const log = observedLog(observability);
const { webhookQueueUrl, webhookDeadLetterQueueUrl, webhookSecretId } = config;
if (!webhookQueueUrl || !webhookDeadLetterQueueUrl || !webhookSecretId) {
  throw new ConfigurationError(
    'webhookQueueUrl, webhookDeadLetterQueueUrl and webhookSecretId are required for the webhook sender',
  );
}
const secretSource = new SecretsManagerSecretSource(createSecretsManagerClient(), { cacheSeconds: config.secretCacheSeconds });

export const handler = makeSendWebhookHandler({
  endpoints: config.webhookEndpoints,
  // Re-read after secretCacheSeconds, so a rotation (two secrets, then one) needs no redeploy.
  secrets: async () => webhookSecretsFrom(await secretSource.getJson(webhookSecretId)),
  policy: { allowPrivate: config.allowPrivateWebhookTargets },
  schedule: DEPLOYED_RETRY_SCHEDULE,
  queue: new SqsWebhookQueue(new SQSClient({}), webhookQueueUrl, webhookDeadLetterQueueUrl),
  audit: new MetricsAuditLog(new DynamoDbAuditLog(createDynamoDocumentClient(), config.auditTable), observability.metrics, {
    log,
  }),
  log,
}).use(observeInvocation(observability));
