// SecretSource on Secrets Manager: one JSON secret per provider, cached per secret id with a TTL
// so a rotated value is picked up without a redeploy and warm invocations make no call.
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { GatewayError, SecretMisconfiguredError } from '../../core/errors';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock } from '../../core/ports';
import type { Clock, SecretSource } from '../../core/ports';

/** The secret could not be read for now (throttling, network, permissions): worth a retry. Never carries the value. */
export class SecretUnavailableError extends GatewayError {
  constructor(
    readonly secretId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SecretsManagerSecretSourceOptions {
  /** 0 disables caching (every call reads Secrets Manager). */
  readonly cacheSeconds: number;
  readonly clock?: Clock;
}

interface CachedSecret {
  readonly value: unknown;
  readonly expiresAtMs: number;
}

export class SecretsManagerSecretSource implements SecretSource {
  private readonly cacheMs: number;
  private readonly clock: Clock;
  private readonly cache = new Map<string, CachedSecret>();
  // Concurrent cold reads of the same secret share one request instead of stampeding the API.
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretsManagerSecretSourceOptions,
  ) {
    if (!Number.isFinite(options.cacheSeconds) || options.cacheSeconds < 0) {
      throw new RangeError(`cacheSeconds must be a non-negative number, got ${options.cacheSeconds}`);
    }
    this.cacheMs = options.cacheSeconds * 1000;
    this.clock = options.clock ?? systemClock;
  }

  async getJson(secretId: string): Promise<unknown> {
    const cached = this.cache.get(secretId);
    if (cached !== undefined && cached.expiresAtMs > this.clock.now().getTime()) return cached.value;
    const pending = this.inFlight.get(secretId);
    if (pending !== undefined) return pending;
    const request = this.load(secretId).finally(() => this.inFlight.delete(secretId));
    this.inFlight.set(secretId, request);
    return request;
  }

  private async load(secretId: string): Promise<unknown> {
    let secretString: string | undefined;
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      secretString = output.SecretString;
    } catch (error) {
      // SDK errors describe the request (id, status), never the value, so they are safe to keep.
      if (error instanceof ResourceNotFoundException) {
        // Also what a secret created empty (no value put yet) answers: nothing to retry.
        throw new SecretMisconfiguredError(secretId, `Secret ${secretId} does not exist or has no value yet`, { cause: error });
      }
      throw new SecretUnavailableError(secretId, `Secret ${secretId} could not be read from Secrets Manager`, {
        cause: error,
      });
    }
    if (secretString === undefined) {
      throw new SecretMisconfiguredError(secretId, `Secret ${secretId} has no SecretString (binary secrets are not supported)`);
    }
    let value: unknown;
    try {
      value = JSON.parse(secretString);
    } catch {
      // The SyntaxError is deliberately dropped: V8 quotes the offending input in its message.
      throw new SecretMisconfiguredError(secretId, `Secret ${secretId} is not valid JSON`);
    }
    // Frozen because every caller shares the cached object until it expires.
    const frozen = deepFreeze(value);
    this.cache.set(secretId, { value: frozen, expiresAtMs: this.clock.now().getTime() + this.cacheMs });
    return frozen;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
