// The providers of this build, and the enabled providers of a deployment, wired once per cold
// start. Adding a provider is its own folder and one line in PROVIDER_ADAPTERS.
import type { ProviderId } from '../core/check';
import type { GatewayConfig, ProviderConfig } from '../core/config';
import { ConfigurationError } from '../core/errors';
import type { EnabledProviderPolicy, ProviderCatalog, UploadRule } from '../core/ports';
import { CONTENT_TYPE_PREFIX, MIME_TYPES, withOverrides, type ProviderProfile } from '../media/profiles';
import { fptAdapter } from './fpt/adapter';
import { defineProvider, type AnyProviderAdapter } from './provider';
import { senseidAdapter } from './senseid/adapter';
import { verihubsAdapter } from './verihubs/adapter';

export const PROVIDER_ADAPTERS: readonly [AnyProviderAdapter, ...AnyProviderAdapter[]] = [
  defineProvider(fptAdapter),
  defineProvider(senseidAdapter),
  defineProvider(verihubsAdapter),
];

export const PROVIDER_IDS = PROVIDER_ADAPTERS.map((adapter) => adapter.id) as [ProviderId, ...ProviderId[]];

/** An enabled provider: the domain's view of it plus what the judge needs to call it. */
export interface EnabledProvider extends EnabledProviderPolicy {
  readonly adapter: AnyProviderAdapter;
  readonly config: ProviderConfig;
  /** The adapter's settings, parsed with its schema. */
  readonly settings: unknown;
  /** The adapter's profile with the deployment's limit overrides applied. */
  readonly profile: ProviderProfile;
}

export interface ProviderRegistry extends ProviderCatalog {
  get(id: string): EnabledProvider | undefined;
}

export interface RegistryOptions {
  /** The adapters to choose from. Default: PROVIDER_ADAPTERS. */
  readonly adapters?: readonly AnyProviderAdapter[];
}

export function buildProviderRegistry(config: GatewayConfig, options: RegistryOptions = {}): ProviderRegistry {
  const adapters = new Map((options.adapters ?? PROVIDER_ADAPTERS).map((adapter) => [adapter.id, adapter]));
  const providers = new Map<string, EnabledProvider>();
  for (const [id, providerConfig] of Object.entries(config.providers)) {
    if (!providerConfig) continue;
    const adapter = adapters.get(id);
    if (!adapter) throw new ConfigurationError(`Provider "${id}" is enabled but has no adapter in this build`);
    const settings = adapter.settingsSchema.safeParse(providerConfig.settings);
    if (!settings.success) {
      throw new ConfigurationError(`Invalid settings for provider "${id}": ${settings.error.message}`);
    }
    const profile = withOverrides(adapter.profile, providerConfig.limits);
    providers.set(id, {
      id,
      adapter,
      config: providerConfig,
      settings: settings.data,
      profile,
      partSets: profile.partSets,
      defaultParts: profile.defaultParts,
      uploadRules: uploadRules(profile),
      ...(providerConfig.reviewBand ? { reviewBand: providerConfig.reviewBand } : {}),
    });
  }
  return {
    defaultProvider: config.defaultProvider,
    enabled: [...providers.keys()],
    get: (id) => providers.get(id),
  };
}

function uploadRules(profile: ProviderProfile): EnabledProviderPolicy['uploadRules'] {
  const rules: Partial<Record<string, UploadRule>> = {};
  for (const [part, limits] of Object.entries(profile.limits)) {
    if (!limits) continue;
    rules[part] = {
      maxBytes: limits.maxBytes,
      contentTypePrefix: CONTENT_TYPE_PREFIX[limits.kind],
      contentTypes: limits.formats.map((format) => MIME_TYPES[format]),
    };
  }
  return rules;
}
