import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { processUpload, type UploadEvent } from '../../src/core/use-cases/process-upload';
import type { GatewayDeps } from '../shared/wiring';

// S3 → SQS notification body. S3 also sends a one-off s3:TestEvent when the notification is set up.
const s3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent') }).loose();
const s3NotificationSchema = z
  .object({
    Records: z.array(
      z
        .object({
          eventName: z.string(),
          s3: z.object({
            object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }).loose(),
          }).loose(),
        })
        .loose(),
    ),
  })
  .loose();

export function uploadEventsOf(body: string): UploadEvent[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (s3TestEventSchema.safeParse(json).success) return [];
  const parsed = s3NotificationSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return parsed.data.Records.filter((record) => record.eventName.startsWith('ObjectCreated')).map((record) => ({
    key: record.s3.object.key,
    ...(record.s3.object.size !== undefined ? { bytes: record.s3.object.size } : {}),
    ...(record.s3.object.eTag !== undefined ? { etag: record.s3.object.eTag } : {}),
  }));
}

/** SQS batch of S3 notifications; a message that fails is reported alone so only it is retried. */
export function makeProcessUploadHandler(deps: GatewayDeps) {
  return middy<SQSEvent, SQSBatchResponse>()
    .handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      const uploads = uploadEventsOf(message.body);
      if (!uploads) {
        // Not an S3 notification: retrying will not help, so it is logged and dropped.
        deps.log.error('Dropping a message that is not an S3 notification', { messageId: message.messageId });
        continue;
      }
      try {
        for (const upload of uploads) await processUpload(deps, upload);
      } catch (error) {
        deps.log.error('Processing a notification failed; SQS will redeliver it', {
          messageId: message.messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
        });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures };
  });
}
