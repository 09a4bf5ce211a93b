// The policy-enforcing local S3 gateway with the real S3 adapters: forms from S3UploadSigner,
// uploads with fetch + FormData as a browser sends them, reads through S3MediaStore, and what the
// gate refuses (unsigned or badly signed requests, escaping keys, ambiguous or broken forms) sent
// as raw HTTP so no client library tidies it up first.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/adapters/aws/clients';
import type { AwsClients } from '../../src/adapters/aws/clients';
import { MediaObjectNotFoundError } from '../../src/adapters/aws/errors';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import type { UploadForm, UploadFormRequest } from '../../src/core/ports';
import { NodeSha256, startLocalS3 } from '../../local/s3-gateway';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, waitForEnd } from '../support/api-client';
import type { LocalS3Gateway } from '../../local/s3-gateway';

const VIDEO_PATH = new URL('../fixtures/media/face_moving.mp4', import.meta.url);
// A region other than the SDK's usual default proves the gateway reports its configured one.
const REGION = 'eu-west-1';
const PAGE_ORIGIN = 'http://localhost:5173';

let s3: LocalS3Gateway;
let clients: AwsClients;
let signer: S3UploadSigner;
let store: S3MediaStore;
let video: Buffer;
let records: S3EventRecord[];
let keyCounter = 0;

beforeAll(async () => {
  video = await readFile(VIDEO_PATH);
  s3 = await startLocalS3({ bucket: 'media-test', region: REGION, corsOrigins: [PAGE_ORIGIN] });
  clients = createAwsClients({ region: REGION, credentials: s3.credentials, endpoints: { s3: s3.endpoint } });
  signer = new S3UploadSigner(clients.s3, s3.bucket);
  store = new S3MediaStore(clients.s3, s3.bucket);
  s3.onObjectCreated((record) => {
    records.push(record);
  });
});

afterAll(async () => {
  clients.s3.destroy();
  await s3.close();
});

beforeEach(() => {
  records = [];
});

function uniqueKey(): string {
  keyCounter += 1;
  return `checks/check-${keyCounter}/video`;
}

function videoForm(overrides: Partial<UploadFormRequest> = {}): Promise<UploadForm> {
  return signer.presignPost({
    key: uniqueKey(),
    maxBytes: 10_000_000,
    contentTypePrefix: 'video/',
    expiresInSeconds: 300,
    ...overrides,
  });
}

interface UploadOptions {
  readonly contentType?: string | null;
  readonly file?: Uint8Array;
  readonly fields?: Readonly<Record<string, string>>;
  readonly extra?: readonly (readonly [string, string])[];
  readonly origin?: string;
}

