import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describeError } from '../../src/core/errors';
import { sendQueuedWebhook, webhookMessageSchema, type WebhookSenderDeps } from '../../src/events/webhook-sender';

/**
 * One queued (event, endpoint) attempt per message. A message that cannot be parsed is dropped
 * (logged); one whose handling fails (the queue or the secret store down) is reported alone, so
 * SQS redelivers just it and, after repeated failures, moves it to the dead-letter queue.
 */
export function makeSendWebhookHandler(deps: WebhookSenderDeps) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = undefined;
      }
      const message = webhookMessageSchema.safeParse(body);
      if (!message.success) {
        deps.log.error('Dropping a webhook message that does not parse', { messageId: record.messageId });
        continue;
      }
      try {
        const outcome = await sendQueuedWebhook(deps, message.data);
        deps.log.info('Webhook message handled', { eventId: message.data.event.id, attempt: message.data.attempt, outcome });
      } catch (error) {
        deps.log.error('Webhook message failed; SQS will redeliver it', {
          messageId: record.messageId,
          error: describeError(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  });
}
