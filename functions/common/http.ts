// HTTP plumbing shared by the API functions: JSON responses and the one place errors become HTTP.
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { GatewayError, ValidationError } from '../../src/core/errors';
import type { Log } from '../../src/core/log';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const NO_STORE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: NO_STORE, body: JSON.stringify(body) };
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Parses a JSON body; an absent body is an empty object (every create field is optional). */
export function jsonBody(event: HttpEvent): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The request body is not valid JSON.');
  }
}

/** Typed errors become their status and message; anything else is a 500 that says nothing internal. */
export function httpErrors(log: Log): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof GatewayError) {
        request.response = json(error.httpStatus, errorBody(error.code, error.message));
        return;
      }
      log.error('Unhandled error in API function', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
        path: request.event.rawPath,
      });
      request.response = json(500, errorBody('INTERNAL_ERROR', 'Something went wrong on our side.'));
    },
  };
}

/** The bearer token from the Authorization header, if one is there. */
export function bearerToken(event: HttpEvent): string | undefined {
  const header = event.headers.authorization ?? event.headers.Authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