/** Posts the form as a browser would: the policy's fields, then Content-Type, then the file last. */
async function upload(
  form: UploadForm,
  options: UploadOptions = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...form.fields, ...options.fields })) body.append(name, value);
  if (options.contentType !== null) body.append('Content-Type', options.contentType ?? 'video/mp4');
  for (const [name, value] of options.extra ?? []) body.append(name, value);
  // Copied into a plain ArrayBuffer: Blob does not take Buffer's ArrayBufferLike.
  body.append('file', new Blob([new Uint8Array(options.file ?? video)]), 'capture.mp4');
  const response = await fetch(form.url, {
    method: 'POST',
    body,
    ...(options.origin !== undefined ? { headers: { origin: options.origin } } : {}),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function nextRecord(): Promise<S3EventRecord> {
  for (let waited = 0; waited < 2_000; waited += 10) {
    const record = records.shift();
    if (record !== undefined) return record;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no ObjectCreated record arrived');
}

/** Buffer.equals: a deep toEqual over hundreds of kilobytes takes seconds. */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual).equals(expected);
}

/** A refused upload stores nothing and notifies nobody. */
async function expectNothingStored(form: UploadForm): Promise<void> {
  expect(await store.head(form.fields.key ?? '')).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(records).toEqual([]);
}

describe('local S3 gateway: presigned POST uploads', () => {
  it('accepts a form within its policy with 204 and sends one ObjectCreated:Post record shaped like S3', async () => {
    const form = await videoForm();

    const response = await upload(form);
    const record = await nextRecord();

    expect(response.status).toBe(204);
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Post',
      awsRegion: REGION,
      s3: {
        bucket: { name: s3.bucket, arn: `arn:aws:s3:::${s3.bucket}` },
        object: { key: form.fields.key, size: video.length },
      },
    });
    expect(record.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(await store.head(form.fields.key ?? '')).toEqual({
      bytes: video.length,
      etag: record.s3.object.eTag,
      contentType: 'video/mp4',
    });
  });

  it('URL-encodes the key in the record as S3 does (space as +, / kept)', async () => {
    const key = 'checks/a b+c/vidéo';
    const form = await signer.presignPost({ key, maxBytes: 10_000_000, contentTypePrefix: 'video/', expiresInSeconds: 60 });

    await upload(form);
    const record = await nextRecord();

    expect(record.s3.object.key).toBe('checks/a+b%2Bc/vid%C3%A9o');
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))).toBe(key);
  });

  it('answers 201 with an XML PostResponse when the policy allows success_action_status=201', async () => {
    const key = uniqueKey();
    const form = await createPresignedPost(clients.s3, {
      Bucket: s3.bucket,
      Key: key,
      Conditions: [['starts-with', '$Content-Type', 'video/']],
      Fields: { success_action_status: '201' },
      Expires: 60,
    });

    const response = await upload(form);

    expect(response.status).toBe(201);
    expect(response.text).toContain(`<Key>${key}</Key>`);
  });

  it('refuses a file larger than the policy allows with 400 EntityTooLarge', async () => {
    const form = await videoForm({ maxBytes: 1000 });

    const response = await upload(form);

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>EntityTooLarge</Code>');
    expect(response.text).toContain('<MaxSizeAllowed>1000</MaxSizeAllowed>');
    expect(response.text).toContain(`<ProposedSize>${video.length}</ProposedSize>`);
    await expectNothingStored(form);
  });

  it('refuses an empty file with 400 EntityTooSmall', async () => {
    const form = await videoForm();

    const response = await upload(form, { file: new Uint8Array(0) });

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>EntityTooSmall</Code>');
    await expectNothingStored(form);
  });

  it.each([
    ['a content type outside the prefix', 'image/jpeg'],
    ['no content type at all', null],
  ])('refuses %s with 403 AccessDenied naming the failed condition', async (_case, contentType) => {
    const form = await videoForm();

    const response = await upload(form, { contentType });

    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>AccessDenied</Code>');
    expect(response.text).toContain(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "video/"]',
    );
    await expectNothingStored(form);
  });

  it('refuses an expired form with 403 "Policy expired"', async () => {
    const form = await videoForm({ expiresInSeconds: 1 });
    // The policy's expiration has whole-second precision: 1.1 s is always past it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const response = await upload(form);

    expect(response.status).toBe(403);
    expect(response.text).toContain('Invalid according to Policy: Policy expired.');
    await expectNothingStored(form);
  });

  it('refuses a policy edited after signing with 403 SignatureDoesNotMatch', async () => {
    const form = await videoForm({ maxBytes: 1000 });
    const policy = JSON.parse(Buffer.from(form.fields.Policy ?? '', 'base64').toString('utf8')) as { conditions: unknown[] };
    policy.conditions = policy.conditions.map((condition) =>
      Array.isArray(condition) && condition[0] === 'content-length-range' ? ['content-length-range', 1, 100_000_000] : condition,
    );
    const tampered = Buffer.from(JSON.stringify(policy)).toString('base64');

    const response = await upload(form, { fields: { Policy: tampered } });

    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expectNothingStored(form);
  });

  it('refuses a form whose key was changed with 403 AccessDenied', async () => {
    const form = await videoForm();

    const response = await upload(form, { fields: { key: 'checks/someone-else/video' } });

    expect(response.status).toBe(403);
    expect(response.text).toContain('Policy Condition failed: ["eq", "$key"');
    expect(await store.head('checks/someone-else/video')).toBeUndefined();
    await expectNothingStored(form);
  });

  it('refuses a field no condition covers with 403 "Extra input fields"', async () => {
    const form = await videoForm();

    const response = await upload(form, { extra: [['x-amz-meta-note', 'hello']] });

    expect(response.status).toBe(403);
    expect(response.text).toContain('Invalid according to Policy: Extra input fields: x-amz-meta-note');
    await expectNothingStored(form);
  });

  it('accepts x-ignore- fields without a condition, as S3 does', async () => {
    const form = await videoForm();

    const response = await upload(form, { extra: [['x-ignore-client', 'web']] });

    expect(response.status).toBe(204);
    await nextRecord();
  });

  it('refuses a form without a policy with 403 AccessDenied (the bucket is private)', async () => {
    const body = new FormData();
    body.append('key', uniqueKey());
    body.append('file', new Blob([new Uint8Array(video)]));

    const response = await fetch(`${s3.endpoint}/${s3.bucket}`, { method: 'POST', body });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('refuses a form signed with the wrong secret key', async () => {
    const wrongKey = new S3Client({
      region: REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const form = await new S3UploadSigner(wrongKey, s3.bucket).presignPost({
      key: uniqueKey(),
      maxBytes: 10_000_000,
      contentTypePrefix: 'video/',
      expiresInSeconds: 60,
    });
    wrongKey.destroy();

    const response = await upload(form);

    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses a form signed for another region', async () => {
    const otherRegion = createAwsClients({
      region: 'ap-southeast-1',
      credentials: s3.credentials,
      endpoints: { s3: s3.endpoint },
    });
    const form = await new S3UploadSigner(otherRegion.s3, s3.bucket).presignPost({
      key: uniqueKey(),
      maxBytes: 10_000_000,
      contentTypePrefix: 'video/',
      expiresInSeconds: 60,
    });

    const response = await upload(form);

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>AuthorizationQueryParametersError</Code>');
    otherRegion.s3.destroy();
  });

  it('lets a configured origin read why an upload was refused (CORS headers on the error)', async () => {
    const form = await videoForm();

    const response = await upload(form, { contentType: 'text/html', origin: PAGE_ORIGIN });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
  });

  it('gives another origin no CORS header on the answer to its upload', async () => {
    const form = await videoForm();

    const response = await upload(form, { contentType: 'text/html', origin: 'https://evil.example' });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('local S3 gateway: CORS only for the configured origins', () => {
  const preflight = (origin: string, method = 'POST') =>
    fetch(`${s3.endpoint}/${s3.bucket}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
    });

  it('answers a preflight for the form POST from a configured origin', async () => {
    const response = await preflight(PAGE_ORIGIN);

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
  });

  it.each([
    ['another origin', 'https://evil.example', 'POST'],
    ['a look-alike of the configured origin', 'http://localhost:5174', 'POST'],
    ['a configured origin asking for GET (only POST is allowed, as deployed)', PAGE_ORIGIN, 'GET'],
  ])('refuses a preflight from %s without an allow-origin header', async (_case, origin, method) => {
    const response = await preflight(origin, method);

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds origins given later (the page origin, known once the API listens)', async () => {
    s3.allowOrigins(['http://127.0.0.1:4321']);

    const response = await preflight('http://127.0.0.1:4321');

    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4321');
  });
});

describe('local S3 gateway: SDK requests pass through', () => {
  let key: string;
  beforeAll(async () => {
    key = uniqueKey();
    await upload(await signer.presignPost({ key, maxBytes: 10_000_000, contentTypePrefix: 'video/', expiresInSeconds: 60 }));
  });

  it('returns exactly the requested bytes for a ranged read', async () => {
    expect(Buffer.from(await store.readRange(key, 0, 7))).toEqual(video.subarray(0, 8));
    expect(sameBytes(await store.readRange(key, 1000, 66_535), video.subarray(1000, 66_536))).toBe(true);
  });

  it('clamps a range that runs past the end, and returns nothing for one that starts past it', async () => {
    expect(Buffer.from(await store.readRange(key, video.length - 4, video.length + 1000))).toEqual(video.subarray(-4));
    expect((await store.readRange(key, video.length + 10, video.length + 20)).length).toBe(0);
  });

  it('reads a whole object', async () => {
    expect(sameBytes(await store.readAll(key), video)).toBe(true);
  });

  it('reports a missing object as undefined on head and MediaObjectNotFoundError on read', async () => {
    expect(await store.head('checks/none/video')).toBeUndefined();
    await expect(store.readAll('checks/none/video')).rejects.toBeInstanceOf(MediaObjectNotFoundError);
    await expect(store.readRange('checks/none/video', 0, 10)).rejects.toBeInstanceOf(MediaObjectNotFoundError);
  });

  it('deletes an object, and deleting it again succeeds', async () => {
    const doomed = uniqueKey();
    await clients.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: doomed, Body: video, ContentType: 'video/mp4' }));

    await store.delete(doomed);
    await store.delete(doomed);

    expect(await store.head(doomed)).toBeUndefined();
  });

  it('keeps user metadata of a signed PutObject (only the credentials are stripped)', async () => {
    const metaKey = uniqueKey();

    await clients.s3.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: metaKey,
        Body: video,
        ContentType: 'video/mp4',
        Metadata: { source: 'web' },
      }),
    );
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: metaKey }));

    expect(head.Metadata).toEqual({ source: 'web' });
  });

  it('stores a PutObject byte for byte and reports it as ObjectCreated:Put', async () => {
    records = [];
    const putKey = uniqueKey();

    await clients.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: putKey, Body: video, ContentType: 'video/mp4' }));
    const record = await nextRecord();

    expect(record).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: putKey, size: video.length } } });
    expect(sameBytes(await store.readAll(putKey), video)).toBe(true);
  });
});

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** node:http with the path exactly as given: fetch would resolve `..` and `%2e%2e` before sending. */
function rawRequest(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer; endpoint?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(options.endpoint ?? s3.endpoint);
  return new Promise((resolvePromise, reject) => {
    const request = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        headers: { ...options.headers, ...(options.body ? { 'content-length': String(options.body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolvePromise({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: response.headers,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

function sigV4(secretAccessKey = s3.credentials.secretAccessKey): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: s3.credentials.accessKeyId, secretAccessKey },
    region: REGION,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
}

/** A header-signed request as the S3 client signs it, on a raw path no client would normalise. */
async function signedRawRequest(method: string, path: string, body = Buffer.alloc(0)): Promise<RawResponse> {
  const { host } = new URL(s3.endpoint);
  const signed = await sigV4().sign({
    method,
    protocol: 'http:',
    hostname: host,
    path,
    query: {},
    headers: { host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return rawRequest(method, path, { headers, body });
}

/**
 * A presigned GET URL as @aws-sdk/s3-request-presigner builds it: the payload hash
 * UNSIGNED-PAYLOAD hoisted into the query, only `host` signed, `x-id=GetObject`.
 */
async function presignGet(
  key: string,
  options: { expiresIn?: number; signingDate?: Date; secret?: string } = {},
): Promise<string> {
  const url = new URL(s3.endpoint);
  const path = `/${s3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const presigned = await sigV4(options.secret).presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query: { 'x-id': 'GetObject' },
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      expiresIn: options.expiresIn ?? 300,
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
      unsignableHeaders: new Set(['content-type']),
    },
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(presigned.query ?? {})) query.append(name, String(value));
  return `${s3.endpoint}${path}?${query.toString()}`;
}

async function putVideo(key: string): Promise<void> {
  await clients.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: video, ContentType: 'video/mp4' }));
}

function expectAccessDenied(response: RawResponse): void {
  expect(response.status).toBe(403);
  expect(response.text).toMatch(
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/,
  );
}

describe('local S3 gateway: only signed requests reach the store', () => {
  let key: string;
  beforeAll(async () => {
    key = uniqueKey();
    await putVideo(key);
  });

  it('refuses an unsigned GET of an object with 403 AccessDenied', async () => {
    expectAccessDenied(await rawRequest('GET', `/${s3.bucket}/${key}`));
  });

  it.each([
    ['ListObjects', ''],
    ['ListObjectsV2', '?list-type=2'],
    ['ListObjectVersions', '?versions'],
  ])('refuses an unsigned %s of the bucket with 403 AccessDenied', async (_case, query) => {
    expectAccessDenied(await rawRequest('GET', `/${s3.bucket}${query}`));
  });

  it('refuses an unsigned HEAD with 403', async () => {
    const response = await rawRequest('HEAD', `/${s3.bucket}/${key}`);

    expect(response.status).toBe(403);
    expect(response.text).toBe('');
  });

  it('refuses an unsigned PUT over an existing object, which keeps its bytes', async () => {
    expectAccessDenied(await rawRequest('PUT', `/${s3.bucket}/${key}`, { body: Buffer.from('not a video') }));

    expect(sameBytes(await store.readAll(key), video)).toBe(true);
  });

  it('refuses an unsigned DELETE, and the object is still there', async () => {
    expectAccessDenied(await rawRequest('DELETE', `/${s3.bucket}/${key}`));

    expect(await store.head(key)).toMatchObject({ bytes: video.length });
  });

  it('refuses a request that only looks signed (an Authorization header with a made-up signature)', async () => {
    const response = await rawRequest('GET', `/${s3.bucket}/${key}`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${s3.credentials.accessKeyId}/20260101/${REGION}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
        'x-amz-date': new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, ''),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    });

    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses an SDK request signed with the wrong secret key', async () => {
    const wrongKey = new S3Client({
      region: REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    });

    const error = await wrongKey.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key })).catch((caught: unknown) => caught);
    wrongKey.destroy();

    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  it('refuses a signed PUT whose body is not the one signed', async () => {
    const { host } = new URL(s3.endpoint);
    const path = `/${s3.bucket}/${uniqueKey()}`;
    const signed = await sigV4().sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: host,
      path,
      query: {},
      headers: { host, 'x-amz-content-sha256': createHash('sha256').update('the signed body').digest('hex') },
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);

    const response = await rawRequest('PUT', path, { headers, body: Buffer.from('another body') });

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
  });

  it('serves a signed ListObjectsV2 to the SDK', async () => {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: key }));

    expect(page.Contents?.map((object) => object.Key)).toEqual([key]);
  });

  it('serves a presigned GET URL (query-string SigV4) to a plain HTTP client', async () => {
    const response = await fetch(await presignGet(key));

    expect(response.status).toBe(200);
    expect(sameBytes(new Uint8Array(await response.arrayBuffer()), video)).toBe(true);
  });

  it('refuses a presigned GET URL whose signature was tampered with', async () => {
    const url = new URL(await presignGet(key));
    const signature = url.searchParams.get('X-Amz-Signature') ?? '';
    url.searchParams.set('X-Amz-Signature', `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}`);

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses a presigned GET URL used for another key', async () => {
    const other = uniqueKey();
    await putVideo(other);
    const url = (await presignGet(key)).replace(key, other);

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses a presigned GET URL past its expiry', async () => {
    const url = await presignGet(key, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Message>Request has expired</Message>');
  });

  it('refuses a presigned GET URL signed with another secret', async () => {
    const response = await fetch(await presignGet(key, { secret: 'not-the-secret' }));

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('local S3 gateway: no key leaves the data directory', () => {
  const marker = `escaped-${process.pid}-${Date.now()}`;
  /** Where s3rver would have written a key, and the directories around the data directory. */
  const landingSpots = (key: string): string[] => [
    `${resolve(s3.directory, s3.bucket, key)}._S3rver_object`,
    `${resolve(s3.directory, s3.bucket, key.replace(/\\/g, '/'))}._S3rver_object`,
  ];
  const strayFiles = (): string[] =>
    [tmpdir(), resolve(s3.directory, '..', '..'), resolve(s3.directory, '..')].flatMap((directory) =>
      existsSync(directory) ? readdirSync(directory).filter((name) => name.includes(marker)) : [],
    );

  it.each([
    ['.. segments', `../../${marker}`, `/../../${marker}`],
    ['%2F-encoded ..', `../../${marker}`, `/..%2F..%2F${marker}`],
    ['%2e-encoded dots', `checks/../../../${marker}`, `/checks/%2e%2e/%2E%2E/%2e%2e/${marker}`],
    ['backslashes', `..\\..\\${marker}`, `/..%5C..%5C${marker}`],
    ['an absolute path', `/tmp/${marker}`, `/%2Ftmp%2F${marker}`],
    ['a NUL byte', `checks/${marker}\u0000.txt`, `/checks/${marker}%00.txt`],
    ['a single-dot segment', `checks/./${marker}`, `/checks/%2e/${marker}`],
  ])('refuses a signed PUT with a key made of %s, and writes nothing outside', async (_case, key, rawKeyPath) => {
    const response = await signedRawRequest('PUT', `/${s3.bucket}${rawKeyPath}`, Buffer.from('escape attempt'));

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>InvalidArgument</Code>');
    for (const spot of landingSpots(key)) expect(existsSync(spot)).toBe(false);
    expect(strayFiles()).toEqual([]);
  });

  it('refuses an unsigned PUT with a traversal key and writes nothing outside', async () => {
    const response = await rawRequest('PUT', `/${s3.bucket}/..%2F..%2F${marker}`, { body: Buffer.from('escape attempt') });

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(strayFiles()).toEqual([]);
  });

  it('refuses a correctly signed POST form whose key escapes', async () => {
    const key = `../../${marker}`;
    const form = await createPresignedPost(clients.s3, {
      Bucket: s3.bucket,
      Key: key,
      Conditions: [['starts-with', '$Content-Type', 'video/']],
      Expires: 60,
    });

    const response = await upload(form);

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>InvalidArgument</Code>');
    for (const spot of landingSpots(key)) expect(existsSync(spot)).toBe(false);
    expect(strayFiles()).toEqual([]);
  });
});

/** A multipart body built by hand, so its parts can be malformed or ambiguous on purpose. */
function multipartBody(boundary: string, parts: readonly { headers: readonly string[]; body: Buffer | string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`),
      Buffer.from(part.body),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The signed form's fields as parts, then Content-Type, then the file. */
function formParts(form: UploadForm, file: Buffer = video): { headers: string[]; body: Buffer | string }[] {
  return [
    ...Object.entries(form.fields).map(([name, value]) => ({
      headers: [`Content-Disposition: form-data; name="${name}"`],
      body: value,
    })),
    { headers: ['Content-Disposition: form-data; name="Content-Type"'], body: 'video/mp4' },
    { headers: ['Content-Disposition: form-data; name="file"; filename="capture.mp4"', 'Content-Type: video/mp4'], body: file },
  ];
}

async function postRaw(
  body: Buffer,
  boundary = 'raw-boundary',
  endpoint = s3.endpoint,
  path = `/${s3.bucket}`,
): Promise<RawResponse> {
  return rawRequest('POST', path, { endpoint, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
}

describe('local S3 gateway: the gate and the store read a form the same way', () => {
  it('accepts a hand-built form (the raw helper is sound)', async () => {
    const form = await videoForm();

    const response = await postRaw(multipartBody('raw-boundary', formParts(form)));

    expect(response.status).toBe(204);
    expect(await store.head(form.fields.key ?? '')).toMatchObject({ bytes: video.length });
    await nextRecord();
  });

  it('refuses a part with two Content-Disposition headers (one key for the gate, another for the store)', async () => {
    const form = await videoForm();
    const victim = uniqueKey();
    const parts = formParts(form).map((part) =>
      part.body === form.fields.key
        ? {
            headers: ['Content-Disposition: form-data; name="x-ignore-a"', 'Content-Disposition: form-data; name="key"'],
            body: victim,
          }
        : part,
    );

    const response = await postRaw(multipartBody('raw-boundary', parts));

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>MalformedPOSTRequest</Code>');
    expect(await store.head(victim)).toBeUndefined();
    await expectNothingStored(form);
  });

  it('stores under the key the gate checked when the field is spelled `Key` (names are case-insensitive)', async () => {
    const form = await videoForm();
    const parts = formParts(form).map((part) =>
      part.body === form.fields.key ? { headers: ['Content-Disposition: form-data; name="Key"'], body: part.body } : part,
    );

    const response = await postRaw(multipartBody('raw-boundary', parts));

    expect(response.status).toBe(204);
    expect(await store.head(form.fields.key ?? '')).toMatchObject({ bytes: video.length });
    await nextRecord();
  });

  it('refuses a form with the key field twice', async () => {
    const form = await videoForm();
    const victim = uniqueKey();
    const parts = formParts(form);
    parts.splice(parts.length - 1, 0, { headers: ['Content-Disposition: form-data; name="key"'], body: victim });

    const response = await postRaw(multipartBody('raw-boundary', parts));

    expect(response.status).toBe(400);
    expect(response.text).toContain('appears more than once');
    expect(await store.head(victim)).toBeUndefined();
    await expectNothingStored(form);
  });

  it.each([
    ['an extended name*= parameter', 'Content-Disposition: form-data; name="x-ignore-a"; name*=UTF-8\'\'key'],
    ['an escaped quote in the name', 'Content-Disposition: form-data; name="x-ignore-\\"a"'],
    ['a repeated name parameter', 'Content-Disposition: form-data; name="x-ignore-a"; name="key"'],
    ['a transfer encoding', 'Content-Disposition: form-data; name="x-ignore-a"\r\nContent-Transfer-Encoding: base64'],
    [
      'a second Content-Type',
      'Content-Disposition: form-data; name="x-ignore-a"\r\nContent-Type: text/plain\r\nContent-Type: video/mp4',
    ],
  ])('refuses a part header with %s', async (_case, headerLines) => {
    const form = await videoForm();
    const parts = [{ headers: [headerLines], body: uniqueKey() }, ...formParts(form)];

    const response = await postRaw(multipartBody('raw-boundary', parts));

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>MalformedPOSTRequest</Code>');
    await expectNothingStored(form);
  });
});

/** Sends the headers and half the body of a form POST, then drops the connection. */
async function disconnectMidUpload(endpoint: string, path: string, body: Buffer): Promise<void> {
  const { hostname, port } = new URL(endpoint);
  await new Promise<void>((resolvePromise) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          `Content-Type: multipart/form-data; boundary=raw-boundary\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body.subarray(0, body.length / 2), () => {
        setTimeout(() => {
          socket.destroy();
          resolvePromise();
        }, 50);
      });
    });
    socket.on('error', () => resolvePromise());
  });
}

