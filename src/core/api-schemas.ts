// Public API v1 shapes. The handlers validate with these, and the OpenAPI document is generated from them.
import { z } from 'zod';
import { PART_NAMES } from './check';

export const partNameSchema = z.enum(PART_NAMES);

export const createCheckRequestSchema = z
  .object({
    provider: z.string().min(1).max(32).optional().describe('A configured provider id; default from configuration'),
    parts: z
      .array(partNameSchema)
      .min(1)
      .max(PART_NAMES.length)
      .refine((parts) => new Set(parts).size === parts.length, 'parts must not repeat')
      .optional()
      .describe("Which media this check will upload; default is the provider's usual set"),
    externalRef: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("The operator's opaque applicant id"),
  })
  .strict();

export type CreateCheckRequest = z.infer<typeof createCheckRequestSchema>;

export const checkIdSchema = z.uuid();

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
