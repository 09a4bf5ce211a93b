// The typed client against the local stack: real presigned forms, the policy-enforcing S3 gate,
// the real poll route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import {
  AbortedError,
  CheckTimeoutError,
  fetchUploadTransport,
  LivenessApiError,
  LivenessClient,
  UploadRefusedError,
  type CheckStatusResponse,
  type UploadProgress,
} from '../../src/client';
import { nodeUploadTransport } from '../../src/client/node';
import { fixture } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

let stack: LocalStack;
let client: LivenessClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {} });
  client = new LivenessClient({ apiUrl: stack.apiUrl, uploadTransport: nodeUploadTransport });
});
afterAll(async () => {
  await stack?.stop();
});

describe('upload', () => {
  it('reports monotonic progress that ends at the total, then the check passes', async () => {
    const created = await client.createCheck({ parts: ['video', 'reference'] });
    const session = client.session(created);
    const progress: UploadProgress[] = [];

    await session.upload('video', new Blob([VIDEO], { type: 'video/mp4' }), { onProgress: (event) => progress.push(event) });
    await session.upload('reference', ID_PHOTO, { contentType: 'image/jpeg' });

    expect(progress.length).toBeGreaterThanOrEqual(5);
    const loaded = progress.map((event) => event.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(new Set(loaded).size).toBe(loaded.length);
    const last = progress.at(-1);
    expect(last?.loaded).toBe(last?.total);
    // The body is the file plus the form fields around it.
    expect(last?.total).toBeGreaterThan(VIDEO.length);
    expect(last?.total).toBeLessThan(VIDEO.length + 8_000);
    expect(progress.every((event) => event.part === 'video' && event.total === last?.total)).toBe(true);

    const seen: CheckStatusResponse['status'][] = [];
    const view = await session.waitForResult({ onStatus: (status) => seen.push(status.status), initialDelayMs: 100 });
    expect(view).toMatchObject({ checkId: created.checkId, status: 'COMPLETED', decision: 'PASS' });
    expect(seen.at(-1)).toBe('COMPLETED');
    const full = await client.getResult(created.checkId);
    expect(full.media.map((media) => media.part).sort()).toEqual(['reference', 'video']);
  });

  it('drops codec parameters from the content type, which S3 would read as a list', async () => {
    const session = client.session(await client.createCheck({ parts: ['video'] }));
    await session.upload('video', new Blob([VIDEO], { type: 'video/mp4;codecs=avc1,mp4a' }));
    expect((await session.waitForResult({ initialDelayMs: 100 })).decision).toBe('PASS');
  });

  it('also uploads over fetch, where there is neither XMLHttpRequest nor node:http', async () => {
    const created = await client.createCheck({ parts: ['video'] });
    const session = new LivenessClient({ apiUrl: stack.apiUrl, uploadTransport: fetchUploadTransport }).session(created);
    const progress: UploadProgress[] = [];
    await session.upload('video', new Blob([VIDEO], { type: 'video/mp4' }), { onProgress: (event) => progress.push(event) });
    expect(progress.map((event) => event.loaded)).toEqual([0, progress.at(-1)?.total]);
  });

  it('rejects a file over the form limit with UploadRefusedError carrying S3’s code', async () => {
    const created = await client.createCheck({ parts: ['video'] });
    const limit = created.uploads.video?.maxBytes ?? 0;
    const error = await client
      .session(created)
      .upload('video', new Uint8Array(limit + 1), { contentType: 'video/mp4' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UploadRefusedError);
    expect(error).toMatchObject({ part: 'video', status: 400, s3Code: 'EntityTooLarge' });
  });

  it('rejects a content type the form does not allow with AccessDenied', async () => {
    const created = await client.createCheck({ parts: ['video'] });
    const error = await client
      .session(created)
      .upload('video', ID_PHOTO, { contentType: 'image/jpeg' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'UploadRefusedError', status: 403, s3Code: 'AccessDenied' });
  });

  it('stops an upload when aborted', async () => {
    const session = client.session(await client.createCheck({ parts: ['video'] }));
    const controller = new AbortController();
    const upload = session.upload('video', new Uint8Array(9 * 1024 * 1024), {
      contentType: 'video/mp4',
      signal: controller.signal,
      onProgress: (event) => {
        if (event.loaded > 1024 * 1024) controller.abort();
      },
    });
    await expect(upload).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('waitForResult', () => {
  it('stops promptly with an AbortError when aborted while waiting', async () => {
    const session = client.session(await client.createCheck({ parts: ['video'] }));
    const controller = new AbortController();
    const waiting = session.waitForResult({ signal: controller.signal }).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const abortedAt = Date.now();
    controller.abort();
    const error = await waiting;
    expect(Date.now() - abortedAt).toBeLessThan(100);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it('gives up with CheckTimeoutError naming the last status', async () => {
    const session = client.session(await client.createCheck({ parts: ['video'] }));
    const error = await session.waitForResult({ timeoutMs: 300, initialDelayMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckTimeoutError);
    expect(error).toMatchObject({ lastStatus: 'AWAITING_UPLOAD', timeoutMs: 300 });
  });

  it('rejects at once with LivenessApiError 401 for a wrong poll token', async () => {
    const created = await client.createCheck({ parts: ['video'] });
    const session = client.session({ ...created, pollToken: `${created.pollToken.slice(0, -2)}xx` });
    const error = await session.waitForResult().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LivenessApiError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });
});

describe('backend calls', () => {
  it('turns a refused create into LivenessApiError with the API’s code and message', async () => {
    const error = await client.createCheck({ provider: 'acme' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LivenessApiError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('acme') });
  });

  it('turns an unknown check into LivenessApiError 404', async () => {
    const error = await client.getResult('00000000-0000-4000-8000-000000000000').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'LivenessApiError', status: 404, code: 'NOT_FOUND' });
  });
});
