// The OpenAPI document against the real API: every route's real answers are validated with JSON
// Schema read from the document (zod's fromJSONSchema, an interpreter independent of the zod
// schemas the document was generated from), and the committed openapi.json must be current.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { buildOpenApiDocument, renderOpenApiDocument, ROUTES, type JsonObject, type JsonValue } from '../../src/openapi/document';
import { startLocalStackWithPage } from '../../web/serve';
import { createCheck, fixture, poll, postCheck, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const COMMITTED = new URL('../../openapi.json', import.meta.url);
const document = buildOpenApiDocument();

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** Every object with named properties refuses others: proves the answer has no undocumented field. */
function closeObjects(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(closeObjects);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) out[key] = closeObjects(member);
  if (isObject(value.properties) && value.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** A validator for one documented answer, from the document alone. */
function validatorFor(method: string, path: string, status: number, options: { closed?: boolean } = {}): z.ZodType {
  const schema = at(document, 'paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema');
  if (!isObject(schema)) throw new Error(`the document has no JSON answer for ${method.toUpperCase()} ${path} ${status}`);
  const components = at(document, 'components', 'schemas');
  if (!isObject(components)) throw new Error('the document has no component schemas');
  // One self-contained JSON Schema: the components become $defs and the refs follow them.
  const text = JSON.stringify({ ...schema, $defs: components }).replaceAll('"#/components/schemas/', '"#/$defs/');
  const parsed: JsonValue = JSON.parse(text);
  const self = options.closed ? closeObjects(parsed) : parsed;
  if (!isObject(self)) throw new Error('not a schema object');
  return z.fromJSONSchema(self);
}

function expectDocumented(method: string, path: string, status: number, actual: { status: number; body: unknown }): void {
  expect(actual.status).toBe(status);
  const open = validatorFor(method, path, status).safeParse(actual.body);
  expect(open.error?.issues ?? []).toEqual([]);
  const closed = validatorFor(method, path, status, { closed: true }).safeParse(actual.body);
  expect(closed.error?.issues ?? [], 'a field the API returns is missing from the document').toEqual([]);
}

let stack: LocalStack;
const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

beforeAll(async () => {
  stack = await startLocalStackWithPage({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

async function completedCheck(video: Uint8Array, parts: ('video' | 'reference')[]): Promise<CreatedCheck> {
  const check = await createCheck(stack.apiUrl, { parts });
  for (const part of parts) {
    const form = check.uploads[part];
    if (!form) throw new Error(`no form for ${part}`);
    await uploadOk(form, part === 'video' ? video : ID_PHOTO, part === 'video' ? 'video/mp4' : 'image/jpeg');
  }
  await waitForEnd(stack.apiUrl, check.checkId);
  return check;
}

describe('real answers match the document', () => {
  it('POST /v1/checks 201', async () => {
    expectDocumented(
      'post',
      '/v1/checks',
      201,
      await postCheck(stack.apiUrl, { parts: ['video', 'reference'], externalRef: 'a-1' }),
    );
  });

  it('POST /v1/checks 429 once an applicant reached the attempt cap', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect((await postCheck(stack.apiUrl, { externalRef: 'capped' })).status).toBe(201);
    const refused = await postCheck(stack.apiUrl, { externalRef: 'capped' });
    expectDocumented('post', '/v1/checks', 429, refused);
    expect(refused.body).toMatchObject({ error: { code: 'ATTEMPT_LIMIT_REACHED' } });
  });

  it.each([[{ provider: 'acme' }], [{ parts: ['face'] }], ['{not json']])('POST /v1/checks 400 for %j', async (body) => {
    expectDocumented('post', '/v1/checks', 400, await postCheck(stack.apiUrl, body));
  });

  it('GET /v1/checks/{checkId} 200 while waiting and once decided, 401 without the token', async () => {
    const waiting = await createCheck(stack.apiUrl, {});
    expectDocumented('get', '/v1/checks/{checkId}', 200, await poll(stack.apiUrl, waiting.checkId, waiting.pollToken));
    const decided = await completedCheck(VIDEO, ['video', 'reference']);
    expectDocumented('get', '/v1/checks/{checkId}', 200, await poll(stack.apiUrl, decided.checkId, decided.pollToken));
    expectDocumented('get', '/v1/checks/{checkId}', 401, await poll(stack.apiUrl, decided.checkId));
  });

  it.each([
    ['PASS with scores and media facts', VIDEO, { status: 'COMPLETED', decision: 'PASS' }],
    ['RETRY from the media check', fixture('face_1s.mp4'), { status: 'COMPLETED', decision: 'RETRY' }],
    ['FAILED with an operational reason', withScenarioMarker(VIDEO, 'mp4', 'auth_failure'), { status: 'FAILED' }],
  ])('GET /v1/checks/{checkId}/result 200: %s', async (_label, video, outcome) => {
    const check = await completedCheck(video, ['video', 'reference']);
    const answer = await result(stack.apiUrl, check.checkId);
    expect(answer.body).toMatchObject(outcome);
    expectDocumented('get', '/v1/checks/{checkId}/result', 200, answer);
  });

  it('GET /v1/checks/{checkId}/result 200 before any upload, 404 for an unknown check', async () => {
    const waiting = await createCheck(stack.apiUrl, {});
    expectDocumented('get', '/v1/checks/{checkId}/result', 200, await result(stack.apiUrl, waiting.checkId));
    expectDocumented(
      'get',
      '/v1/checks/{checkId}/result',
      404,
      await result(stack.apiUrl, '00000000-0000-4000-8000-000000000000'),
    );
  });

  it('DELETE /v1/checks/{checkId} 200 (twice: the second says alreadyErased), 404 for an unknown check', async () => {
    const check = await completedCheck(VIDEO, ['video']);
    const erase = async (checkId: string) => {
      const response = await fetch(`${stack.apiUrl}/v1/checks/${checkId}`, { method: 'DELETE' });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expectDocumented('delete', '/v1/checks/{checkId}', 200, await erase(check.checkId));
    const again = await erase(check.checkId);
    expectDocumented('delete', '/v1/checks/{checkId}', 200, again);
    expect(again.body).toMatchObject({ alreadyErased: true });
    expectDocumented('delete', '/v1/checks/{checkId}', 404, await erase('00000000-0000-4000-8000-000000000000'));
  });

  it('GET /v1/reviews 200 and 400, GET media 200 and 404, POST review 200, 400, 404 and 409', async () => {
    const check = await completedCheck(withScenarioMarker(VIDEO, 'mp4', 'review'), ['video', 'reference']);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const queue = await call('GET', '/v1/reviews?limit=1');
    expectDocumented('get', '/v1/reviews', 200, queue);
    expect(queue.body).toMatchObject({ items: [expect.anything()] });
    expectDocumented('get', '/v1/reviews', 400, await call('GET', '/v1/reviews?limit=0'));
    const media = `/v1/checks/{checkId}/media/{part}`;
    expectDocumented('get', media, 200, await call('GET', `/v1/checks/${check.checkId}/media/reference`));
    expectDocumented('get', media, 404, await call('GET', `/v1/checks/${check.checkId}/media/selfie`));
    const review = '/v1/checks/{checkId}/review';
    expectDocumented('post', review, 400, await call('POST', `/v1/checks/${check.checkId}/review`, { decision: 'MAYBE' }));
    const decided = await call('POST', `/v1/checks/${check.checkId}/review`, {
      decision: 'RETRY',
      reviewer: 'alice',
      note: 'blurry',
    });
    expectDocumented('post', review, 200, decided);
    expect(decided.body).toMatchObject({ decision: 'RETRY', review: { previousDecision: 'REVIEW' } });
    expectDocumented('get', '/v1/checks/{checkId}/result', 200, await result(stack.apiUrl, check.checkId));
    expectDocumented(
      'post',
      review,
      409,
      await call('POST', `/v1/checks/${check.checkId}/review`, { decision: 'PASS', reviewer: 'b' }),
    );
    expectDocumented(
      'post',
      review,
      404,
      await call('POST', '/v1/checks/00000000-0000-4000-8000-000000000000/review', { decision: 'PASS', reviewer: 'b' }),
    );
  });

  it('GET /v1/checks/{checkId}/audit 200 for a decided check, 404 for an unknown one', async () => {
    const check = await completedCheck(VIDEO, ['video']);
    const audit = async (checkId: string) => {
      const response = await fetch(`${stack.apiUrl}/v1/checks/${checkId}/audit`);
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const trail = await audit(check.checkId);
    expectDocumented('get', '/v1/checks/{checkId}/audit', 200, trail);
    expect(trail.body).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ type: 'RESULT_RECORDED' })]) });
    expectDocumented('get', '/v1/checks/{checkId}/audit', 404, await audit('00000000-0000-4000-8000-000000000000'));
  });

  it('GET /v1/checks/{checkId}/result 200 with the consent evidence', async () => {
    const consent = { noticeVersion: 'privacy-2025-01', acceptedAt: '2025-01-01T10:00:00.000+07:00' };
    const check = await createCheck(stack.apiUrl, { parts: ['video'], consent });
    const answer = await result(stack.apiUrl, check.checkId);
    expect(answer.body).toMatchObject({ consent });
    expectDocumented('get', '/v1/checks/{checkId}/result', 200, answer);
  });
});

describe('the validators read from the document', () => {
  it('refuse answers that break it, so the checks above can fail', async () => {
    const check = await completedCheck(VIDEO, ['video']);
    const view = (await poll(stack.apiUrl, check.checkId, check.pollToken)).body;
    const full = (await result(stack.apiUrl, check.checkId)).body;
    const statusView = validatorFor('get', '/v1/checks/{checkId}', 200);
    const resultView = validatorFor('get', '/v1/checks/{checkId}/result', 200);
    expect(statusView.safeParse(view).success).toBe(true);
    expect(statusView.safeParse({ ...view, decision: 'MAYBE' }).success).toBe(false);
    expect(statusView.safeParse({ ...view, reasons: [{ code: 'NOT_A_CODE', message: 'x' }] }).success).toBe(false);
    expect(statusView.safeParse({ ...view, checkId: 'not-a-uuid' }).success).toBe(false);
    expect(resultView.safeParse({ ...full, liveness: { live: true, score: 1.5 } }).success).toBe(false);
    expect(resultView.safeParse({ ...full, media: undefined }).success).toBe(false);
    expect(validatorFor('post', '/v1/checks', 201).safeParse({ checkId: check.checkId }).success).toBe(false);
    expect(validatorFor('get', '/v1/checks/{checkId}', 200, { closed: true }).safeParse({ ...view, score: 0.9 }).success).toBe(
      false,
    );
  });
});

describe('the document', () => {
  it('is committed as openapi.json exactly as generated (run `npm run openapi` after changing a schema)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderOpenApiDocument());
  });

  it('is served at /v1/openapi.json', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/openapi.json`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(document);
  });

  it('has every route of the table, SigV4 on the backend routes and the bearer token on the poll route', () => {
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(isObject(item) ? item : {}).map(([method, operation]) => ({
        path,
        method,
        security: at(operation, 'security'),
      })),
    );
    const described = operations.map(({ method, path, security }) => `${method} ${path} ${JSON.stringify(security)}`).sort();
    expect(described).toEqual(ROUTES.map((route) => `${route.method} ${route.path} [{"${route.security}":[]}]`).sort());
    expect(described).toEqual([
      'delete /v1/checks/{checkId} [{"sigv4":[]}]',
      'get /v1/checks/{checkId} [{"pollToken":[]}]',
      'get /v1/checks/{checkId}/audit [{"sigv4":[]}]',
      'get /v1/checks/{checkId}/media/{part} [{"sigv4":[]}]',
      'get /v1/checks/{checkId}/result [{"sigv4":[]}]',
      'get /v1/reviews [{"sigv4":[]}]',
      'post /v1/checks [{"sigv4":[]}]',
      'post /v1/checks/{checkId}/review [{"sigv4":[]}]',
    ]);
    expect(at(document, 'openapi')).toBe('3.1.0');
    expect(at(document, 'components', 'securitySchemes', 'pollToken')).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('has no dangling $ref', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      ([, name]) => name ?? '',
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(at(document, 'components', 'schemas', name), name).toBeDefined();
  });
});