/** Sends bytes that are not HTTP and returns what came back. */
function sendGarbage(endpoint: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(endpoint);
  return new Promise<string>((resolvePromise) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolvePromise(received));
    socket.on('error', () => resolvePromise(received));
  });
}

describe('local S3 gateway: broken requests are answered and the gateway stays up', () => {
  it.each([
    [
      'a part header line without a colon',
      (form: UploadForm) =>
        multipartBody('raw-boundary', [{ headers: ['Content-Disposition form-data'], body: 'x' }, ...formParts(form)]),
    ],
    [
      'a folded part header',
      (form: UploadForm) =>
        multipartBody('raw-boundary', [
          { headers: ['Content-Disposition: form-data;', ' name="x-ignore-a"'], body: 'x' },
          ...formParts(form),
        ]),
    ],
    ['a part with no header section end', () => Buffer.from('--raw-boundary\r\nContent-Disposition: form-data; name="key"')],
    ['no closing boundary', (form: UploadForm) => multipartBody('raw-boundary', formParts(form)).subarray(0, -20)],
    ['garbage', () => Buffer.from('\u0000\u0001 this is not multipart at all')],
  ])('answers a form with %s with 400 MalformedPOSTRequest', async (_case, build) => {
    const form = await videoForm();

    const response = await postRaw(build(form));

    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>MalformedPOSTRequest</Code>');
    await expectNothingStored(form);
  });

  it('answers a form whose boundary is missing or repeated with 400', async () => {
    const missing = await rawRequest('POST', `/${s3.bucket}`, {
      headers: { 'content-type': 'multipart/form-data' },
      body: Buffer.from('x'),
    });
    const repeated = await rawRequest('POST', `/${s3.bucket}`, {
      headers: { 'content-type': 'multipart/form-data; boundary=a; boundary=b' },
      body: Buffer.from('--a\r\n'),
    });

    expect(missing.status).toBe(412);
    expect(missing.text).toContain('<Code>PreconditionFailed</Code>');
    expect(repeated.status).toBe(400);
  });

  it('survives a client that disconnects mid-upload, and serves the next upload', async () => {
    const form = await videoForm();
    const body = multipartBody('raw-boundary', formParts(form));
    await disconnectMidUpload(s3.endpoint, `/${s3.bucket}`, body);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));

    await expectNothingStored(form);
    const next = await videoForm();
    expect((await upload(next)).status).toBe(204);
    await nextRecord();
  });

  it('answers a malformed HTTP request with 400 and keeps serving', async () => {
    const answer = await sendGarbage(s3.endpoint, `POST /${s3.bucket} HTTP/1.1\r\nBad Header\r\n\r\n`);

    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const form = await videoForm();
    expect((await upload(form)).status).toBe(204);
    await nextRecord();
  });

  it('answers 500 when the store cannot write the object file, and keeps serving', async () => {
    // A directory where the object file must go makes the store's write stream fail, as a
    // re-posted part does when the processor deletes the check's media while it is written.
    const key = uniqueKey();
    await mkdir(`${resolve(s3.directory, s3.bucket, key)}._S3rver_object`, { recursive: true });
    const form = await videoFormFor(key);

    const response = await upload(form);

    expect(response.status).toBe(500);
    expect(response.text).toContain('<Code>InternalError</Code>');
    const next = await videoForm();
    expect((await upload(next)).status).toBe(204);
    await nextRecord();
  });
});

