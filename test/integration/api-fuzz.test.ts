// No input yields a 5xx: every route of the local stack is fed a few hundred seeded, malformed
// requests (ids, bodies, headers, methods) and must answer each below 500, with the v1 error shape
// {"error":{"code","message"}} on every 4xx. A failure prints the seed and the case to replay it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { seededRandom } from '../unit/media/support/seeded-random';

interface Case {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const CASES_PER_ROUTE = 300;
const CONCURRENCY = 16;

function randomText(random: Random, length: number, alphabet: string): string {
  const characters = [...alphabet]; // code points, so an emoji is never split into lone surrogates
  let out = '';
  for (let i = 0; i < length; i += 1) out += characters[Math.floor(random() * characters.length)];
  return out;
}

function randomUuid(random: Random): string {
  const hex = randomText(random, 32, '0123456789abcdef');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** A path segment in place of {checkId}: mostly malformed, sometimes a well-formed unknown id. */
function checkIdSegment(random: Random): string {
  const generators: readonly (() => string)[] = [
    () => randomUuid(random),
    () => randomUuid(random).toUpperCase(),
    () => `${randomUuid(random)}x`,
    () => 'a'.repeat(int(random, 2049, 7000)),
    () => randomText(random, int(random, 2049, 7000), 'abcdefghijklmnopqrstuvwxyz0123456789-_'),
    () => encodeURIComponent(randomText(random, int(random, 1, 400), 'éß漢字🙂\u0301ا')),
    () => encodeURIComponent('🙂'.repeat(int(random, 200, 700))),
    () => pick(random, ['..', '.', '%2e%2e', '%2E%2E%2F..', '..%2f..%2fetc%2fpasswd', '%2F', '%00', '%0a', '%0d%0a']),
    () => pick(random, ['%', '%zz', '%C0%AE', '%E0%A4%A', '%ff%fe', '%25', '%u0041']),
    () => pick(random, ['null', 'undefined', '0', '-1', '1e309', 'true', '[]', '{}', '%27;DROP%20TABLE%20checks;--']),
    () => encodeURIComponent(JSON.stringify({ checkId: randomUuid(random) })),
    () => randomText(random, int(random, 1, 64), "abcdefABCDEF0123456789-_.~!$&'()*+,;=:@"),
  ];
  return pick(random, generators)();
}

function deepNesting(random: Random): string {
  const depth = int(random, 100, 20_000);
  return random() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function randomBody(random: Random): string | undefined {
  const generators: readonly (() => string | undefined)[] = [
    () => undefined,
    () => '',
    () => '   ',
    () => 'null',
    () => 'true',
    () => String(random() * 1e6),
    () => '"a string"',
    () => '[]',
    () => `[${randomUuid(random)}]`,
    () => '[{"provider":"fpt"}]',
    () => deepNesting(random),
    () => JSON.stringify({ externalRef: 'x'.repeat(int(random, 129, 2_000_000)) }),
    () => JSON.stringify({ provider: 'p'.repeat(int(random, 33, 100_000)) }),
    () =>
      JSON.stringify(
        pick(random, [{ provider: 5 }, { provider: null }, { provider: '' }, { provider: 'nope' }, { provider: ['fpt'] }]),
      ),
    () =>
      JSON.stringify(
        pick(random, [{ parts: 'video' }, { parts: [] }, { parts: ['x'] }, { parts: ['video', 'video'] }, { parts: null }]),
      ),
    () => JSON.stringify(pick(random, [{ parts: ['video', 'selfie', 'reference', 'video'] }, { parts: [1, 2] }, { parts: {} }])),
    () =>
      JSON.stringify({ externalRef: pick(random, [{}, [], 1, null, '', 'tab\there', 'nul\u0000', 'esc\u001b[2J', '\u0085']) }),
    () =>
      JSON.stringify({
        consent: pick(random, [null, [], 'yes', {}, { noticeVersion: 'v1' }, { noticeVersion: 'v1', acceptedAt: 'yesterday' }]),
      }),
    () => JSON.stringify({ consent: { noticeVersion: 'v1', acceptedAt: '2026-01-01T00:00:00Z', extra: true } }),
    () => JSON.stringify({ unknownField: randomText(random, 20, 'abc') }),
    () => '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
    () => pick(random, ['{', '{"a":}', '{"a":1,}', "{'a':1}", '\ufeff{}', 'NaN', '{"a":1}{"b":2}', '\u0000']),
    () => randomText(random, int(random, 1, 5000), '{}[]":,0123456789abc \\nulltrue'),
    () => JSON.stringify({ parts: ['selfie'], externalRef: encodeURIComponent('Nguyễn 🙂') }),
    () => JSON.stringify({}),
  ];
  return pick(random, generators)();
}

function contentType(random: Random): string | undefined {
  return pick(random, [
    undefined,
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'APPLICATION/JSON',
    'application/merge-patch+json',
    'application/jsonx',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'image/png',
    '',
    ';;;',
    'json',
  ]);
}

function authorization(random: Random): string | undefined {
  return pick(random, [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    `Bearer ${randomText(random, 43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`,
    `Bearer ${'t'.repeat(int(random, 2049, 6000))}`,
    'Bearer a b c',
    'bearer x',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    `AWS4-HMAC-SHA256 Credential=AKIA/${randomText(random, 8, '0123456789')}`,
    'Bearer %00%0a',
    'Bearer null',
  ]);
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

type Route = 'create' | 'poll' | 'result' | 'erase' | 'elsewhere';

function caseFor(route: Route, random: Random): Case {
  const id = checkIdSegment(random);
  const usual: Record<Route, { method: string; path: string }> = {
    create: { method: 'POST', path: '/v1/checks' },
    poll: { method: 'GET', path: `/v1/checks/${id}` },
    result: { method: 'GET', path: `/v1/checks/${id}/result` },
    erase: { method: 'DELETE', path: `/v1/checks/${id}` },
    elsewhere: {
      method: pick(random, METHODS),
      path: pick(random, [
        '/',
        '/v1',
        '/v1/',
        '/v1/checks/',
        `/v1/checks/${id}/`,
        `/v1/checks/${id}/result/extra`,
        `/v1/checks/${id}/audit`,
        '/v2/checks',
        `/${id}`,
        '//v1/checks',
        '/v1//checks',
        '/v1/checks?x=1&x=2',
        `/v1/checks/${id}?q=${id}`,
        '/v1/checks/%2e%2e/result',
        '/v1/checks/../checks',
      ]),
    },
  };
  // Most cases use the route's own method; some take another to reach the 405 and OPTIONS paths.
  const target = usual[route];
  const method = random() < 0.8 ? target.method : pick(random, METHODS);
  const headers: Record<string, string> = {};
  const type = contentType(random);
  if (type !== undefined) headers['content-type'] = type;
  const auth = authorization(random);
  if (auth !== undefined) headers.authorization = auth;
  if (random() < 0.1) headers.origin = pick(random, ['http://localhost:5173', 'null', 'https://evil.example']);
  if (method === 'OPTIONS' && random() < 0.5) headers['access-control-request-method'] = pick(random, METHODS);
  const body = method === 'POST' || random() < 0.2 ? randomBody(random) : undefined;
  return { method, path: target.path, headers, ...(body === undefined ? {} : { body }) };
}

function send(base: URL, fuzzCase: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: base.hostname,
        port: base.port,
        method: fuzzCase.method,
        path: fuzzCase.path,
        headers: {
          ...fuzzCase.headers,
          ...(fuzzCase.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(fuzzCase.body)) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(fuzzCase.body);
  });
}

/** What is wrong with an answer, or undefined when it is acceptable. */
function problemWith(fuzzCase: Case, answer: Answer): string | undefined {
  if (answer.status >= 500 || answer.status < 100) return `status ${answer.status}`;
  if (answer.status < 400 || fuzzCase.method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `status ${answer.status} with a non-JSON body`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string' || error.code === '' || error.message === '') {
    return `status ${answer.status} without the v1 error shape`;
  }
  return undefined;
}

function summary(fuzzCase: Case): string {
  const clip = (text: string): string => (text.length > 120 ? `${text.slice(0, 120)}… (${text.length} chars)` : text);
  return `${fuzzCase.method} ${clip(fuzzCase.path)} headers=${clip(JSON.stringify(fuzzCase.headers))} body=${
    fuzzCase.body === undefined ? '(none)' : clip(JSON.stringify(fuzzCase.body))
  }`;
}

async function fuzz(route: Route, seed: number): Promise<{ failures: string[]; statuses: Set<number> }> {
  const random = seededRandom(seed);
  const cases = Array.from({ length: CASES_PER_ROUTE }, () => caseFor(route, random));
  const failures: string[] = [];
  const statuses = new Set<number>();
  const base = new URL(stack.apiUrl);
  for (let start = 0; start < cases.length; start += CONCURRENCY) {
    await Promise.all(
      cases.slice(start, start + CONCURRENCY).map(async (fuzzCase, offset) => {
        const answer = await send(base, fuzzCase);
        statuses.add(answer.status);
        const problem = problemWith(fuzzCase, answer);
        if (problem) failures.push(`seed ${seed} case ${start + offset}: ${problem}: ${summary(fuzzCase)}`);
      }),
    );
  }
  return { failures, statuses };
}

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, sweepIntervalMs: 0, autoDeliver: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('API fuzz: no input yields a 5xx', () => {
  it.each([
    ['POST /v1/checks', 'create', 1001],
    ['GET /v1/checks/{checkId}', 'poll', 2002],
    ['GET /v1/checks/{checkId}/result', 'result', 3003],
    ['DELETE /v1/checks/{checkId}', 'erase', 4004],
    ['unknown paths, methods and OPTIONS', 'elsewhere', 5005],
  ] as const)('%s answers every malformed request below 500, in the v1 error shape on a 4xx', async (_name, route, seed) => {
    const { failures, statuses } = await fuzz(route, seed);

    expect(failures).toEqual([]);
    // The cases reached the refusals they were made for, not just one answer.
    expect([...statuses].some((status) => status >= 400 && status < 500)).toBe(true);
  });

  it('refuses the create route’s malformed bodies with the specific code for each', async () => {
    const base = new URL(stack.apiUrl);
    const post = (body: string, type?: string) =>
      send(base, { method: 'POST', path: '/v1/checks', headers: type === undefined ? {} : { 'content-type': type }, body });

    const answers = await Promise.all([
      post('null', 'application/json'),
      post('[]', 'application/json'),
      post('42', 'application/json'),
      post('{', 'application/json'),
      post('{}', 'text/plain'),
      post('{}'),
      post(JSON.stringify({ externalRef: 'line\nbreak' }), 'application/json'),
    ]);

    const codes = answers.map((answer) => [answer.status, (JSON.parse(answer.text) as { error: { code: string } }).error.code]);
    expect(codes).toEqual([
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [400, 'INVALID_REQUEST'],
    ]);
  });

  it('answers a poll with a check id over 2 KB with 401, like any unknown id', async () => {
    const base = new URL(stack.apiUrl);

    const answer = await send(base, {
      method: 'GET',
      path: `/v1/checks/${'a'.repeat(2049)}`,
      headers: { authorization: 'Bearer token' },
    });

    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });
});
