// The check: the one record a liveness check lives in, and the vocabulary every provider maps to.
// Each shape is declared once, as a zod schema; the types are inferred from it. The API schemas
// (api-schemas.ts) and the DynamoDB repository reuse these schemas rather than restating fields.
import * as z from 'zod';
import { reasonSchema } from './reasons';

/** The readonly view of an inferred shape: the domain hands out records it does not expect callers to change. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export const PART_NAMES = ['video', 'selfie', 'reference'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** A provider's id ("fpt", ...). The provider registry knows which exist; the domain takes them as given. */
export type ProviderId = string;

export const partNameSchema = z.enum(PART_NAMES);
export const providerIdSchema = z.string().min(1).describe('The provider that judges the check, one this deployment enables');

const CHECK_STATUSES = ['AWAITING_UPLOAD', 'PROCESSING', 'COMPLETED', 'FAILED', 'EXPIRED'] as const;
export const checkStatusSchema = z
  .enum(CHECK_STATUSES)
  .describe('AWAITING_UPLOAD → PROCESSING → COMPLETED | FAILED; AWAITING_UPLOAD → EXPIRED when the uploads never arrive');
export type CheckStatus = z.infer<typeof checkStatusSchema>;

const DECISIONS = ['PASS', 'FAIL', 'RETRY', 'REVIEW'] as const;
export const decisionSchema = z
  .enum(DECISIONS)
  .describe('Only when COMPLETED. RETRY: the capture cannot be judged, the user should record again');
export type Decision = z.infer<typeof decisionSchema>;

/** ISO 8601 with offset, as every timestamp in the record and the API. */
export const timestampSchema = z.iso.datetime({ offset: true });

/** What a person may decide for a check the provider (or the grey band) left to REVIEW. */
export const reviewDecisionSchema = z.enum(['PASS', 'FAIL', 'RETRY']).describe("The reviewer's decision");
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;

/** A person's decision on a REVIEW check. The provider's own answer stays in the result's reasons and scores. */
export const reviewSchema = z
  .object({
    decision: reviewDecisionSchema,
    reviewer: z.string().min(1).max(128).describe('Who decided, as the operator names its reviewers'),
    note: z.string().max(1000).optional(),
    reviewedAt: timestampSchema,
    previousDecision: z.literal('REVIEW'),
  })
  .describe('The human review that settled a REVIEW check');
export type Review = DeepReadonly<z.infer<typeof reviewSchema>>;

/** What we measured of one uploaded part (basic facts now, deep facts from the media inspector). */
export const mediaFactsSchema = z.object({
  part: partNameSchema,
  bytes: z.number().nonnegative(),
  sha256: z.string().optional(),
  contentType: z.string().optional(),
  container: z.string().optional().describe('Detected from the bytes: mp4, mov, mkv, webm, jpeg, png'),
  codec: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  rotation: z.number().optional().describe('Clockwise degrees declared by the container (video) or EXIF (image)'),
  durationSeconds: z.number().optional(),
});
export type MediaFacts = DeepReadonly<z.infer<typeof mediaFactsSchema>>;

/** One upload as S3 reported it. */
export const receivedPartSchema = z.object({
  bytes: z.number().int().nonnegative(),
  etag: z.string().optional(),
  contentType: z.string().optional(),
  receivedAt: z.string(),
});
export type ReceivedPart = DeepReadonly<z.infer<typeof receivedPartSchema>>;

const scoreSchema = z.number().min(0).max(1);
const flagsSchema = z.record(z.string(), z.union([z.boolean(), z.number()]));

/** The provider-neutral result. Scores are 0–1: liveness and faceMatch higher = better, deepfake higher = more likely fake. */
export const checkResultSchema = z.object({
  decision: decisionSchema,
  reasons: z.array(reasonSchema),
  liveness: z.object({ live: z.boolean(), score: scoreSchema.optional().describe('Higher = more likely live') }).optional(),
  deepfake: z.object({ detected: z.boolean(), score: scoreSchema.optional().describe('Higher = more likely fake') }).optional(),
  faceMatch: z.object({ matched: z.boolean(), score: scoreSchema.optional().describe('Higher = more alike') }).optional(),
  quality: flagsSchema.optional(),
  attributes: flagsSchema.optional(),
  providerRequestId: z.string().optional(),
  duplicateOf: z
    .string()
    .optional()
    .describe('DUPLICATE_MEDIA: the earlier check whose live part had exactly these bytes (the provider was not called)'),
});
export type CheckResult = DeepReadonly<z.infer<typeof checkResultSchema>>;