function videoFormFor(key: string): Promise<UploadForm> {
  return signer.presignPost({ key, maxBytes: 10_000_000, contentTypePrefix: 'video/', expiresInSeconds: 60 });
}

describe('S3UploadSigner', () => {
  it('signs a form that pins the key and bounds size and content type, leaving Content-Type to the client', async () => {
    const form = await signer.presignPost({
      key: 'checks/x/video',
      maxBytes: 5000,
      contentTypePrefix: 'video/',
      expiresInSeconds: 120,
    });
    const policy = JSON.parse(Buffer.from(form.fields.Policy ?? '', 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };

    expect(form.url).toBe(`${s3.endpoint}/${s3.bucket}`);
    expect(form.fields).toMatchObject({ key: 'checks/x/video', bucket: s3.bucket, 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    expect(form.fields['Content-Type']).toBeUndefined();
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { key: 'checks/x/video' },
        ['content-length-range', 1, 5000],
        ['starts-with', '$Content-Type', 'video/'],
      ]),
    );
    const secondsLeft = (Date.parse(policy.expiration) - Date.now()) / 1000;
    expect(secondsLeft).toBeGreaterThan(110);
    expect(secondsLeft).toBeLessThanOrEqual(120);
  });

  it.each([
    ['a key with ${filename}', { key: 'checks/${filename}' }],
    ['a zero size limit', { maxBytes: 0 }],
    ['an empty content type prefix', { contentTypePrefix: '' }],
    ['an expiry beyond seven days', { expiresInSeconds: 8 * 24 * 3600 }],
  ])('refuses to sign %s', async (_case, override) => {
    await expect(
      signer.presignPost({ key: 'checks/x/video', maxBytes: 10, contentTypePrefix: 'video/', expiresInSeconds: 60, ...override }),
    ).rejects.toBeInstanceOf(RangeError);
  });
});

