// The deployed webhook sender's logic, one queued message at a time: one attempt of one event to
// one endpoint, audited, then done, re-queued for the next attempt of the back-off schedule, or
// handed to the dead-letter queue. SQS delays a message by at most 15 minutes, so a longer wait
// is several hops of the same attempt (`notBefore`), with no delivery in between.
import * as z from 'zod';
import { describeError } from '../core/errors';
import type { Log } from '../core/log';
import type { AuditLog } from '../core/ports';
import { outcomeEventSchema } from './envelope';
import { WEBHOOK_SECRET_PREFIX, WebhookSecretError, webhookSecretKey } from './standard-webhooks';
import {
  deliverWebhook,
  nextRetryDelaySeconds,
  webhookAttemptAudit,
  type DeliverWebhookInput,
  type DeliveryResult,
  type RetrySchedule,
  type WebhookUrlPolicy,
} from './webhook-delivery';

/** SQS's longest DelaySeconds. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

export const webhookMessageSchema = z
  .object({
    event: outcomeEventSchema,
    endpoint: z.string().min(1),
    /** The attempt this message is for (1 for the first). */
    attempt: z.number().int().min(1),
    /** Unix seconds of the first attempt: the schedule runs until it is old enough. */
    firstAttemptAt: z.number().optional(),
    /** Unix seconds before which this attempt must not be made (a wait longer than one queue delay). */
    notBefore: z.number().optional(),
  })
  .strict();
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

/** Where the sender puts a message for later, or for good. */
export interface WebhookQueue {
  send(message: WebhookMessage, delaySeconds: number): Promise<void>;
  deadLetter(message: WebhookMessage): Promise<void>;
}

export interface WebhookSenderDeps {
  /** The configured endpoints: a message naming any other URL is not delivered. */
  readonly endpoints: readonly string[];
  /** The active signing secrets (`whsec_…`), read (and cached) from the secret store. */
  readonly secrets: () => Promise<readonly string[]>;
  readonly policy: WebhookUrlPolicy;
  readonly schedule: RetrySchedule;
  readonly queue: WebhookQueue;
  readonly audit: AuditLog;
  readonly log: Log;
  /** Unix seconds (tests move it). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly deliver?: (input: DeliverWebhookInput) => Promise<DeliveryResult>;
}

export type WebhookSendOutcome = 'delivered' | 'retry-scheduled' | 'waiting' | 'dead-lettered';

export async function sendQueuedWebhook(deps: WebhookSenderDeps, message: WebhookMessage): Promise<WebhookSendOutcome> {
  const now = deps.now?.() ?? Math.floor(Date.now() / 1000);
  const { event } = message;
  const context = { checkId: event.data.checkId, eventId: event.id, attempt: message.attempt };
  if (message.notBefore !== undefined && message.notBefore > now) {
    await deps.queue.send(message, Math.min(MAX_QUEUE_DELAY_SECONDS, message.notBefore - now));
    return 'waiting';
  }
  if (!deps.endpoints.includes(message.endpoint)) {
    deps.log.error('A webhook message names an endpoint that is not configured; dead-lettered', context);
    await deps.queue.deadLetter(message);
    return 'dead-lettered';
  }

  const result = await (deps.deliver ?? deliverWebhook)({
    url: message.endpoint,
    event,
    secrets: await deps.secrets(),
    policy: deps.policy,
    now,
  });
  const firstAttemptAt = message.firstAttemptAt ?? now;
  const delay =
    !result.ok && result.retryable
      ? nextRetryDelaySeconds(deps.schedule, message.attempt, now - firstAttemptAt, deps.random)
      : undefined;
  // The attempt that ends the schedule (or that no retry can fix) is marked: it is the one the
  // WebhookDeliveryExhausted alarm counts, before the message goes to the dead-letter queue.
  await auditAttempt(deps, message, result, !result.ok && delay === undefined);
  if (result.ok) return 'delivered';
  if (delay === undefined) {
    deps.log.warn('Webhook delivery given up; dead-lettered', { ...context, failure: result.failure, status: result.status });
    await deps.queue.deadLetter({ ...message, firstAttemptAt });
    return 'dead-lettered';
  }
  const wait = Math.ceil(delay);
  await deps.queue.send(
    { event, endpoint: message.endpoint, attempt: message.attempt + 1, firstAttemptAt, notBefore: now + wait },
    Math.min(MAX_QUEUE_DELAY_SECONDS, wait),
  );
  return 'retry-scheduled';
}

/** WEBHOOK_DELIVERY in the check's trail; a failed audit write does not undo or repeat the attempt. */
async function auditAttempt(
  deps: Pick<WebhookSenderDeps, 'audit' | 'log'>,
  message: WebhookMessage,
  result: DeliveryResult,
  exhausted: boolean,
) {
  const detail = webhookAttemptAudit(message.event, message.endpoint, message.attempt, result, exhausted);
  try {
    await deps.audit.append({ checkId: message.event.data.checkId, type: 'WEBHOOK_DELIVERY', detail: { ...detail } });
  } catch (error) {
    deps.log.warn('Could not audit a webhook attempt', {
      checkId: message.event.data.checkId,
      eventId: message.event.id,
      error: describeError(error),
    });
  }
}

const secretDocumentSchema = z.union([
  z.object({ secrets: z.array(z.string()).min(1).max(2) }).strict(),
  // What CloudFormation generates at the first deploy: 64 letters and digits, which read as base64.
  z.object({ key: z.string().regex(/^[A-Za-z0-9]{32,86}$/) }).strict(),
]);

/**
 * The signing secrets from the secret's JSON: `{"secrets": ["whsec_…"]}` (two during a rotation),
 * or the generated `{"key": "<letters and digits>"}`, which signs as `whsec_<key>`. Throws
 * WebhookSecretError, never echoing the value.
 */
export function webhookSecretsFrom(document: unknown): string[] {
  const parsed = secretDocumentSchema.safeParse(document);
  if (!parsed.success) {
    throw new WebhookSecretError('the webhook secret must be {"secrets":["whsec_…"]} (one or two) or the generated {"key":"…"}');
  }
  const secrets = 'secrets' in parsed.data ? parsed.data.secrets : [`${WEBHOOK_SECRET_PREFIX}${parsed.data.key}`];
  for (const secret of secrets) webhookSecretKey(secret);
  return secrets;
}
