// The deployed OutcomePublisher, apart from the wiring so the erase route bundles only this.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeOutcomePublisher } from '../../src/adapters/aws/eventbridge-publisher';
import type { GatewayConfig } from '../../src/core/config';
import type { OutcomePublisher } from '../../src/core/ports';

/** EventBridge (the configured bus) plus, when endpoints are configured, the webhook queue. */
export function awsOutcomePublisher(config: GatewayConfig): OutcomePublisher {
  const queueUrl = config.webhookQueueUrl;
  return new EventBridgeOutcomePublisher(
    new EventBridgeClient({}),
    config.eventBusName,
    queueUrl && config.webhookEndpoints.length > 0
      ? { sqs: new SQSClient({}), queueUrl, endpoints: config.webhookEndpoints }
      : undefined,
  );
}
