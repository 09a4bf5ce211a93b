// What the local stack needs from each provider: its built-in simulator and how the design's
// environment variables become its secret. Each adapter carries its kit, so a provider is one
// folder; the Lambda bundles therefore contain the simulator code, which is never started there.
import { ConfigurationError } from '../core/errors';
import type { SimLogEntry } from './simulator-kit';

export interface LocalSimulator {
  /** The full endpoint URL the adapter should call. */
  readonly url: string;
  /** Requests received, and the most ever open at once (kit simulators report it). */
  stats(): { calls: number; maxInFlight?: number };
  /** The most recent requests it received, oldest first (what was sent, as the provider saw it). */
  requests?(): readonly SimLogEntry[];
  /** Scenario for requests whose media carry no marker (see the provider's README). */
  setDefaultScenario(scenario: string): void;
  close(): Promise<void>;
}

export interface LocalProviderKit {
  /** Environment variable that, when set, points the provider at a real (or other) endpoint. */
  readonly endpointVariable: string;
  startSimulator(options: { defaultScenario?: string; latencyMs?: number }): Promise<LocalSimulator>;
  /**
   * The secret value for this provider, from the environment; `endpoint` is the URL to call.
   * Against a configured (non-simulated) endpoint, missing credentials are a ConfigurationError.
   */
  secretFromEnv(env: NodeJS.ProcessEnv, endpoint: string, simulated: boolean): Record<string, unknown>;
}

/** Reads a variable that must be set when the provider is not simulated. */
export function requiredVariable(env: NodeJS.ProcessEnv, name: string, because: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`${name} must be set ${because}`);
  return value;
}
