// Public API v1 shapes. The handlers validate with these, and the OpenAPI document is generated from them.
// Domain shapes (media facts, reasons, results, consent, statuses) are declared once in check.ts and
// reasons.ts; the views below pick from them and add only what the API itself says.
import * as z from 'zod';
import {
  checkResultSchema,
  checkSchema,
  checkStatusSchema,
  consentSchema,
  decisionSchema,
  externalRefSchema,
  mediaFactsSchema,
  PART_NAMES,
  partNameSchema,
  providerAttemptSchema,
  providerIdSchema,
  reviewDecisionSchema,
  reviewSchema,
  timestampSchema,
} from './check';
import { reasonCodeSchema, reasonSchema } from './reasons';

export {
  checkStatusSchema,
  consentSchema,
  decisionSchema,
  mediaFactsSchema,
  partNameSchema,
  providerIdSchema,
  reasonCodeSchema,
  reasonSchema,
};

export const createCheckRequestSchema = z
  .object({
    provider: z.string().min(1).max(32).optional().describe('A configured provider id; default from configuration'),
    parts: z
      .array(partNameSchema)
      .min(1)
      .max(PART_NAMES.length)
      .refine((parts) => new Set(parts).size === parts.length, 'parts must not repeat')
      .meta({ uniqueItems: true })
      .optional()
      .describe("Which media this check will upload; default is the provider's usual set"),
    externalRef: externalRefSchema.optional().describe("The operator's opaque applicant id"),
    consent: consentSchema.optional().describe('Evidence of consent, kept with the check and in the audit trail'),
  })
  .strict();

export type CreateCheckRequest = z.infer<typeof createCheckRequestSchema>;

export const checkIdSchema = z.uuid();

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const attemptLimitResponseSchema = z
  .object({
    error: z.object({
      code: z.literal('ATTEMPT_LIMIT_REACHED'),
      message: z.string(),
      retryAfterSeconds: z
        .int()
        .positive()
        .describe('Seconds until this applicant may create a check again (also in Retry-After)'),
    }),
  })
  .describe("The applicant (externalRef, or the JWT subject) created as many checks as the deployment's window allows");

// ---------------------------------------------------------------------------------------------
// Responses. The typed client validates every answer with these, and the OpenAPI document is
// generated from them, so a field documented, returned and read is one definition. Objects are
// not strict: a client built on them keeps working when a later version adds a field.

export const uploadInstructionsSchema = z
  .object({
    url: z.url().describe('POST the form here (multipart/form-data)'),
    fields: z
      .record(z.string(), z.string())
      .describe('Send every field as given, then Content-Type, then the file as the last field named "file"'),
    maxBytes: z.int().positive(),
    contentTypes: z.array(z.string()).describe('Media types the check accepts for this part'),
  })
  .describe('A presigned S3 POST form for one part');

export const createCheckResponseSchema = z.object({
  checkId: checkIdSchema,
  status: z.literal('AWAITING_UPLOAD'),
  provider: providerIdSchema,
  parts: checkSchema.shape.parts,
  uploads: z.partialRecord(partNameSchema, uploadInstructionsSchema).describe('One form per declared part'),
  pollToken: z.string().min(1).describe('Bearer token for GET /v1/checks/{checkId}; hand it to the frontend'),
  expiresAt: timestampSchema.describe('When the upload forms stop working'),
});

const result = checkResultSchema.shape;
const check = checkSchema.shape;

export const checkStatusViewSchema = z
  .object({
    checkId: checkIdSchema,
    status: check.status,
    decision: result.decision.optional(),
    reasons: result.reasons.optional(),
    updatedAt: check.updatedAt,
  })
  .describe('What a frontend may see: no scores, no provider payload');

export const checkResultViewSchema = z
  .object({
    checkId: checkIdSchema,
    status: check.status,
    provider: check.provider.describe('The provider that answered (a fallback, after a failover)'),
    attempts: z.array(providerAttemptSchema).optional().describe('Every provider tried for this check, in order'),
    parts: check.parts,
    externalRef: check.externalRef,
    consent: check.consent,
    decision: result.decision.optional(),
    reasons: result.reasons.optional(),
    liveness: result.liveness,
    deepfake: result.deepfake,
    faceMatch: result.faceMatch,
    quality: result.quality,
    attributes: result.attributes,
    media: z.array(mediaFactsSchema),
    mediaDeletedAt: check.mediaDeletedAt,
    review: reviewSchema.optional(),
    providerRequestId: result.providerRequestId,
    duplicateOf: result.duplicateOf,
    timings: checkSchema.pick({ createdAt: true, processingStartedAt: true, completedAt: true, providerMs: true }),
    updatedAt: check.updatedAt,
  })
  .describe('The full normalised result, for the backend');

