import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { processUpload, resumeCheck, type UploadEvent } from '../../src/core/use-cases/process-upload';
import type { GatewayDeps } from '../common/wiring';

// S3 → SQS notification body. S3 also sends a one-off s3:TestEvent when the notification is set up.
const s3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent') }).loose();
const s3NotificationSchema = z
  .object({
    Records: z.array(
      z
        .object({
          eventName: z.string(),
          s3: z
            .object({
              object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }).loose(),
            })
            .loose(),
        })
        .loose(),
    ),
  })
  .loose();

const resumeMessageSchema = z.object({ resumeCheckId: z.uuid() }).strict();

export type ProcessorMessage =
  { readonly kind: 'uploads'; readonly uploads: UploadEvent[] } | { readonly kind: 'resume'; readonly checkId: string };

/** An SQS message body: S3 notifications (from the bucket) or a resume request (from the sweep). */
export function parseProcessorMessage(body: string): ProcessorMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const resume = resumeMessageSchema.safeParse(json);
  if (resume.success) return { kind: 'resume', checkId: resume.data.resumeCheckId };
  const uploads = uploadEventsOf(json);
  return uploads ? { kind: 'uploads', uploads } : undefined;
}

function uploadEventsOf(json: unknown): UploadEvent[] | undefined {
  if (s3TestEventSchema.safeParse(json).success) return [];
  const parsed = s3NotificationSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return parsed.data.Records.filter((record) => record.eventName.startsWith('ObjectCreated')).map((record) => ({
    key: record.s3.object.key,
    ...(record.s3.object.size !== undefined ? { bytes: record.s3.object.size } : {}),
    ...(record.s3.object.eTag !== undefined ? { etag: record.s3.object.eTag } : {}),
  }));
}

/** SQS batch of S3 notifications and resume requests; a message that fails is reported alone so only it is retried. */
export function makeProcessUploadHandler(deps: GatewayDeps) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      const parsed = parseProcessorMessage(message.body);
      if (!parsed) {
        // Neither an S3 notification nor a resume request: retrying will not help, so it is logged and dropped.
        deps.log.error('Dropping a message the processor does not understand', { messageId: message.messageId });
        continue;
      }
      try {
        if (parsed.kind === 'resume') await resumeCheck(deps, parsed.checkId);
        else for (const upload of parsed.uploads) await processUpload(deps, upload);
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
