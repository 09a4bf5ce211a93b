// The outcome event: one PII-free JSON envelope for every channel (EventBridge detail, webhook
// body). It carries what a backend needs to act — which check, how it ended — and nothing it
// should not hold on to: no scores, no media, no poll token. Scores stay behind
// GET /v1/checks/{id}/result, where reading them is authenticated and audited.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { checkIdSchema, decisionSchema, providerIdSchema, reasonCodeSchema } from '../core/api-schemas';

export const OUTCOME_EVENT_TYPES = [
  'check.completed',
  'check.failed',
  'check.expired',
  'check.reviewed',
  'check.erased',
] as const;
export type OutcomeEventType = (typeof OUTCOME_EVENT_TYPES)[number];

/** EventBridge `source` of every outcome event; `detail-type` is the event type. */
export const EVENT_SOURCE = 'liveness-gateway';

export const outcomeEventTypeSchema = z.enum(OUTCOME_EVENT_TYPES);
export const eventIdSchema = z.string().regex(/^evt_[0-9a-f]{32}$/);

/** The status each event type reports: a reviewed check is still COMPLETED, with the reviewer's decision. */
export const STATUS_OF_EVENT: Readonly<Record<OutcomeEventType, 'COMPLETED' | 'FAILED' | 'EXPIRED' | 'ERASED'>> = {
  'check.completed': 'COMPLETED',
  'check.failed': 'FAILED',
  'check.expired': 'EXPIRED',
  'check.reviewed': 'COMPLETED',
  'check.erased': 'ERASED',
};

// Objects are not strict, like the API response schemas: a receiver validating with this schema
// keeps working when a later version adds a field. The builder below picks fields one by one, so
// nothing else can slip into an event it builds.
export const outcomeEventSchema = z
  .object({
    id: eventIdSchema,
    type: outcomeEventTypeSchema,
    occurredAt: z.iso.datetime(),
    data: z.object({
      checkId: checkIdSchema,
      externalRef: z.string().optional(),
      provider: providerIdSchema,
      status: z.enum(['COMPLETED', 'FAILED', 'EXPIRED', 'ERASED']),
      decision: decisionSchema.optional(),
      reasons: z.array(z.object({ code: reasonCodeSchema })),
    }),
  })
  .superRefine((event, context) => {
    if (event.data.status !== STATUS_OF_EVENT[event.type]) {
      context.addIssue({
        code: 'custom',
        path: ['data', 'status'],
        message: `${event.type} reports status ${STATUS_OF_EVENT[event.type]}`,
      });
    }
    const decided = event.type === 'check.completed' || event.type === 'check.reviewed';
    if (decided !== (event.data.decision !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['data', 'decision'],
        message: decided ? `${event.type} carries the decision` : `${event.type} carries no decision`,
      });
    }
  });

export type OutcomeEvent = z.infer<typeof outcomeEventSchema>;

/**
 * The slice of a check record an event is built from. A full check record fits it; whatever else
 * the record holds (scores, media facts, the poll token hash) is not read.
 */
export interface OutcomeSource {
  readonly checkId: string;
  readonly provider: string;
  readonly externalRef?: string;
  readonly result?: { readonly decision: string; readonly reasons: readonly { readonly code: string }[] };
  /** Why a FAILED (or EXPIRED) check ended: the record keeps it outside `result`. */
  readonly failure?: { readonly code: string };
}

export interface BuildOutcomeEventInput {
  readonly type: OutcomeEventType;
  readonly check: OutcomeSource;
  /** When the transition was committed, read from the record (not the clock) so a duplicate is identical. */
  readonly occurredAt: string;
  /**
   * Which occurrence of this event type for this check. Every type happens at most once per check
   * today (terminal states; one review; the erasure event only on the first erasure), so the
   * default 1 is right; the marker exists so a type that may repeat later keeps distinct ids.
   */
  readonly occurrence?: number;
}

/**
 * The event id is derived, not random: the stream or outbox that turns a committed transition
 * into an event may see that transition more than once (stream redelivery, a retried Lambda
 * batch, a replay after a failure). Deriving the id from (checkId, type, occurrence) makes every
 * copy carry the same `webhook-id`, so receivers dedupe on it and a duplicate costs nothing. A plain
 * sha256 is enough: the inputs are not secret and check ids are random UUIDs, so ids cannot be
 * guessed ahead of a check and do not collide across checks.
 */
export function outcomeEventId(checkId: string, type: OutcomeEventType, occurrence = 1): string {
  const digest = createHash('sha256').update(`${checkId}:${type}:${occurrence}`).digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/** Builds and validates the envelope; throws a ZodError when the source cannot make a valid event. */
export function buildOutcomeEvent(input: BuildOutcomeEventInput): OutcomeEvent {
  const { type, check } = input;
  const decided = type === 'check.completed' || type === 'check.reviewed';
  let reasons: readonly { readonly code: string }[] = [];
  if (type !== 'check.erased') {
    reasons = check.result?.reasons ?? (check.failure ? [check.failure] : []);
  }
  const candidate = {
    id: outcomeEventId(check.checkId, type, input.occurrence),
    type,
    occurredAt: input.occurredAt,
    data: {
      checkId: check.checkId,
      ...(check.externalRef === undefined ? {} : { externalRef: check.externalRef }),
      provider: check.provider,
      status: STATUS_OF_EVENT[type],
      ...(decided && check.result ? { decision: check.result.decision } : {}),
      reasons: reasons.map((reason) => ({ code: reason.code })),
    },
  };
  return outcomeEventSchema.parse(candidate);
}

/** The EventBridge entry for an event (PutEvents `Entries[n]`, without the bus name). */
export function eventBridgeEntry(event: OutcomeEvent): { Source: string; DetailType: OutcomeEventType; Detail: string } {
  return { Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event) };
}
