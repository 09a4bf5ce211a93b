// The SQS message an S3 notification arrives in, shared by the benchmark and its child processes.
import { randomUUID } from 'node:crypto';
import type { S3EventRecord, SQSEvent } from 'aws-lambda';

/** The SQS message the S3 notification arrives in, as in AWS (and as local/stack.ts builds it). */
export function sqsEventFor(record: S3EventRecord): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify({ Records: [record] }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: now,
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${record.awsRegion}:000000000000:bench-uploads`,
        awsRegion: record.awsRegion,
      },
    ],
  };
}
