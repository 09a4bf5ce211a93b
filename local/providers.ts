// Providers the local stack knows. Adding a provider adds one line here and one in src/providers/registry.ts.
import type { LocalProviderKit } from '../src/providers/local-kit';
import { fptLocalKit } from '../src/providers/fpt/local';
import { senseidLocalKit } from '../src/providers/senseid/local';
import { verihubsLocalKit } from '../src/providers/verihubs/local';

export const LOCAL_PROVIDER_KITS: readonly LocalProviderKit[] = [fptLocalKit, senseidLocalKit, verihubsLocalKit];
