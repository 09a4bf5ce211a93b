// The client's polling rules, validation and signing hook over a scripted fetch; the browser entry
// bundled for a browser; SigV4 against AWS's published test vector.
import { build } from 'esbuild';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CheckSession,
  InvalidResponseError,
  LivenessClient,
  TransportError,
  type CheckHandoff,
  type FetchLike,
} from '../../src/client';
import { createSigV4Signer, NodeSha256, regionFromApiUrl } from '../../src/client/node';

const CHECK_ID = '6f1c8a43-3c1b-4d55-9d0e-0e6f2b8f3a11';
const HANDOFF: CheckHandoff = { checkId: CHECK_ID, uploads: {}, pollToken: 'token' };
const NOW = '2025-01-01T00:00:00.000Z';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A fetch that answers from a script and records when and how it was called. */
function scriptedFetch(answers: (() => Response | Promise<Response>)[]) {
  const calls: { at: number; url: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ at: Date.now(), url, headers: Object.fromEntries(new Headers(init.headers).entries()) });
    const next = answers.shift();
    if (!next) throw new Error('unexpected call');
    return next();
  };
  return { fetch, calls };
}

const processing = () => json(200, { checkId: CHECK_ID, status: 'PROCESSING', updatedAt: NOW });
const completed = () => json(200, { checkId: CHECK_ID, status: 'COMPLETED', decision: 'PASS', reasons: [], updatedAt: NOW });

afterEach(() => {
  vi.useRealTimers();
});

describe('waitForResult polling', () => {
  it('backs off from 0.5 s by ×1.5 up to 5 s', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = scriptedFetch([...Array.from({ length: 9 }, () => processing), completed]);
    const session = new CheckSession({ apiUrl: 'http://api', handoff: HANDOFF, fetch });
    const done = session.waitForResult();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toMatchObject({ decision: 'PASS' });
    const gaps = calls.slice(1).map((call, index) => call.at - (calls[index]?.at ?? 0));
    expect(gaps).toEqual([500, 750, 1125, 1688, 2531, 3797, 5000, 5000, 5000]);
    expect(calls[0]?.headers.authorization).toBe('Bearer token');
  });

  it('waits as long as Retry-After says on 429 and 503, and through network failures', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = scriptedFetch([
      () => json(429, { message: 'Too Many Requests' }, { 'retry-after': '3' }),
      () => json(503, { message: 'Service Unavailable' }, { 'retry-after': '7' }),
      () => Promise.reject(new TypeError('fetch failed')),
      completed,
    ]);
    const session = new CheckSession({ apiUrl: 'http://api', handoff: HANDOFF, fetch });
    const done = session.waitForResult();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toMatchObject({ status: 'COMPLETED' });
    expect(calls.slice(1).map((call, index) => call.at - (calls[index]?.at ?? 0))).toEqual([3000, 7000, 1125]);
  });

  it('reports each change of status once', async () => {
    vi.useFakeTimers();
    const { fetch } = scriptedFetch([processing, processing, processing, completed]);
    const seen: string[] = [];
    const done = new CheckSession({ apiUrl: 'http://api', handoff: HANDOFF, fetch }).waitForResult({
      onStatus: (view) => seen.push(view.status),
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(seen).toEqual(['PROCESSING', 'COMPLETED']);
  });

  it('rejects an answer that does not match the documented shape', async () => {
    const { fetch } = scriptedFetch([() => json(200, { checkId: CHECK_ID, status: 'DONE', updatedAt: NOW })]);
    const error = await new CheckSession({ apiUrl: 'http://api', handoff: HANDOFF, fetch })
      .getStatus()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(String(error)).toContain('status');
  });

  it('reports an unreachable API as TransportError with the cause', async () => {
    const { fetch } = scriptedFetch([
      () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })),
    ]);
    const error = await new LivenessClient({ apiUrl: 'http://api', fetch }).createCheck().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect(String(error)).toContain('ECONNREFUSED');
  });
});

describe('request signing hook', () => {
  it('signs the backend routes only: never the poll route, which carries the bearer token', async () => {
    const created = {
      checkId: CHECK_ID,
      status: 'AWAITING_UPLOAD',
      provider: 'fpt',
      parts: ['video'],
      uploads: { video: { url: 'http://s3/bucket', fields: { key: 'k' }, maxBytes: 10, contentTypes: ['video/mp4'] } },
      pollToken: 'token',
      expiresAt: NOW,
    };
    const result = {
      checkId: CHECK_ID,
      status: 'PROCESSING',
      provider: 'fpt',
      parts: ['video'],
      media: [],
      timings: { createdAt: NOW },
      updatedAt: NOW,
    };
    const { fetch, calls } = scriptedFetch([() => json(201, created), processing, () => json(200, result)]);
    const signed: string[] = [];
    const client = new LivenessClient({
      apiUrl: 'http://api/',
      fetch,
      signRequest: async (request) => {
        signed.push(`${request.method} ${request.url} ${request.body ?? ''}`);
        return { ...request.headers, authorization: 'AWS4-HMAC-SHA256 test' };
      },
    });
    const check = await client.createCheck({ parts: ['video'] });
    await client.session(check).getStatus();
    await client.getResult(CHECK_ID);
    expect(signed).toEqual([`POST http://api/v1/checks {"parts":["video"]}`, `GET http://api/v1/checks/${CHECK_ID}/result `]);
    expect(calls.map((call) => call.headers.authorization)).toEqual([
      'AWS4-HMAC-SHA256 test',
      'Bearer token',
      'AWS4-HMAC-SHA256 test',
    ]);
  });
});

describe('SigV4', () => {
  it('matches AWS’s get-vanilla test vector with the node:crypto Sha256', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs for execute-api in the given region, with the session token, leaving Host to fetch', async () => {
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' },
      signingDate: () => new Date('2025-01-01T00:00:00Z'),
    });
    const headers = await sign({
      method: 'POST',
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/checks',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250101\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session');
    expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain('host');
  });

  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn/', 'cn-north-1'],
    ['https://api.example.com', undefined],
  ])('reads the region of %s', (url, region) => {
    expect(regionFromApiUrl(url)).toBe(region);
  });
});

describe('browser entry', () => {
  it('bundles for the browser without the AWS SDK or any node: module', async () => {
    const result = await build({
      entryPoints: [new URL('../../src/client/index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('src/client/client.ts'))).toBe(true);
    expect(inputs.filter((input) => /^node:|@aws-sdk|@smithy|src\/client\/node\//.test(input))).toEqual([]);
  });
});
