// The gateway's runtime configuration as the stack deploys it: the same schema the functions parse
// at cold start, checked here so a bad value fails synth instead of every cold start.
import * as z from 'zod';
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from '../src/core/config';

const runtime = gatewayConfigSchema.shape;

/**
 * The runtime settings the stack passes to every function unchanged, optional and without their
 * defaults (the runtime applies those); meaning and ranges are those of `gatewayConfigSchema`.
 * One exception: an absent `processingLeaseSeconds` is derived from the processor timeout (see
 * `UploadProcessor`), not the runtime default. bin/ parses the CDK context with this schema.
 */
export const runtimeSettingsSchema = z.object({
  uploadExpirySeconds: runtime.uploadExpirySeconds.unwrap().optional(),
  checkRetentionDays: runtime.checkRetentionDays.unwrap().optional(),
  secretCacheSeconds: runtime.secretCacheSeconds.unwrap().optional(),
  mediaRetentionSeconds: runtime.mediaRetentionSeconds.unwrap().optional(),
  reviewWindowSeconds: runtime.reviewWindowSeconds.unwrap().optional(),
  maxAttemptsPerApplicant: runtime.maxAttemptsPerApplicant.unwrap().optional(),
  duplicateMediaCheck: runtime.duplicateMediaCheck.unwrap().optional(),
  attemptWindowHours: runtime.attemptWindowHours.unwrap().optional(),
  processingLeaseSeconds: runtime.processingLeaseSeconds.unwrap().optional(),
  maxProcessingAttempts: runtime.maxProcessingAttempts.unwrap().optional(),
  uploadGraceSeconds: runtime.uploadGraceSeconds.unwrap().optional(),
  breakerFailures: runtime.breakerFailures.unwrap().optional(),
  breakerCooldownSeconds: runtime.breakerCooldownSeconds.unwrap().optional(),
  slotWaitSeconds: runtime.slotWaitSeconds.unwrap().optional(),
  facePrecheck: runtime.facePrecheck.unwrap().optional(),
});
export type RuntimeSettings = z.input<typeof runtimeSettingsSchema>;

const RUNTIME_SETTING_KEYS = runtimeSettingsSchema.keyof().options;

/** Only the runtime settings out of wider props (the stack's), leaving out what was not given. */
export function pickRuntimeSettings(props: RuntimeSettings): RuntimeSettings {
  return Object.fromEntries(RUNTIME_SETTING_KEYS.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]));
}

/** Parses a configuration with the runtime's schema, defaults filled in, or throws every issue at once. */
export function parseDeployedConfig(input: GatewayConfigInput): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid gateway configuration:\n- ${issues.join('\n- ')}`);
  }
  return parsed.data;
}
