// The policy-enforcing local S3 gateway with the real S3 adapters: forms from S3UploadSigner,
// uploads with fetch + FormData as a browser sends them, reads through S3MediaStore.
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/adapters/aws/clients';
import type { AwsClients } from '../../src/adapters/aws/clients';
import { MediaObjectNotFoundError } from '../../src/adapters/aws/errors';
import { S3MediaStore } from '../../src/adapters/aws/s3-media-store';
import { S3UploadSigner } from '../../src/adapters/aws/s3-upload-signer';
import type { UploadForm, UploadFormRequest } from '../../src/core/ports';
import { startLocalS3 } from '../../local/s3-gateway';
import type { LocalS3Gateway } from '../../local/s3-gateway';

const VIDEO_PATH = new URL('../fixtures/media/face_moving.mp4', import.meta.url);
// A region other than the SDK's usual default proves the gateway reports its configured one.
const REGION = 'eu-west-1';

let s3: LocalS3Gateway;
let clients: AwsClients;
let signer: S3UploadSigner;
let store: S3MediaStore;
let video: Buffer;
let records: S3EventRecord[];
let keyCounter = 0;

beforeAll(async () => {
  video = await readFile(VIDEO_PATH);
  s3 = await startLocalS3({ bucket: 'media-test', region: REGION });
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

  it('lets a browser read why an upload was refused (CORS headers on the error)', async () => {
    const form = await videoForm();

    const response = await upload(form, { contentType: 'text/html', origin: 'http://localhost:5173' });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a CORS preflight for the form POST from any origin', async () => {
    const response = await fetch(`${s3.endpoint}/${s3.bucket}`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
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

  it('stores a PutObject byte for byte and reports it as ObjectCreated:Put', async () => {
    records = [];
    const putKey = uniqueKey();

    await clients.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: putKey, Body: video, ContentType: 'video/mp4' }));
    const record = await nextRecord();

    expect(record).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: putKey, size: video.length } } });
    expect(sameBytes(await store.readAll(putKey), video)).toBe(true);
  });
});

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
