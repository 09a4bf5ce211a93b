// Receiving outcome events: verify a Standard Webhooks delivery and read its envelope. The
// signature rules are the gateway's own (src/events/standard-webhooks), so sender and receiver
// cannot drift apart. Import this file directly to get only node:crypto and zod: the Node entry
// (./index) re-exports it but also carries the AWS SDK credential chain for SigV4.
import { outcomeEventSchema, type OutcomeEvent } from '../../events/envelope';
import {
  verifyWebhookSignature,
  WebhookVerificationError,
  type HeadersLike,
  type VerifyWebhookOptions,
  type WebhookBody,
} from '../../events/standard-webhooks';

export {
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookSecretError,
  WebhookVerificationError,
  type HeadersLike,
  type VerifyWebhookOptions,
  type WebhookBody,
  type WebhookVerificationReason,
} from '../../events/standard-webhooks';
export { OUTCOME_EVENT_TYPES, type OutcomeEvent, type OutcomeEventType } from '../../events/envelope';

export interface VerifiedOutcomeEvent {
  /** `webhook-id`, the same on every redelivery: dedupe on it. Equals `event.id`. */
  readonly id: string;
  /** `webhook-timestamp` of this attempt (unix seconds). */
  readonly timestamp: number;
  readonly event: OutcomeEvent;
}

/**
 * Verifies a delivery (headers, the raw body bytes as received, one secret or several during a
 * rotation) and returns its outcome event. Throws WebhookVerificationError with a `reason`:
 * MISSING_HEADERS, INVALID_TIMESTAMP, TIMESTAMP_TOO_OLD, TIMESTAMP_IN_FUTURE (±5 minutes),
 * MALFORMED_SIGNATURE, INVALID_SIGNATURE, or INVALID_PAYLOAD for a signed body that is not an
 * outcome event; WebhookSecretError when a secret is not `whsec_<base64>`.
 */
export function verifyWebhook(
  headers: HeadersLike,
  rawBody: WebhookBody,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): VerifiedOutcomeEvent {
  const { id, timestamp } = verifyWebhookSignature(headers, rawBody, secret, options);
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'));
  } catch (error) {
    throw new WebhookVerificationError('INVALID_PAYLOAD', 'the signed body is not JSON', { cause: error });
  }
  const parsed = outcomeEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new WebhookVerificationError('INVALID_PAYLOAD', 'the signed body is not an outcome event', { cause: parsed.error });
  }
  return { id, timestamp, event: parsed.data };
}
