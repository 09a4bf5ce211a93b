// OutcomePublisher on AWS: each event is put on the EventBridge bus (source "liveness-gateway",
// detail-type = the event type, detail = the envelope) and, per webhook endpoint, one message on
// the webhook queue for the sender function. Both calls are batched; any entry refused fails the
// whole publish, so the events stay in the outbox and go out again under the same ids.
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GatewayError } from '../../core/errors';
import type { OutcomePublisher } from '../../core/ports';
import { eventBridgeEntry, type OutcomeEvent } from '../../events/envelope';
import type { WebhookMessage } from '../../events/webhook-sender';

/** Both PutEvents and SendMessageBatch take at most ten entries per call. */
const BATCH = 10;

export class OutcomePublishError extends GatewayError {}

export interface WebhookQueueTarget {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly endpoints: readonly string[];
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += BATCH) out.push(items.slice(start, start + BATCH));
  return out;
}

export class EventBridgeOutcomePublisher implements OutcomePublisher {
  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly webhooks?: WebhookQueueTarget,
  ) {}

  async publish(events: readonly OutcomeEvent[]): Promise<void> {
    await Promise.all([this.putEvents(events), this.queueWebhooks(events)]);
  }

  private async putEvents(events: readonly OutcomeEvent[]): Promise<void> {
    for (const batch of chunks(events)) {
      const output = await this.eventBridge.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({ ...eventBridgeEntry(event), EventBusName: this.eventBusName })),
        }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) {
        const codes = (output.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new OutcomePublishError(
          `EventBridge refused ${output.FailedEntryCount} of ${batch.length} events (${codes.join(', ')})`,
        );
      }
    }
  }

  private async queueWebhooks(events: readonly OutcomeEvent[]): Promise<void> {
    const target = this.webhooks;
    if (!target || target.endpoints.length === 0) return;
    const messages: WebhookMessage[] = events.flatMap((event) =>
      target.endpoints.map((endpoint) => ({ event, endpoint, attempt: 1 })),
    );
    for (const batch of chunks(messages)) {
      const output = await target.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: target.queueUrl,
          Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
        }),
      );
      if ((output.Failed ?? []).length > 0) {
        throw new OutcomePublishError(`the webhook queue refused ${output.Failed?.length} of ${batch.length} messages`);
      }
    }
  }
}
