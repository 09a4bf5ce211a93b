// The logging port. Powertools' Logger satisfies it; tests pass a capturing fake.
// Callers pass ids and outcomes only: never media, tokens, secrets or provider bodies.
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
