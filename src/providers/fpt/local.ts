// FPT.AI in the local stack: FPT_ENDPOINT / FPT_API_KEY, or the built-in simulator.
import { requiredVariable, type LocalProviderKit } from '../local-kit';
import { FPT_SIMULATOR_DEFAULT_KEY, startFptSimulator } from './simulator';

export const fptLocalKit: LocalProviderKit = {
  endpointVariable: 'FPT_ENDPOINT',
  startSimulator: ({ defaultScenario, latencyMs }) =>
    startFptSimulator({
      apiKey: FPT_SIMULATOR_DEFAULT_KEY,
      ...(defaultScenario ? { defaultScenario } : {}),
      ...(latencyMs ? { latencyMs } : {}),
    }),
  secretFromEnv: (env, endpoint, simulated) => ({
    apiKey: simulated ? FPT_SIMULATOR_DEFAULT_KEY : requiredVariable(env, 'FPT_API_KEY', 'when FPT_ENDPOINT is set'),
    endpoint,
  }),
};
