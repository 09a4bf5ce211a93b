/**
 * Local API Gateway (HTTP API, payload format 2.0): a node:http server that turns each request
 * into the APIGatewayProxyEventV2 a Lambda would receive, calls the matching route handler with
 * a fake Lambda Context, and writes its result back the way API Gateway does.
 *
 *   const api = await startApiServer({
 *     port: 3000,
 *     routes: [{ method: 'GET', path: '/v1/checks/{checkId}', handler: getCheckHandler }],
 *     staticRoutes: [{ path: '/', contentType: 'text/html; charset=utf-8', body: () => readFile('page.html') }],
 *   });
 *   console.log(api.url);                             // http://127.0.0.1:3000
 *   await api.close();
 *
 * As in API Gateway: header names are lower-cased and repeated headers comma-joined, cookies
 * move to `cookies`, non-text bodies arrive base64-encoded, a thrown handler error becomes 500
 * {"message":"Internal Server Error"}, and a result without statusCode is sent as a 200 JSON body.
 * Unlike API Gateway, no route is IAM-authorised here, and the server's own refusals (unknown
 * route 404, wrong method 405, body over 10 MB 413, request head over node's 16 KB 431,
 * unparsable request 400) answer in the API's v1 error shape {"error":{"code","message"}}. As a
 * deployed HTTP API, CORS is answered only for the configured `cors.allowOrigins` (none by
 * default): a preflight from another origin gets no allow-origin header, and neither does its response.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { describeError } from '../src/core/errors';
import { closeServer, listen, readBody, RequestTooLargeError } from './http-util';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface ApiRoute {
  readonly method: HttpMethod;
  /** API Gateway route syntax: literal segments, `{name}`, or a trailing greedy `{name+}`. */
  readonly path: string;
  readonly handler: ApiHandler;
  /** Shown as the Context's functionName (default: derived from the route). */
  readonly functionName?: string;
}

export type StaticBody = string | Uint8Array;

/** A non-API route served directly (GET and HEAD): fixed content, or a raw node:http handler. */
export type StaticRoute =
  | {
      readonly path: string;
      readonly contentType: string;
      readonly body: StaticBody | (() => StaticBody | Promise<StaticBody>);
    }
  | {
      readonly path: string;
      readonly handle: (
        request: IncomingMessage,
        response: ServerResponse,
        params: Readonly<Record<string, string>>,
      ) => void | Promise<void>;
    };

export interface CorsOptions {
  /** The exact origins allowed (`scheme://host[:port]`); none by default. */
  readonly allowOrigins?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

export interface ApiServerOptions {
  readonly routes: readonly ApiRoute[];
  readonly staticRoutes?: readonly StaticRoute[];
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly cors?: CorsOptions | false;
  readonly region?: string;
  /** Reports a handler that threw (default: console.error with the route and error message only). */
  readonly onHandlerError?: (error: unknown, routeKey: string) => void;
}

export interface ApiServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_ALLOW_HEADERS = ['authorization', 'content-type'];
const TEXT_CONTENT_TYPE = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const cors = options.cors === false || (options.cors?.allowOrigins ?? []).length === 0 ? undefined : options.cors;
  const onHandlerError =
    options.onHandlerError ??
    ((error: unknown, routeKey: string) => console.error(`[local-api] ${routeKey} failed: ${describeError(error)}`));
  const routes = options.routes.map((route) => ({ ...route, matcher: compilePath(route.path) }));
  const staticRoutes = (options.staticRoutes ?? []).map((route) => ({ route, matcher: compilePath(route.path) }));

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    response.setHeader('apigw-requestid', requestId);
    const origin = header(request, 'origin');
    const allowedOrigin = cors === undefined || origin === undefined ? undefined : corsOrigin(cors, origin);
    if (allowedOrigin !== undefined) {
      response.setHeader('access-control-allow-origin', allowedOrigin);
      response.setHeader('vary', 'origin');
    }

