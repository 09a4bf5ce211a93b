// Errors raised by the AWS adapters themselves (as opposed to domain errors from src/core/errors).
import { GatewayError } from '../../core/errors';

/** A stored item does not have the shape this code writes: a bug or a foreign writer, never user input. */
export class InvalidStoredItemError extends GatewayError {
  constructor(
    readonly table: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Item ${key} in table ${table} does not have the expected shape`, options);
  }
}

/** A check id was created twice: ids are random, so this is a bug rather than a race to resolve. */
export class CheckAlreadyExistsError extends GatewayError {
  constructor(
    readonly checkId: string,
    options?: { cause?: unknown },
  ) {
    super(`Check ${checkId} already exists`, options);
  }
}

/** The media object to read is not in the bucket (never uploaded, or already deleted). */
export class MediaObjectNotFoundError extends GatewayError {
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Media object ${key} does not exist`, options);
  }
}
