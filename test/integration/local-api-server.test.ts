// The local API Gateway: real HTTP in, APIGatewayProxyEventV2 to the handler, its result back out.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer } from '../../local/api-server';
import type { ApiHandler, ApiServer } from '../../local/api-server';

let api: ApiServer;
let seen: { event: APIGatewayProxyEventV2; context: Context }[];
let nextResult: APIGatewayProxyResultV2;
const handlerErrors: string[] = [];

const capture: ApiHandler = async (event, context) => {
  seen.push({ event, context });
  return nextResult;
};

beforeAll(async () => {
  api = await startApiServer({
    routes: [
      { method: 'POST', path: '/v1/checks', handler: capture },
      { method: 'GET', path: '/v1/checks/{checkId}', handler: capture, functionName: 'get-check' },
      { method: 'GET', path: '/v1/checks/{checkId}/result', handler: capture },
      { method: 'GET', path: '/v1/checks/search', handler: async () => ({ statusCode: 200, body: 'search' }) },
      {
        method: 'GET',
        path: '/boom',
        handler: async () => {
          throw new Error('database exploded');
        },
      },
    ],
    staticRoutes: [
      { path: '/', contentType: 'text/html; charset=utf-8', body: '<h1>Liveness</h1>' },
      {
        path: '/assets/{file+}',
        handle: (_request, response, params) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(`asset ${params.file ?? ''}`);
        },
      },
    ],
    onHandlerError: (error, routeKey) => handlerErrors.push(`${routeKey}: ${error instanceof Error ? error.message : ''}`),
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  seen = [];
  nextResult = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
});

function lastEvent(): APIGatewayProxyEventV2 {
  const last = seen.at(-1);
  if (last === undefined) throw new Error('the handler was not called');
  return last.event;
}

describe('local API server: requests become payload 2.0 events', () => {
  it('passes route key, raw and decoded path, lower-cased headers, query, cookies and request context', async () => {
    const response = await fetch(`${api.url}/v1/checks/abc%20123?expand=media&expand=audit`, {
      headers: { Authorization: 'Bearer t0k3n', 'X-Trace': 'one', Cookie: 'a=1; b=2' },
    });
    const event = lastEvent();

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/checks/{checkId}',
      rawPath: '/v1/checks/abc%20123',
      rawQueryString: 'expand=media&expand=audit',
      pathParameters: { checkId: 'abc 123' },
      queryStringParameters: { expand: 'media,audit' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /v1/checks/{checkId}',
        stage: '$default',
        http: { method: 'GET', path: '/v1/checks/abc%20123', sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers).toMatchObject({ authorization: 'Bearer t0k3n', 'x-trace': 'one' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toBe(response.headers.get('apigw-requestid'));
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('passes a JSON body as text', async () => {
    await fetch(`${api.url}/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'fpt' }),
    });

    expect(lastEvent()).toMatchObject({ body: '{"provider":"fpt"}', isBase64Encoded: false });
    expect(lastEvent().pathParameters).toBeUndefined();
  });

  it('passes a binary body base64-encoded', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254]);

    await fetch(`${api.url}/v1/checks`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });

    expect(lastEvent()).toMatchObject({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true });
  });

  it('gives the handler a Lambda context with its function name and a running clock', async () => {
    await fetch(`${api.url}/v1/checks/abc`);
    const context = seen.at(-1)?.context;

    expect(context?.functionName).toBe('get-check');
    expect(context?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('prefers a literal route over a parameter at the same position', async () => {
    const response = await fetch(`${api.url}/v1/checks/search`);

    expect(await response.text()).toBe('search');
    expect(seen).toEqual([]);
  });
});

describe('local API server: results become HTTP responses', () => {
  it('writes status, headers, cookies and a base64 body as API Gateway does', async () => {
    nextResult = {
      statusCode: 201,
      headers: { 'content-type': 'application/octet-stream', 'x-count': 3 },
      cookies: ['session=abc; HttpOnly'],
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    };

    const response = await fetch(`${api.url}/v1/checks`, { method: 'POST' });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.get('set-cookie')).toBe('session=abc; HttpOnly');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('sends a result without statusCode as a 200 JSON body', async () => {
    nextResult = { checkId: 'c1' } as unknown as APIGatewayProxyResultV2;

    const response = await fetch(`${api.url}/v1/checks/c1/result`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ checkId: 'c1' });
  });

  it('turns a thrown handler error into 500 {"message":"Internal Server Error"} without details', async () => {
    const response = await fetch(`${api.url}/boom`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(handlerErrors).toContain('GET /boom: database exploded');
  });

  it('answers an unknown route with 404 in the gateway error shape', async () => {
    const response = await fetch(`${api.url}/v2/nothing`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers a known route with the wrong method with 405 and Allow', async () => {
    const response = await fetch(`${api.url}/v1/checks/abc`, { method: 'DELETE' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('refuses a body over 10 MB with 413 before calling the handler', async () => {
    const response = await fetch(`${api.url}/v1/checks`, { method: 'POST', body: new Uint8Array(10 * 1024 * 1024 + 1) });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(seen).toEqual([]);
  });
});

describe('local API server: CORS only for the configured origins, as deployed', () => {
  const ALLOWED = 'http://localhost:5173';
  let corsApi: ApiServer;
  beforeAll(async () => {
    corsApi = await startApiServer({
      routes: [{ method: 'GET', path: '/v1/checks/{checkId}', handler: capture }],
      cors: { allowOrigins: [ALLOWED], allowHeaders: ['authorization'] },
    });
  });
  afterAll(async () => {
    await corsApi.close();
  });

  const preflight = (url: string, origin: string) =>
    fetch(`${url}/v1/checks/abc`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from a configured origin and marks its real responses', async () => {
    const answer = await preflight(corsApi.url, ALLOWED);
    const actual = await fetch(`${corsApi.url}/v1/checks/abc`, { headers: { origin: ALLOWED } });

    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET');
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(actual.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it.each([
    ['another origin', 'https://evil.example'],
    ['a look-alike of the configured origin', 'http://localhost:5174'],
  ])('gives %s no allow-origin header, on the preflight or the response', async (_case, origin) => {
    const answer = await preflight(corsApi.url, origin);
    const actual = await fetch(`${corsApi.url}/v1/checks/abc`, { headers: { origin } });

    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers CORS for no origin at all when none is configured', async () => {
    const answer = await preflight(api.url, ALLOWED);
    const actual = await fetch(`${api.url}/v1/checks/abc`, { headers: { origin: ALLOWED } });

    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('local API server: static routes', () => {
  it('serves fixed content on GET and headers only on HEAD', async () => {
    const page = await fetch(`${api.url}/`);
    const head = await fetch(`${api.url}/`, { method: 'HEAD' });

    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<h1>Liveness</h1>');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('hands a greedy path to a raw handler', async () => {
    const response = await fetch(`${api.url}/assets/js/app.js`);

    expect(await response.text()).toBe('asset js/app.js');
  });
});
