// Typed errors of the client. Callers branch on the class (instanceof), never on message text.
import type { PartName } from '../core/check';
import { GatewayError } from '../core/errors';

/** The base of the client's errors; a GatewayError, so it is named after its class and keeps its cause. */
export abstract class LivenessClientError extends GatewayError {}

/** The API answered with an error status (`{"error":{"code","message"}}`, or API Gateway's own `{"message"}`). */
export class LivenessApiError extends LivenessClientError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From Retry-After, when the API sent one (429, 503). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth asking again later: throttling and server-side trouble, not a refusal of this request. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** S3 refused the upload form (too large, wrong content type, expired form...). */
export class UploadRefusedError extends LivenessClientError {
  constructor(
    readonly part: PartName,
    readonly status: number,
    /** S3's error code, e.g. EntityTooLarge, AccessDenied; `UNKNOWN` when the body had none. */
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The check did not end within the time the caller was willing to wait. */
export class CheckTimeoutError extends LivenessClientError {
  constructor(
    readonly checkId: string,
    readonly timeoutMs: number,
    readonly lastStatus: string | undefined,
  ) {
    super(`Check ${checkId} did not end within ${Math.round(timeoutMs / 1000)} s (last status: ${lastStatus ?? 'unknown'}).`);
  }
}

/** The caller aborted (AbortSignal). */
export class AbortedError extends LivenessClientError {
  constructor(reason?: unknown) {
    super('The operation was aborted.', reason === undefined ? undefined : { cause: reason });
    // Same name as the DOMException fetch rejects with, so generic `error.name === 'AbortError'`
    // checks treat both alike.
    this.name = 'AbortError';
  }
}

/** The request never got an HTTP answer (DNS, refused connection, reset, TLS). */
export class TransportError extends LivenessClientError {}

/** An answer that does not match the API's documented shape. */
export class InvalidResponseError extends LivenessClientError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
