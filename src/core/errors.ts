// Typed errors. Handlers throw them; one middleware maps them to HTTP. Messages of client errors
// explain themselves; anything else is reported to the caller as an internal error with no detail.

export abstract class GatewayError extends Error {
  abstract readonly httpStatus: number;
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed or asks for something this deployment cannot do. */
export class ValidationError extends GatewayError {
  readonly httpStatus = 400;
  readonly code = 'INVALID_REQUEST';
}

/** Missing, wrong or foreign poll token. Deliberately says nothing about whether the check exists. */
export class UnauthorizedError extends GatewayError {
  readonly httpStatus = 401;
  readonly code = 'UNAUTHORIZED';
  constructor() {
    super('A valid poll token for this check is required.');
  }
}

export class CheckNotFoundError extends GatewayError {
  readonly httpStatus = 404;
  readonly code = 'NOT_FOUND';
  constructor() {
    super('No such check.');
  }
}

/** A conditional state transition lost a race or found the check in another state. */
export class TransitionConflictError extends Error {
  constructor(
    readonly checkId: string,
    readonly transition: string,
    options?: { cause?: unknown },
  ) {
    super(`Check ${checkId} cannot take transition ${transition} from its current state`, options);
    this.name = 'TransitionConflictError';
  }
}

/** Configuration is missing or invalid: fail fast at cold start. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * A provider secret is missing, has no value yet, or is not JSON: an operator problem that a retry
 * cannot fix. Never carries the secret's value.
 */
export class SecretMisconfiguredError extends Error {
  constructor(
    readonly secretId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretMisconfiguredError';
  }
}
