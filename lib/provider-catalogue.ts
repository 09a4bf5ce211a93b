// The one place lib/ and bin/ learn which providers exist and what each one's secret holds: the
// provider registry (src/providers/registry.ts), so adding a provider never touches lib/.
import type { ProviderId } from '../src/core/check';
import { PROVIDER_ADAPTERS, PROVIDER_IDS } from '../src/providers/registry';

export type { ProviderId };

export const KNOWN_PROVIDER_IDS: readonly ProviderId[] = PROVIDER_IDS;

export function isKnownProvider(id: string): id is ProviderId {
  return KNOWN_PROVIDER_IDS.some((known) => known === id);
}

/** The shape of the credentials JSON the provider's secret must hold, for descriptions and outputs. */
export function secretExampleOf(id: ProviderId): string {
  const adapter = PROVIDER_ADAPTERS.find((candidate) => candidate.id === id);
  if (!adapter) throw new Error(`No provider adapter for "${id}"`);
  return adapter.secretExample;
}
