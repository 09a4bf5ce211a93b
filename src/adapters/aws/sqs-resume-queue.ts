// ResumeQueue on SQS: the sweep puts a resume request on the processor's own queue, so only the
// processor ever holds provider credentials and media read access.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ResumeQueue } from '../../core/ports';

/** The message body the processor recognises as a resume request (beside S3 notifications). */
export interface ResumeMessage {
  readonly resumeCheckId: string;
}

export class SqsResumeQueue implements ResumeQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async requestResume(checkId: string): Promise<void> {
    const body: ResumeMessage = { resumeCheckId: checkId };
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }));
  }
}