describe('local S3 gateway: temporary data', () => {
  it('removes its data directory when the process exits without closing the gateway', () => {
    const gatewayModule = new URL('../../local/s3-gateway.ts', import.meta.url).pathname;
    const script =
      `import { startLocalS3 } from ${JSON.stringify(gatewayModule)};` +
      'const s3 = await startLocalS3(); console.log(s3.directory); process.exit(0);';

    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const directory = child.stdout.trim().split('\n').at(-1) ?? '';

    expect(directory).toContain(join(tmpdir(), 'liveness-s3-'));
    expect(existsSync(directory)).toBe(false);
  });

  it('reaps a data directory left by a killed run and removes its own on close', async () => {
    // The pid of a process that has exited: its directory is stale.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = join(tmpdir(), `liveness-s3-${deadPid}-stale${Date.now()}`);
    mkdirSync(join(stale, 'liveness-media', 'checks'), { recursive: true });
    writeFileSync(join(stale, 'owner.pid'), String(deadPid));
    // A directory of a live process (this one) is left alone.
    const live = join(tmpdir(), `liveness-s3-${process.pid}-live${Date.now()}`);
    mkdirSync(live);
    writeFileSync(join(live, 'owner.pid'), String(process.pid));

    const second = await startLocalS3();
    const ownDirectory = second.directory;
    const ownExisted = existsSync(join(ownDirectory, 'owner.pid'));
    await second.close();

    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(ownExisted).toBe(true);
    expect(existsSync(ownDirectory)).toBe(false);
    rmSync(live, { recursive: true, force: true });
  });
});

