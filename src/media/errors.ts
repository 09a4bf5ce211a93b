// Typed errors of the media inspector. Only RangeReadError may leave inspectPart: everything the
// bytes themselves cause ends as a refusal reason, never as an exception.
import { GatewayError } from '../core/errors';

/** The parsers decided the media must be refused; the message names the rule and what was found. */
export class MediaRefusalError extends GatewayError {
  constructor(
    readonly code: 'MEDIA_CORRUPT' | 'UNSUPPORTED_FORMAT',
    message: string,
  ) {
    super(message);
  }
}

export const corrupt = (message: string): MediaRefusalError => new MediaRefusalError('MEDIA_CORRUPT', message);
export const unsupported = (message: string): MediaRefusalError => new MediaRefusalError('UNSUPPORTED_FORMAT', message);

/** Reading on would break the per-file budget: the layout is not one we can check cheaply. */
export class ReadBudgetError extends GatewayError {}

/**
 * The underlying reader failed (network, S3 throttling). Not the upload's fault, so inspectPart
 * rethrows the cause and the caller's retry policy applies instead of telling the user to re-record.
 */
export class RangeReadError extends GatewayError {
  constructor(cause: unknown) {
    super('Ranged read of the media object failed', { cause });
  }
}

/**
 * Control flow between a synchronous parser and its async driver: the parser needs bytes it has
 * not been given. The driver fetches them (within the budget) and runs the parser again.
 */
export class NeedBytesSignal extends GatewayError {
  constructor(
    readonly start: number,
    readonly length: number,
  ) {
    super(`needs bytes ${start}..${start + length - 1}`);
  }
}
