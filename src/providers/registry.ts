// The enabled providers of a deployment, wired once per cold start. Adding a provider touches
// its own folder and one line in ADAPTERS.
import type { ProviderId } from '../core/check';
import type { GatewayConfig, ProviderConfig } from '../core/config';
import { ConfigurationError } from '../core/errors';
import { withOverrides, type ProviderProfile } from '../media/profiles';
import { fptAdapter } from './fpt/adapter';
import { senseidAdapter } from './senseid/adapter';
import { verihubsAdapter } from './verihubs/adapter';
import type { ProviderAdapter } from './provider';

const ADAPTERS: Partial<Record<ProviderId, ProviderAdapter<never, never>>> = {
  fpt: fptAdapter as unknown as ProviderAdapter<never, never>,
  senseid: senseidAdapter as unknown as ProviderAdapter<never, never>,
  verihubs: verihubsAdapter as unknown as ProviderAdapter<never, never>,
};

export interface EnabledProvider {
  readonly id: ProviderId;
  readonly adapter: ProviderAdapter;
  readonly config: ProviderConfig;
  /** The adapter's settings, parsed with its schema. */
  readonly settings: unknown;
  /** The adapter's profile with the deployment's limit overrides applied. */
  readonly profile: ProviderProfile;
}

export interface ProviderRegistry {
  readonly defaultProvider: ProviderId;
  readonly enabled: readonly ProviderId[];
  get(id: string): EnabledProvider | undefined;
}

export function buildProviderRegistry(config: GatewayConfig): ProviderRegistry {
  const providers = new Map<string, EnabledProvider>();
  for (const [id, providerConfig] of Object.entries(config.providers) as [ProviderId, ProviderConfig | undefined][]) {
    if (!providerConfig) continue;
    const adapter = ADAPTERS[id] as ProviderAdapter | undefined;
    if (!adapter) throw new ConfigurationError(`Provider "${id}" is enabled but has no adapter in this build`);
    const settings = adapter.settingsSchema.safeParse(providerConfig.settings);
    if (!settings.success) {
      throw new ConfigurationError(`Invalid settings for provider "${id}": ${settings.error.message}`);
    }
    providers.set(id, {
      id,
      adapter,
      config: providerConfig,
      settings: settings.data,
      profile: withOverrides(adapter.profile, providerConfig.limits),
    });
  }
  return {
    defaultProvider: config.defaultProvider,
    enabled: [...providers.keys()] as ProviderId[],
    get: (id) => providers.get(id),
  };
}
