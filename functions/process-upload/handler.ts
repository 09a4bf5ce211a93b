import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { PART_NAMES, type PartName } from '../../src/core/check';
import { processUpload, resumeCheck } from '../../src/core/use-cases/process-upload';
import { METRIC } from '../../src/adapters/observability/metric-names';
import { observeInvocation } from '../common/observability';
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

/** One S3 ObjectCreated notification, as far as we need it. */
export interface UploadEvent {
  /** Object key exactly as S3 sends it in the event (URL-encoded). */
  readonly key: string;
  readonly bytes?: number;
  readonly etag?: string;
}

const KEY_PATTERN = /^checks\/([0-9a-f-]{36})\/([a-z]+)$/;

/** The check and part of an object key as S3 sends it in an event (URL-encoded, spaces as "+"). */
export function parseMediaKey(eventKey: string): { checkId: string; part: PartName } | undefined {
  let key: string;
  try {
    key = decodeURIComponent(eventKey.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
  const match = KEY_PATTERN.exec(key);
  const checkId = match?.[1];
  const part = PART_NAMES.find((name) => name === match?.[2]);
  return checkId && part ? { checkId, part } : undefined;
}

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
  const { logger, metrics } = deps.observability;
  const handle = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      const parsed = parseProcessorMessage(message.body);
      if (!parsed) {
        // Neither an S3 notification nor a resume request: retrying will not help, so it is logged and dropped.
        deps.log.error('Dropping a message the processor does not understand', { messageId: message.messageId });
        continue;
      }
      try {
        if (parsed.kind === 'resume') await aboutCheck(deps, parsed.checkId, () => resumeCheck(deps, parsed.checkId));
        else for (const upload of parsed.uploads) await processUploadEvent(deps, upload);
      } catch (error) {
        deps.log.error('Processing a notification failed; SQS will redeliver it', {
          messageId: message.messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
        });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      } finally {
        logger.removeKeys(['checkId']);
      }
    }
    metrics.addMetric(METRIC.processorMessages, MetricUnit.Count, event.Records.length);
    metrics.addMetric(METRIC.processorMessagesFailed, MetricUnit.Count, batchItemFailures.length);
    return { batchItemFailures };
  };
  return middy<SQSEvent, SQSBatchResponse>().use(observeInvocation(deps.observability)).handler(handle);
}

/** One check at a time: its id goes on every log line written while it is handled. */
async function aboutCheck<T>(deps: GatewayDeps, checkId: string, work: () => Promise<T>): Promise<T> {
  deps.observability.logger.appendKeys({ checkId });
  return work();
}

async function processUploadEvent(deps: GatewayDeps, upload: UploadEvent): Promise<void> {
  const key = parseMediaKey(upload.key);
  if (!key) {
    deps.log.warn('Ignoring an object outside the checks/{checkId}/{part} layout');
    return;
  }
  await aboutCheck(deps, key.checkId, () =>
    processUpload(deps, {
      ...key,
      ...(upload.bytes !== undefined ? { bytes: upload.bytes } : {}),
      ...(upload.etag !== undefined ? { etag: upload.etag } : {}),
    }),
  );
}