/** Evidence that the user accepted the privacy notice before capture. */
export const consentSchema = z
  .object({
    noticeVersion: z.string().min(1).max(64).describe('Version of the privacy notice the user accepted'),
    acceptedAt: timestampSchema.describe('When the user accepted it (ISO 8601)'),
  })
  .strict();
export type Consent = DeepReadonly<z.infer<typeof consentSchema>>;

/** One provider tried for a check, in order: it answered, failed operationally, or was skipped (and why). */
export const providerAttemptSchema = z.object({
  provider: providerIdSchema,
  outcome: z.enum(['answered', 'failed', 'skipped']),
  reason: z
    .string()
    .optional()
    .describe('failed: the reason code; skipped: BREAKER_OPEN, PARTS_NOT_TAKEN, REFERENCE_NOT_TAKEN or the media reason code'),
  ms: z.number().nonnegative(),
});
export type ProviderAttempt = DeepReadonly<z.infer<typeof providerAttemptSchema>>;

/** Who answered (a fallback, when the check's provider failed) and what was tried, in order. */
const failoverTrail = {
  provider: providerIdSchema.optional(),
  attempts: z.array(providerAttemptSchema).optional(),
};

/** What the provider said, recorded before the result is written so a crash cannot cause a second call. */
export const providerAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('answer'), result: checkResultSchema, providerMs: z.number(), ...failoverTrail }),
  z.object({ kind: z.literal('failure'), reason: reasonSchema, providerMs: z.number(), ...failoverTrail }),
]);
export type ProviderAnswer = DeepReadonly<z.infer<typeof providerAnswerSchema>>;

/** The operator's opaque applicant id: printable text only, so it cannot forge log lines or headers. */
export const externalRefSchema = z
  .string()
  .min(1)
  .max(128)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');

export const checkSchema = z.object({
  checkId: z.string().min(1),
  status: checkStatusSchema,
  provider: providerIdSchema,
  parts: z.array(partNameSchema),
  externalRef: z.string().optional(),
  pollTokenHash: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** Epoch seconds after which the upload forms no longer work. */
  uploadExpiresAt: z.number(),
  /** Epoch seconds after which the record may be removed (DynamoDB TTL). */
  expiresAt: z.number(),
  received: z.partialRecord(partNameSchema, receivedPartSchema),
  processingStartedAt: timestampSchema.optional(),
  completedAt: timestampSchema.optional(),
  result: checkResultSchema.optional(),
  /** Operational failure reason when status is FAILED. */
  failure: reasonSchema.optional(),
  media: z.array(mediaFactsSchema).optional(),
  providerMs: z.number().nonnegative().optional(),
  consent: consentSchema.optional(),
  /** Epoch seconds until which the current processing attempt owns the check. */
  leaseUntil: z.number().optional(),
  /** Processing attempts so far (1 for the first). */
  attempt: z.number().int().optional(),
  providerAnswer: providerAnswerSchema.optional(),
  /** Epoch seconds at which the sweep next has something to do for this check (absent: nothing). */
  sweepAt: z.number().optional(),
  mediaDeletedAt: timestampSchema.optional().describe('When the uploaded media was deleted (the facts about it remain)'),
  /** Set once a person settled a REVIEW check; result.decision then carries the reviewer's decision. */
  review: reviewSchema.optional(),
  /**
   * Outcome events committed with a transition and not yet published (whole envelopes, PII-free by
   * construction: src/events/envelope.ts; read back with outcomeEventSchema).
   */
  outbox: z.array(z.object({ id: z.string(), type: z.string() }).loose()).optional(),
  /** The sweepAt to restore once the outbox is published; absent: the check leaves the sweep index then. */
  sweepAfterOutbox: z.number().optional(),
});
export type Check = DeepReadonly<z.infer<typeof checkSchema>>;

/** Every declared part has arrived. */
export function allPartsReceived(check: Pick<Check, 'parts' | 'received'>): boolean {
  return check.parts.every((part) => check.received[part] !== undefined);
}
