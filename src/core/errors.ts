// Typed errors. Every error this code throws on purpose derives from GatewayError, which names it
// after its class and keeps its cause. Client errors (ClientError) carry their HTTP status and
// code, and one middleware maps them to HTTP; anything else is reported to the caller as an
// internal error with no detail.

export class GatewayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How an error appears in logs: its name and message, never the value of a non-error that was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown (${typeof error})`;
}

/** The caller's request cannot be served as sent: a 4xx whose message explains itself. */
export abstract class ClientError extends GatewayError {
  abstract readonly httpStatus: number;
  abstract readonly code: string;
  /** Extra members of the v1 error object (beside code and message). */
  readonly details?: Readonly<Record<string, string | number>>;
  /** Response headers that go with this error (e.g. Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One applicant created as many checks as the window allows. */
export class AttemptLimitError extends ClientError {
  readonly httpStatus = 429;
  readonly code = 'ATTEMPT_LIMIT_REACHED';
  override readonly details: Readonly<Record<string, number>>;
  override readonly headers: Readonly<Record<string, string>>;
  constructor(readonly retryAfterSeconds: number) {
    super(`This applicant has reached the number of checks allowed for now; try again in ${retryAfterSeconds} s.`);
    this.details = { retryAfterSeconds };
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** The request is malformed or asks for something this deployment cannot do. */
export class ValidationError extends ClientError {
  readonly httpStatus = 400;
  readonly code = 'INVALID_REQUEST';
}

/** A request body that is not JSON. */
export class UnsupportedMediaTypeError extends ClientError {
  readonly httpStatus = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** Missing, wrong or foreign poll token. Deliberately says nothing about whether the check exists. */
export class UnauthorizedError extends ClientError {
  readonly httpStatus = 401;
  readonly code = 'UNAUTHORIZED';
  constructor() {
    super('A valid poll token for this check is required.');
  }
}

export class CheckNotFoundError extends ClientError {
  readonly httpStatus = 404;
  readonly code = 'NOT_FOUND';
  constructor() {
    super('No such check.');
  }
}

/** The check is not awaiting a person: it was never REVIEW, or someone already decided it. */
export class ReviewConflictError extends ClientError {
  readonly httpStatus = 409;
  readonly code = 'NOT_AWAITING_REVIEW';
  constructor() {
    super('This check is not awaiting review: its decision is not REVIEW, or it was already reviewed.');
  }
}

/** The check exists but this part's media is gone (deleted after the decision, or never uploaded). */
export class MediaNotFoundError extends ClientError {
  readonly httpStatus = 404;
  readonly code = 'MEDIA_NOT_FOUND';
  constructor() {
    super('No media is stored for this part of the check.');
  }
}

/** A conditional state transition lost a race or found the check in another state (or gone). */
export class TransitionConflictError extends GatewayError {
  constructor(
    readonly checkId: string,
    readonly transition: string,
    options?: { cause?: unknown },
  ) {
    super(`Check ${checkId} cannot take transition ${transition} from its current state`, options);
  }
}

/** Configuration is missing or invalid: fail fast at cold start. */
export class ConfigurationError extends GatewayError {}

/**
 * A provider secret is missing, has no value yet, or is not JSON: an operator problem that a retry
 * cannot fix. Never carries the secret's value.
 */
export class SecretMisconfiguredError extends GatewayError {
  constructor(
    readonly secretId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
