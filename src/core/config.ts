// Runtime configuration: one JSON document (env GATEWAY_CONFIG in Lambda), parsed and checked once
// at cold start. Nothing deeper reads process.env.
import * as z from 'zod';
import { PART_NAMES, type ProviderId } from './check';
import { ConfigurationError } from './errors';

const partLimitsOverride = z
  .object({
    maxBytes: z.number().int().positive(),
    minLongSide: z.number().int().positive(),
    minShortSide: z.number().int().positive(),
    maxLongSide: z.number().int().positive(),
    maxPixels: z.number().int().positive(),
    minDurationSeconds: z.number().nonnegative(),
    maxDurationSeconds: z.number().positive(),
  })
  .partial()
  .strict();

// Which ids exist is the provider registry's knowledge: the composition root passes them to parseGatewayConfig.
const providerIdSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a provider id is lower-case letters, digits and dashes');

export const providerConfigSchema = z
  .object({
    /** Secrets Manager secret id (name or ARN) holding the provider's credentials. */
    secretId: z.string().min(1),
    /** Provider-specific settings, checked by the adapter's own schema. */
    settings: z.record(z.string(), z.unknown()).default({}),
    limits: z.partialRecord(z.enum(PART_NAMES), partLimitsOverride).optional(),
    /** One HTTP attempt, headers and body. */
    timeoutMs: z.number().int().positive().default(20_000),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** All attempts and back-off together. */
    totalBudgetMs: z.number().int().positive().default(60_000),
    /**
     * Providers tried in order when this one ends in an operational failure (or its breaker is
     * open). Each must be enabled; the processor timeout must cover the whole chain's budgets.
     */
    fallbacks: z.array(providerIdSchema).max(5).optional(),
    /** Calls in flight to this provider across all processor instances; absent: no cap beyond the processor's own. */
    maxConcurrency: z.number().int().min(1).max(1000).optional(),
    /** A PASS whose liveness score falls inside [low, high] becomes REVIEW. */
    reviewBand: z
      .object({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) })
      .refine((band) => band.low <= band.high, 'reviewBand.low must not exceed reviewBand.high')
      .optional(),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    checksTable: z.string().min(1),
    auditTable: z.string().min(1),
    mediaBucket: z.string().min(1),
    defaultProvider: providerIdSchema,
    providers: z.partialRecord(providerIdSchema, providerConfigSchema),
    /** Presigned upload forms expire after this (at most 15 minutes). */
    uploadExpirySeconds: z.number().int().min(60).max(900).default(900),
    /** Check records are removed (DynamoDB TTL) this long after creation. */
    checkRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** Provider secrets are re-read after this many seconds, so a rotated value needs no redeploy. */
    secretCacheSeconds: z.number().int().min(0).max(3600).default(300),
    /** Media is deleted this long after the check is decided (0: at once). */
    mediaRetentionSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(0),
    /**
     * The media of a REVIEW check is kept this long after the decision so a person can look at it
     * (then deleted as usual; the check stays REVIEW). A review deletes it at once.
     */
    reviewWindowSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(7 * 86_400),
    /** Replayed live media (same bytes as another check's) ends REVIEW / DUPLICATE_MEDIA without a provider call. */
    duplicateMediaCheck: z.boolean().default(true),
    /**
     * The secret ({"key": "…"}) keying the HMAC under which the lookup indexes (replayed media,
     * applicant attempt counters) store their keys instead of a sha256 or an externalRef.
     */
    indexKeySecretId: z.string().min(1).optional(),
    /** Checks one applicant (externalRef, or the JWT subject) may create per window; 0 turns the cap off. */
    maxAttemptsPerApplicant: z.number().int().min(0).max(1000).default(5),
    /** The attempt window, from the applicant's first attempt in it. */
    attemptWindowHours: z.number().int().min(1).max(720).default(24),
    /**
     * One processing attempt owns a check this long; after that the sweep may resume it. Must exceed
     * the processor's timeout, so a resumed attempt never runs beside a live one.
     */
    processingLeaseSeconds: z.number().int().min(5).max(3600).default(180),
    /** Attempts (first run plus resumes) before a check that keeps dying ends FAILED. */
    maxProcessingAttempts: z.number().int().min(1).max(10).default(3),
    /** A check whose uploads never all arrived is expired this long after its forms expired (late events). */
    uploadGraceSeconds: z.number().int().min(0).max(3600).default(300),
    /** Consecutive checks ending in an operational failure of a provider that open its circuit breaker. */
    breakerFailures: z.number().int().min(1).max(1000).default(5),
    /** How long an open breaker skips its provider before one trial call decides. */
    breakerCooldownSeconds: z.number().int().min(1).max(3600).default(60),
    /** How long a check waits for a free slot of a provider with maxConcurrency before its message is retried. */
    slotWaitSeconds: z.number().int().min(0).max(300).default(10),
    /**
     * The embedded face pre-check of image parts (selfie, reference) before the provider is paid:
     * no face, several faces or a face too small ends the check RETRY without a provider call.
     */
    facePrecheck: z.boolean().default(true),
    /** The processor's queue, where the sweep puts resume requests (only the sweep needs it). */
    resumeQueueUrl: z.string().min(1).optional(),
    /** The EventBridge bus outcome events are put on (name or ARN). */
    eventBusName: z.string().min(1).default('default'),
    /** Webhook endpoints; each event goes to each of them. Empty: no webhooks. */
    webhookEndpoints: z.array(z.url()).max(10).default([]),
    /** The webhook queue: one message per (event, endpoint), consumed by the webhook sender. */
    webhookQueueUrl: z.string().min(1).optional(),
    /** Where the sender puts a delivery it gave up on (only the sender needs it). */
    webhookDeadLetterQueueUrl: z.string().min(1).optional(),
    /** Secrets Manager secret holding the signing secret(s) (only the sender reads it). */
    webhookSecretId: z.string().min(1).optional(),
    /** Let webhooks go to private, loopback and link-local addresses (never on by default). */
    allowPrivateWebhookTargets: z.boolean().default(false),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [id, provider] of Object.entries(config.providers)) {
      for (const [index, fallback] of (provider?.fallbacks ?? []).entries()) {
        const problem =
          fallback === id
            ? 'a provider cannot be its own fallback'
            : !config.providers[fallback]
              ? `fallback "${fallback}" is not among the enabled providers`
              : provider?.fallbacks?.indexOf(fallback) !== index
                ? `fallback "${fallback}" is listed twice`
                : undefined;
        if (problem) ctx.addIssue({ code: 'custom', path: ['providers', id, 'fallbacks', index], message: problem });
      }
    }
    if (!config.providers[config.defaultProvider]) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultProvider'],
        message: `default provider "${config.defaultProvider}" is not among the enabled providers`,
      });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export interface ConfigParseOptions {
  /** The provider ids this build has adapters for (the registry's PROVIDER_IDS); others are refused. */
  readonly providerIds?: readonly ProviderId[];
}

export function parseGatewayConfig(input: unknown, options: ConfigParseOptions = {}): GatewayConfig {
  const known = options.providerIds;
  const schema = known
    ? gatewayConfigSchema.superRefine((config, ctx) => {
        for (const id of Object.keys(config.providers)) {
          if (!known.includes(id))
            ctx.addIssue({ code: 'custom', path: ['providers', id], message: `unknown provider (known: ${known.join(', ')})` });
        }
      })
    : gatewayConfigSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid gateway configuration: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads GATEWAY_CONFIG from an environment. Only function entry points call this. */
export function configFromEnv(env: NodeJS.ProcessEnv, options: ConfigParseOptions = {}): GatewayConfig {
  const raw = env.GATEWAY_CONFIG;
  if (!raw) throw new ConfigurationError('GATEWAY_CONFIG is not set');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError('GATEWAY_CONFIG is not valid JSON', { cause: error });
  }
  return parseGatewayConfig(json, options);
}
