// WebhookQueue on SQS: the next attempt goes back on the webhook queue with a delay; a delivery
// given up on goes to the dead-letter queue, where an alarm and the operator see it.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookMessage, WebhookQueue } from '../../events/webhook-sender';

export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async send(message: WebhookMessage, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.round(delaySeconds)),
      }),
    );
  }

  async deadLetter(message: WebhookMessage): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MessageBody: JSON.stringify(message) }));
  }
}
