// Verihubs in the local stack: VERIHUBS_ENDPOINT / VERIHUBS_APP_ID / VERIHUBS_API_KEY, or the built-in simulator.
import { requiredVariable, type LocalProviderKit } from '../local-kit';
import { VERIHUBS_SIMULATOR_API_KEY, VERIHUBS_SIMULATOR_APP_ID, startVerihubsSimulator } from './simulator';

export const verihubsLocalKit: LocalProviderKit = {
  endpointVariable: 'VERIHUBS_ENDPOINT',
  startSimulator: ({ defaultScenario, latencyMs }) =>
    startVerihubsSimulator({
      appId: VERIHUBS_SIMULATOR_APP_ID,
      apiKey: VERIHUBS_SIMULATOR_API_KEY,
      ...(defaultScenario ? { defaultScenario } : {}),
      ...(latencyMs ? { latencyMs } : {}),
    }),
  secretFromEnv: (env, endpoint, simulated) =>
    simulated
      ? { appId: VERIHUBS_SIMULATOR_APP_ID, apiKey: VERIHUBS_SIMULATOR_API_KEY, endpoint }
      : {
          appId: requiredVariable(env, 'VERIHUBS_APP_ID', 'when VERIHUBS_ENDPOINT is set'),
          apiKey: requiredVariable(env, 'VERIHUBS_API_KEY', 'when VERIHUBS_ENDPOINT is set'),
          endpoint,
        },
};
