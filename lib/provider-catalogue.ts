// The one place lib/ and bin/ learn which providers exist and what each one's secret holds.
// Everything else asks this module, so the catalogue can move without touching the constructs.
import { PROVIDER_IDS, type ProviderId } from '../src/core/check';

export type { ProviderId };

// What the operator puts in each provider's secret (README.md, "Providers").
const SECRET_EXAMPLES: Readonly<Record<ProviderId, string>> = {
  fpt: '{"apiKey": "...", "endpoint"?: "https://..."}',
  senseid: '{"endpoint": "https://...", "aesKey": "...", "aesIv": "...", "authHeader"?: "..."}',
  verihubs: '{"appId": "...", "apiKey": "...", "endpoint"?: "https://..."}',
};

export const KNOWN_PROVIDER_IDS: readonly ProviderId[] = PROVIDER_IDS;

export function isKnownProvider(id: string): id is ProviderId {
  return KNOWN_PROVIDER_IDS.some((known) => known === id);
}

/** The shape of the credentials JSON the provider's secret must hold, for descriptions and outputs. */
export function secretExampleOf(id: ProviderId): string {
  return SECRET_EXAMPLES[id];
}
