// The gateway's runtime configuration as the stack deploys it: the same schema the functions parse
// at cold start, checked here so a bad value fails synth instead of every cold start.
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from '../src/core/config';

const RUNTIME_SETTING_KEYS = [
  'uploadExpirySeconds',
  'checkRetentionDays',
  'secretCacheSeconds',
  'mediaRetentionSeconds',
  'processingLeaseSeconds',
  'maxProcessingAttempts',
  'uploadGraceSeconds',
] as const;

/**
 * The runtime settings the stack passes to every function unchanged; their meaning, ranges and
 * defaults are those of `gatewayConfigSchema`. One exception: an absent `processingLeaseSeconds`
 * is derived from the processor timeout (see `UploadProcessor`), not the runtime default.
 */
export type RuntimeSettings = Partial<Pick<GatewayConfigInput, (typeof RUNTIME_SETTING_KEYS)[number]>>;

/** Only the runtime settings out of wider props (the stack's), leaving out what was not given. */
export function pickRuntimeSettings(props: RuntimeSettings): RuntimeSettings {
  return Object.fromEntries(
    RUNTIME_SETTING_KEYS.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]),
  );
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