export const erasureReceiptSchema = z
  .object({
    checkId: checkIdSchema,
    erasedAt: timestampSchema,
    erasedBy: z.string().describe('Who asked: the IAM principal that called the route'),
    deleted: z.object({
      media: z.array(partNameSchema),
      result: z.boolean(),
      pollToken: z.boolean(),
      record: z.boolean(),
    }),
    kept: z
      .object({
        auditTrail: z.object({
          fields: z.array(z.string()).describe('The attributes of every audit entry kept for this check'),
          contents: z.array(z.string()).describe('What those entries record'),
          reason: z.string().describe('Why they are kept'),
          retention: z.string().describe('For how long'),
        }),
      })
      .describe('What is kept after the erasure, and why'),
    alreadyErased: z.boolean().describe('True when the check was already erased; the original receipt is returned'),
  })
  .describe('What was erased and what is kept; the audit trail keeps the same receipt as a tombstone');

export const reviewRequestSchema = z
  .object({
    decision: reviewDecisionSchema,
    reviewer: reviewSchema.shape.reviewer,
    note: reviewSchema.shape.note,
  })
  .strict();
export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

export const REVIEW_PAGE_DEFAULT = 50;
export const REVIEW_PAGE_MAX = 100;

/** The query of GET /v1/reviews, as API Gateway hands it over (strings). */
export const reviewQueueQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.int().min(1).max(REVIEW_PAGE_MAX))
      .optional()
      .describe(`Items per page, 1–${REVIEW_PAGE_MAX} (default ${REVIEW_PAGE_DEFAULT})`),
    nextToken: z.string().min(1).max(2048).optional().describe('From the previous page'),
  })
  .strict();

export const reviewQueueItemSchema = z.object({
  checkId: checkIdSchema,
  externalRef: check.externalRef,
  provider: check.provider,
  reasons: result.reasons,
  completedAt: timestampSchema,
});

export const reviewQueueResponseSchema = z
  .object({
    items: z.array(reviewQueueItemSchema),
    nextToken: z.string().optional().describe('Present when there may be more; pass it back as ?nextToken='),
  })
  .describe('Checks awaiting a person, oldest decision first');

export const mediaUrlResponseSchema = z
  .object({
    url: z.url().describe('A presigned GET of the stored part'),
    expiresAt: timestampSchema.describe('When the link stops working (at most 5 minutes)'),
  })
  .describe('A short-lived link to one stored part of a check');

export type ReasonView = z.infer<typeof reasonSchema>;
export type UploadInstructionsView = z.infer<typeof uploadInstructionsSchema>;
export type CreateCheckResponse = z.infer<typeof createCheckResponseSchema>;
export type CheckStatusResponse = z.infer<typeof checkStatusViewSchema>;
export type CheckResultResponse = z.infer<typeof checkResultViewSchema>;
export type ErasureReceiptResponse = z.infer<typeof erasureReceiptSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type ReviewQueueResponse = z.infer<typeof reviewQueueResponseSchema>;
export type MediaUrlResponse = z.infer<typeof mediaUrlResponseSchema>;

export const auditEntryViewSchema = z
  .object({
    seq: z.string().describe('Sort key: entries are in this order'),
    at: timestampSchema.describe('When the step was recorded'),
    type: z.string().describe('The step, e.g. PART_RECEIVED, MEDIA_CHECKED, PROVIDER_RESPONSE, RESULT_RECORDED'),
    detail: z
      .record(z.string(), z.unknown())
      .describe('What the step recorded: ids, outcomes, reasons, timings (never media, tokens or secrets)'),
  })
  .describe('One step of a check');

export const auditTrailSchema = z
  .object({ items: z.array(auditEntryViewSchema).describe('Every recorded step, oldest first') })
  .describe("A check's audit trail, for compliance exports and support");

export type AuditTrailResponse = z.infer<typeof auditTrailSchema>;
