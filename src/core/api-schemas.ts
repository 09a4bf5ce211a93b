// Public API v1 shapes. The handlers validate with these, and the OpenAPI document is generated from them.
import * as z from 'zod';
import { PART_NAMES } from './check';
import { CAPTURE_REASONS, MEDIA_REASONS, OPERATIONAL_REASONS, VERDICT_REASONS } from './reasons';

export const partNameSchema = z.enum(PART_NAMES);

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
    externalRef: z.string().min(1).max(128).optional().describe("The operator's opaque applicant id"),
    consent: z
      .object({
        noticeVersion: z.string().min(1).max(64).describe('Version of the privacy notice the user accepted'),
        acceptedAt: z.iso.datetime({ offset: true }).describe('When the user accepted it (ISO 8601)'),
      })
      .strict()
      .optional()
      .describe('Evidence of consent, kept with the check and in the audit trail'),
  })
  .strict();

export type CreateCheckRequest = z.infer<typeof createCheckRequestSchema>;

export const checkIdSchema = z.uuid();

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

// ---------------------------------------------------------------------------------------------
// Responses. The typed client validates every answer with these, and the OpenAPI document is
// generated from them, so a field documented, returned and read is one definition. Objects are
// not strict: a client built on them keeps working when a later version adds a field.

export const checkStatusSchema = z
  .enum(['AWAITING_UPLOAD', 'PROCESSING', 'COMPLETED', 'FAILED', 'EXPIRED'])
  .describe('AWAITING_UPLOAD → PROCESSING → COMPLETED | FAILED; AWAITING_UPLOAD → EXPIRED when the uploads never arrive');

export const decisionSchema = z
  .enum(['PASS', 'FAIL', 'RETRY', 'REVIEW'])
  .describe('Only when COMPLETED. RETRY: the capture cannot be judged, the user should record again');

export const providerIdSchema = z.string().min(1).describe('The provider that judges the check, one this deployment enables');

export const reasonCodeSchema = z.enum([...MEDIA_REASONS, ...CAPTURE_REASONS, ...VERDICT_REASONS, ...OPERATIONAL_REASONS]);

export const reasonSchema = z.object({
  code: reasonCodeSchema,
  message: z.string().describe('Safe to show to the end user'),
});

const timestampSchema = z.iso.datetime({ offset: true });
const scoreSchema = z.number().min(0).max(1);

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
  parts: z.array(partNameSchema),
  uploads: z.partialRecord(partNameSchema, uploadInstructionsSchema).describe('One form per declared part'),
  pollToken: z.string().min(1).describe('Bearer token for GET /v1/checks/{checkId}; hand it to the frontend'),
  expiresAt: timestampSchema.describe('When the upload forms stop working'),
});

export const checkStatusViewSchema = z
  .object({
    checkId: checkIdSchema,
    status: checkStatusSchema,
    decision: decisionSchema.optional(),
    reasons: z.array(reasonSchema).optional(),
    updatedAt: timestampSchema,
  })
  .describe('What a frontend may see: no scores, no provider payload');

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

/** The consent evidence as the create request gave it. */
export const consentSchema = createCheckRequestSchema.shape.consent.unwrap();

const flagsSchema = z.record(z.string(), z.union([z.boolean(), z.number()]));

export const checkResultViewSchema = z
  .object({
    checkId: checkIdSchema,
    status: checkStatusSchema,
    provider: providerIdSchema,
    parts: z.array(partNameSchema),
    externalRef: z.string().optional(),
    consent: consentSchema.optional(),
    decision: decisionSchema.optional(),
    reasons: z.array(reasonSchema).optional(),
    liveness: z.object({ live: z.boolean(), score: scoreSchema.optional().describe('Higher = more likely live') }).optional(),
    deepfake: z.object({ detected: z.boolean(), score: scoreSchema.optional().describe('Higher = more likely fake') }).optional(),
    faceMatch: z.object({ matched: z.boolean(), score: scoreSchema.optional().describe('Higher = more alike') }).optional(),
    quality: flagsSchema.optional(),
    attributes: flagsSchema.optional(),
    media: z.array(mediaFactsSchema),
    mediaDeletedAt: timestampSchema.optional().describe('When the uploaded media was deleted (the facts about it remain)'),
    providerRequestId: z.string().optional(),
    timings: z.object({
      createdAt: timestampSchema,
      processingStartedAt: timestampSchema.optional(),
      completedAt: timestampSchema.optional(),
      providerMs: z.number().nonnegative().optional(),
    }),
    updatedAt: timestampSchema,
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
    alreadyErased: z.boolean().describe('True when the check was already erased; the original receipt is returned'),
  })
  .describe('What was erased; the audit trail keeps the same receipt as a tombstone');

export type CheckStatusValue = z.infer<typeof checkStatusSchema>;
export type DecisionValue = z.infer<typeof decisionSchema>;
export type ReasonView = z.infer<typeof reasonSchema>;
export type UploadInstructionsView = z.infer<typeof uploadInstructionsSchema>;
export type CreateCheckResponse = z.infer<typeof createCheckResponseSchema>;
export type CheckStatusResponse = z.infer<typeof checkStatusViewSchema>;
export type CheckResultResponse = z.infer<typeof checkResultViewSchema>;
export type ErasureReceiptResponse = z.infer<typeof erasureReceiptSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
