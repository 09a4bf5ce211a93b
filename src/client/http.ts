// One JSON call to the API: optional signing, typed errors, and the answer validated against the
// schema the OpenAPI document is generated from.
import type * as z from 'zod';
import { errorResponseSchema } from '../core/api-schemas';
import { retryAfterMs, throwIfAborted } from './abort';
import { AbortedError, InvalidResponseError, LivenessApiError, TransportError } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** What a signer sees of a request; it returns the complete header set to send. */
export interface SignableRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Signs a backend-route request, e.g. SigV4 for a deployed stack (see `src/client/node/sigv4.ts`). */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

export interface JsonCall<S extends z.ZodType> {
  readonly fetch: FetchLike;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly schema: S;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly signer?: RequestSigner;
  readonly signal?: AbortSignal;
}

export interface JsonAnswer<T> {
  readonly value: T;
  readonly retryAfterMs?: number;
}

/** API Gateway answers its own refusals (IAM, throttling, 5xx) as {"message": "..."}. */
function gatewayMessage(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string')
    return value.message;
  return undefined;
}

export async function callJson<S extends z.ZodType>(call: JsonCall<S>): Promise<JsonAnswer<z.infer<S>>> {
  throwIfAborted(call.signal);
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  let headers: Record<string, string> = {
    accept: 'application/json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...call.headers,
  };
  if (call.signer) {
    headers = await call.signer({ method: call.method, url: call.url, headers, ...(body === undefined ? {} : { body }) });
  }

  let response: Response;
  let text: string;
  try {
    response = await call.fetch(call.url, {
      method: call.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    text = await response.text();
  } catch (error) {
    if (call.signal?.aborted) throw new AbortedError(call.signal.reason);
    throw new TransportError(`${call.method} ${call.url} failed: ${describe(error)}`, { cause: error });
  }
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));

  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }

  if (!response.ok) {
    const apiError = errorResponseSchema.safeParse(json);
    if (apiError.success) {
      throw new LivenessApiError(response.status, apiError.data.error.code, apiError.data.error.message, retryAfter);
    }
    const message = gatewayMessage(json) ?? (text.slice(0, 200) || response.statusText || 'no body');
    throw new LivenessApiError(response.status, `HTTP_${response.status}`, message, retryAfter);
  }

  const parsed = call.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InvalidResponseError(
      response.status,
      `${call.method} ${call.url} answered ${response.status} with an unexpected body (${where}${issue?.message ?? 'invalid'})`,
    );
  }
  return { value: parsed.data, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
