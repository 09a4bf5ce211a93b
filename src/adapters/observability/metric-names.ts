// The CloudWatch metrics the gateway emits (EMF). One list shared by the code that emits them and
// the alarms and dashboard that read them, so a renamed metric cannot leave an alarm watching nothing.
export const METRICS_NAMESPACE = 'LivenessGateway';
/** Powertools adds it to every metric as the `service` dimension. */
export const METRICS_SERVICE = 'liveness-gateway';

export const METRIC = {
  /** Dimensions provider, decision: a check ended COMPLETED with this decision. */
  checksDecided: 'ChecksDecided',
  /** Dimensions provider, reason: a check ended FAILED (operational). */
  checksFailed: 'ChecksFailed',
  /** A check expired with its uploads missing. */
  checksExpired: 'ChecksExpired',
  /** Dimension reason: a part refused by the media check (no provider call). */
  mediaRefused: 'MediaRefused',
  /** Dimension provider: one HTTP attempt at the provider (milliseconds, p50/p99). */
  providerLatency: 'ProviderLatency',
  /** Dimension provider: one HTTP attempt at the provider. */
  providerCalls: 'ProviderCalls',
  /** Dimension provider: an attempt that ended in an operational failure (no answer about the person). */
  providerFailures: 'ProviderFailures',
  /** Dimension provider: a retry of a provider call. */
  providerRetries: 'ProviderRetries',
  /** Dimension provider: last upload to decision, when both happen in one invocation (milliseconds). */
  uploadToDecision: 'UploadToDecision',
  /** A processing attempt that died was resumed after its lease ran out. */
  processingResumed: 'ProcessingResumed',
  /** Emitted by the sweep on every run: checks found in PROCESSING past their lease. */
  stuckChecks: 'StuckChecks',
  /** Processor SQS messages received / reported as failed (retried by SQS). */
  processorMessages: 'ProcessorMessages',
  processorMessagesFailed: 'ProcessorMessagesFailed',
  /** Every API request (the denominator of the 5xx rate). */
  apiRequests: 'ApiRequests',
  /** Dimensions route, statusClass (2xx, 4xx, 5xx). */
  apiResponses: 'ApiResponses',
  /** Dimension provider (the one left): reserved for failover. */
  providerFailovers: 'ProviderFailovers',
  /** Dimension provider: reserved for the circuit breaker. */
  breakerOpened: 'BreakerOpened',
  /** One webhook attempt answered 2xx / failed (every WEBHOOK_DELIVERY audit entry is one or the other). */
  webhookDelivered: 'WebhookDelivered',
  webhookDeliveryFailed: 'WebhookDeliveryFailed',
  /** A webhook delivery given up for good (retries over, or a failure no retry can fix): the receiver missed an event. */
  webhookDeliveryExhausted: 'WebhookDeliveryExhausted',
  /** Dimension decision (PASS, FAIL, RETRY): a person decided a check that ended REVIEW. */
  reviewsDecided: 'ReviewsDecided',
  /** A presigned link to a check's media handed to a reviewer. */
  mediaViewed: 'MediaViewed',
  /** Dimension provider: a check ended REVIEW with DUPLICATE_MEDIA (a live part already seen), without a provider call. */
  replayedMedia: 'ReplayedMedia',
  /** POST /v1/checks answered 429 ATTEMPT_LIMIT_REACHED: the applicant reached the attempt cap (no check created). */
  attemptsRefused: 'AttemptsRefused',
} as const;