describe('local stack: the S3 gate and the API behind it', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('survives broken and hostile requests to S3 and still runs a whole check afterwards', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video'] });
    const form = check.uploads.video;
    if (form === undefined) throw new Error('no video form');
    const formBody = multipartBody('raw-boundary', formParts(form));
    const endpoint = stack.s3Endpoint;
    const bucketPath = `/${stack.bucket}`;

    const malformed = await rawRequest('POST', bucketPath, {
      endpoint,
      headers: { 'content-type': 'multipart/form-data; boundary=raw-boundary' },
      body: Buffer.from('--raw-boundary\r\nContent-Disposition form-data\r\n\r\nx\r\n--raw-boundary--\r\n'),
    });
    const twoDispositions = await rawRequest('POST', bucketPath, {
      endpoint,
      headers: { 'content-type': 'multipart/form-data; boundary=raw-boundary' },
      body: multipartBody('raw-boundary', [
        {
          headers: ['Content-Disposition: form-data; name="x-ignore-a"', 'Content-Disposition: form-data; name="key"'],
          body: 'checks/x/video',
        },
        ...formParts(form),
      ]),
    });
    await disconnectMidUpload(endpoint, bucketPath, formBody);
    const garbage = await sendGarbage(endpoint, 'GET /\u0000 nonsense\r\n\r\n');
    const unsignedList = await rawRequest('GET', `${bucketPath}?list-type=2`, { endpoint });
    const unsignedPut = await rawRequest('PUT', `${bucketPath}/${form.fields.key ?? ''}`, { endpoint, body: Buffer.from('x') });

    expect(malformed.status).toBe(400);
    expect(twoDispositions.status).toBe(400);
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(unsignedList.status).toBe(403);
    expect(unsignedPut.status).toBe(403);
    expect((await postRaw(formBody, 'raw-boundary', endpoint, bucketPath)).status).toBe(204);
    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
  });

  it('lets the capture page (the API origin) upload cross-origin to S3, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.s3Endpoint}/${stack.bucket}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const pageOrigin = new URL(stack.apiUrl).origin;
    const localhostAlias = `http://localhost:${new URL(stack.apiUrl).port}`;

    expect((await preflight(pageOrigin)).headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect((await preflight(localhostAlias)).headers.get('access-control-allow-origin')).toBe(localhostAlias);
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers no CORS on the API for an origin that is not configured', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/checks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