    const url = URL.parse(request.url ?? '/', 'http://local');
    if (url === null) {
      sendJson(response, 400, { error: { code: 'BAD_REQUEST', message: 'The request target is not a valid path.' } });
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();

    if (method === 'OPTIONS' && cors !== undefined && header(request, 'access-control-request-method') !== undefined) {
      // As API Gateway: a preflight from an origin not configured is answered without CORS headers.
      if (allowedOrigin === undefined) {
        response.writeHead(204);
        response.end();
        return;
      }
      const methods = routes.filter((route) => route.matcher(url.pathname) !== undefined).map((route) => route.method);
      response.writeHead(204, {
        'access-control-allow-methods': (methods.length > 0 ? [...new Set(methods)] : ['GET', 'POST']).join(','),
        'access-control-allow-headers': (cors.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(','),
        'access-control-max-age': String(cors.maxAgeSeconds ?? 600),
      });
      response.end();
      return;
    }

    const onPath = routes.flatMap((route) => {
      const params = route.matcher(url.pathname);
      return params === undefined ? [] : [{ route, params }];
    });
    const matched = mostSpecific(onPath.filter(({ route }) => route.method === method));
    if (matched !== undefined) {
      await invoke(request, response, url, matched.route, matched.params, requestId);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      for (const { route, matcher } of staticRoutes) {
        const params = matcher(url.pathname);
        if (params !== undefined) {
          await serveStatic(request, response, route, params);
          return;
        }
      }
    }
    if (onPath.length > 0) {
      response.setHeader('allow', [...new Set(onPath.map(({ route }) => route.method))].join(', '));
      sendJson(response, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${url.pathname}.` } });
      return;
    }
    sendJson(response, 404, { error: { code: 'NOT_FOUND', message: `No route for ${method} ${url.pathname}.` } });
  };

  const invoke = async (
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    route: ApiRoute,
    pathParameters: Readonly<Record<string, string>>,
    requestId: string,
  ): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof RequestTooLargeError) {
        sendJson(response, 413, {
          error: { code: 'PAYLOAD_TOO_LARGE', message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` },
        });
        return;
      }
      throw error;
    }
    const routeKey = `${route.method} ${route.path}`;
    const event = toEvent(request, url, body, routeKey, pathParameters, requestId);
    const functionName = route.functionName ?? functionNameFor(route);
    let result: APIGatewayProxyResultV2;
    try {
      result = await route.handler(event, createLambdaContext({ functionName, region }));
    } catch (error) {
      onHandlerError(error, routeKey);
      sendJson(response, 500, { message: 'Internal Server Error' });
      return;
    }
    writeResult(response, result);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      onHandlerError(error, `${request.method ?? '?'} ${request.url ?? '?'}`);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
  // Requests node:http refuses before any handler runs (head over its 16 KB limit, broken HTTP)
  // would otherwise get a bare status line; they get the v1 error shape like every other refusal.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', 'The request line and headers are too large.']
        : [400, 'BAD_REQUEST', 'The request is not valid HTTP.'];
    const payload = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
    );
  });
  const port = await listen(server, options.port ?? 0, host);
  return { url: `http://${host}:${port}`, close: () => closeServer(server) };
}

export interface LambdaContextOptions {
  readonly functionName: string;
  /** The function's timeout, which getRemainingTimeInMillis counts down from. */
  readonly timeoutMs?: number;
  readonly memoryLimitInMB?: number;
  readonly region?: string;
}

/** A Lambda Context for one invocation: fresh request id, a real countdown, no-op legacy callbacks. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const region = options.region ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type PathMatcher = (path: string) => Readonly<Record<string, string>> | undefined;

/** Compiles API Gateway route syntax. Matching is on the raw (encoded) path; parameters are decoded. */
export function compilePath(pattern: string): PathMatcher & { readonly literalSegments: number } {
  const segments = pattern.split('/').slice(1);
  const literalSegments = segments.filter((segment) => !segment.startsWith('{')).length;
  const matcher = (path: string): Readonly<Record<string, string>> | undefined => {
    const parts = path.split('/').slice(1);
    const params: Record<string, string> = {};
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index] ?? '';
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy?.[1] !== undefined && index === segments.length - 1) {
        const rest = parts.slice(index).join('/');
        if (rest.length === 0) return undefined;
        params[greedy[1]] = safeDecode(rest);
        return params;
      }
      const part = parts[index];
      if (part === undefined) return undefined;
      const param = /^\{(.+)\}$/.exec(segment);
      if (param?.[1] !== undefined) {
        if (part.length === 0) return undefined;
        params[param[1]] = safeDecode(part);
      } else if (part !== segment) {
        return undefined;
      }
    }
    return parts.length === segments.length ? params : undefined;
  };
  return Object.assign(matcher, { literalSegments });
}

/** API Gateway prefers the route with more literal segments (`/v1/checks/search` over `/v1/checks/{id}`). */
function mostSpecific<T extends { route: { matcher: { literalSegments: number } } }>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestScore = -1;
  for (const candidate of candidates) {
    const score = candidate.route.matcher.literalSegments;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  pathParameters: Readonly<Record<string, string>>,
  requestId: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = (request.rawHeaders[index] ?? '').toLowerCase();
    const value = request.rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter((cookie) => cookie.length > 0));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] = headers['x-forwarded-for'] === undefined ? sourceIp : `${headers['x-forwarded-for']}, ${sourceIp}`;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;

  const contentType = headers['content-type'];
  const isText = contentType !== undefined && TEXT_CONTENT_TYPE.test(contentType);
  const now = new Date();
  const domainName = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.search.length > 1 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters: { ...pathParameters } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: (request.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  // Payload 2.0: anything without a statusCode is the body of a 200 JSON response.
  if (typeof result !== 'object' || result === null || result.statusCode === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  if (result.cookies !== undefined && result.cookies.length > 0) response.setHeader('set-cookie', result.cookies);
  const body =
    result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded === true ? 'base64' : 'utf8');
  response.setHeader('content-length', body.length);
  response.writeHead(result.statusCode);
  response.end(body);
}

async function serveStatic(
  request: IncomingMessage,
  response: ServerResponse,
  route: StaticRoute,
  params: Readonly<Record<string, string>>,
): Promise<void> {
  if ('handle' in route) {
    await route.handle(request, response, params);
    return;
  }
  const content = typeof route.body === 'function' ? await route.body() : route.body;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  response.writeHead(200, { 'content-type': route.contentType, 'content-length': bytes.length, 'cache-control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

function corsOrigin(cors: CorsOptions, origin: string): string | undefined {
  return (cors.allowOrigins ?? []).includes(origin) ? origin : undefined;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function functionNameFor(route: ApiRoute): string {
  const slug = route.path
    .replace(/[{}+]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${route.method.toLowerCase()}-${slug}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** API Gateway's requestContext.time format: 12/Mar/2020:19:03:58 +0000. */
function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
