// HTTP plumbing shared by the API functions: JSON responses, path and body validation, and the
// one place errors become HTTP.
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { checkIdSchema } from '../../src/core/api-schemas';
import { ClientError, describeError, UnsupportedMediaTypeError, ValidationError } from '../../src/core/errors';
import type { Log } from '../../src/core/log';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** The jsonBody() middleware, and the reader of what it validated for an event. */
export interface JsonBodyMiddleware<T> extends middy.MiddlewareObj<HttpEvent, HttpResult> {
  of(event: HttpEvent): T;
}

const NO_STORE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: NO_STORE, body: JSON.stringify(body) };
}

function errorBody(
  code: string,
  message: string,
  details: Readonly<Record<string, string | number>> = {},
): { error: { code: string; message: string } } {
  return { error: { ...details, code, message } };
}

function header(event: HttpEvent, name: string): string | undefined {
  // API Gateway lower-cases header names; a direct invocation may not.
  return event.headers?.[name] ?? Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** The first zod issue as "path: message", which says which field is wrong without echoing its value. */
function firstIssue(error: z.ZodError): string {
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  return `${where}${first?.message ?? 'invalid request body'}`;
}

/**
 * Parses and validates a JSON request body with `schema`. An absent or blank body is `{}` (every
 * field of our bodies is optional); a body needs a JSON content type (415 otherwise); it must be
 * a JSON object (400 for bad JSON, `null`, arrays, numbers and strings) that the schema accepts
 * (400 naming the first wrong field). The handler reads the result with `.of(event)`.
 */
export function jsonBody<T>(schema: z.ZodType<T>): JsonBodyMiddleware<T> {
  const bodies = new WeakMap<HttpEvent, T>();
  return {
    of: (event) => {
      if (!bodies.has(event)) throw new Error('jsonBody middleware did not run for this event');
      return bodies.get(event) as T;
    },
    before: (request) => {
      const event = request.event;
      const raw = event.body ?? '';
      const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      let value: unknown = {};
      if (text.trim() !== '') {
        const contentType = header(event, 'content-type');
        if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
          throw new UnsupportedMediaTypeError('The request body must be sent as Content-Type: application/json.');
        }
        try {
          value = JSON.parse(text);
        } catch {
          throw new ValidationError('The request body is not valid JSON.');
        }
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ValidationError('The request body must be a JSON object.');
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new ValidationError(firstIssue(parsed.error));
      bodies.set(event, parsed.data);
    },
  };
}

/**
 * The {checkId} path parameter, if it is a check id at all. Anything else is refused before
 * storage is touched (DynamoDB would fail on a key over 2 KB) with the route's own "unknown"
 * answer, so a malformed id tells the caller no more than an unknown one.
 */
export function pathCheckId(event: HttpEvent, unknown: () => ClientError): string {
  const parsed = checkIdSchema.safeParse(event.pathParameters?.checkId);
  if (!parsed.success) throw unknown();
  return parsed.data;
}

/** Client errors become their status and message; anything else is a 500 that says nothing internal. */
export function httpErrors(log: Log): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof ClientError) {
        const response = json(error.httpStatus, errorBody(error.code, error.message, error.details));
        request.response = error.headers ? { ...response, headers: { ...response.headers, ...error.headers } } : response;
        return;
      }
      log.error('Unhandled error in API function', { error: describeError(error), path: request.event.rawPath });
      request.response = json(500, errorBody('INTERNAL_ERROR', 'Something went wrong on our side.'));
    },
  };
}

/** Who asked: the IAM principal (or JWT subject) API Gateway authorised. */
export function requester(event: HttpEvent): string {
  const authorizer = (
    event.requestContext as { authorizer?: { iam?: { userArn?: string }; jwt?: { claims?: { sub?: string } } } }
  ).authorizer;
  return (
    authorizer?.iam?.userArn ??
    (authorizer?.jwt?.claims?.sub ? `jwt:${authorizer.jwt.claims.sub}` : 'unauthenticated (local stack)')
  );
}

/** The query string parsed with `schema`; 400 naming the first wrong parameter. */
export function queryParameters<T>(event: HttpEvent, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new ValidationError(firstIssue(parsed.error));
  return parsed.data;
}

/** The bearer token from the Authorization header, if one is there. */
export function bearerToken(event: HttpEvent): string | undefined {
  const value = header(event, 'authorization');
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}
