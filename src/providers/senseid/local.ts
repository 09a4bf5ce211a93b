// SenseID in the local stack: SENSEID_ENDPOINT / SENSEID_AES_KEY / SENSEID_AES_IV and an optional
// SENSEID_AUTH_HEADER, or the built-in simulator with the vendor's default key and IV.
import { requiredVariable, type LocalProviderKit } from '../local-kit';
import { SENSEID_DEFAULT_AES_IV, SENSEID_DEFAULT_AES_KEY, startSenseIdSimulator } from './simulator';

export const senseidLocalKit: LocalProviderKit = {
  endpointVariable: 'SENSEID_ENDPOINT',
  startSimulator: ({ defaultScenario, latencyMs }) =>
    startSenseIdSimulator({
      aesKey: SENSEID_DEFAULT_AES_KEY,
      aesIv: SENSEID_DEFAULT_AES_IV,
      ...(defaultScenario ? { defaultScenario } : {}),
      ...(latencyMs ? { latencyMs } : {}),
    }),
  // A real server's key is asked for even when it might still be the vendor default: guessing it
  // would turn a missing setting into code 1200 on every check, which is far harder to trace.
  secretFromEnv: (env, endpoint, simulated) =>
    simulated
      ? { endpoint, aesKey: SENSEID_DEFAULT_AES_KEY, aesIv: SENSEID_DEFAULT_AES_IV }
      : {
          endpoint,
          aesKey: requiredVariable(env, 'SENSEID_AES_KEY', 'when SENSEID_ENDPOINT is set'),
          aesIv: requiredVariable(env, 'SENSEID_AES_IV', 'when SENSEID_ENDPOINT is set'),
          ...(env.SENSEID_AUTH_HEADER ? { authHeader: env.SENSEID_AUTH_HEADER } : {}),
        },
};
