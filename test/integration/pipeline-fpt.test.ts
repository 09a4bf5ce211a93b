// Issue: the whole pipeline end to end with FPT.AI over the local stack — real SDK clients, real
// HTTP, the real FPT simulator, real media.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFptSimulator } from '../../src/providers/fpt/simulator';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

let stack: LocalStack;

function providerCalls(): number {
  return stack.simulators.fpt?.stats().calls ?? Number.NaN;
}

async function runCheck(video: Uint8Array, reference: Uint8Array = ID_PHOTO) {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  const videoForm = check.uploads.video;
  const referenceForm = check.uploads.reference;
  if (!videoForm || !referenceForm) throw new Error('missing upload forms');
  await uploadOk(videoForm, video, 'video/mp4');
  await uploadOk(referenceForm, reference, 'image/jpeg');
  return { check, body: await waitForEnd(stack.apiUrl, check.checkId) };
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

describe('FPT pipeline over the local stack', () => {
  it('passes a live, matching capture and keeps scores out of the poll view', async () => {
    const { check, body } = await runCheck(VIDEO);
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', provider: 'fpt', reasons: [] });
    expect(body.liveness).toMatchObject({ live: true });
    expect(body.faceMatch).toMatchObject({ matched: true });
    expect(body.media).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ part: 'video', container: 'mp4', bytes: VIDEO.length }),
        expect.objectContaining({ part: 'reference', container: 'jpeg', bytes: ID_PHOTO.length }),
      ]),
    );
    const view = await poll(stack.apiUrl, check.checkId, check.pollToken);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ checkId: check.checkId, status: 'COMPLETED', decision: 'PASS' });
    expect(Object.keys(view.body).sort()).toEqual(['checkId', 'decision', 'reasons', 'status', 'updatedAt']);
    expect(JSON.stringify(view.body)).not.toMatch(/score|liveness|faceMatch|provider/);
  });

  it.each([
    ['spoof', 'FAIL', 'SPOOF_DETECTED'],
    ['multiple_faces', 'RETRY', 'MULTIPLE_FACES'],
    ['review', 'REVIEW', 'NEEDS_REVIEW'],
  ])('maps the %s scenario to %s / %s', async (scenario, decision, code) => {
    const { body } = await runCheck(withScenarioMarker(VIDEO, 'mp4', scenario));
    expect(body).toMatchObject({ status: 'COMPLETED', decision });
    expect(body.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code })]));
  });

  it('ends FAILED / PROVIDER_AUTH_FAILED when the provider answers 401', async () => {
    const { body } = await runCheck(withScenarioMarker(VIDEO, 'mp4', 'auth_failure'));
    expect(body).toMatchObject({ status: 'FAILED', reasons: [expect.objectContaining({ code: 'PROVIDER_AUTH_FAILED' })] });
    expect(body.decision).toBeUndefined();
  });

  it.each(['native', 'flat'])('reads a spoof verdict in the %s response shape', async (format) => {
    const { body } = await runCheck(withScenarioMarker(VIDEO, 'mp4', format === 'flat' ? 'spoof&format=flat' : 'spoof'));
    expect(body).toMatchObject({
      status: 'COMPLETED',
      decision: 'FAIL',
      reasons: [expect.objectContaining({ code: 'SPOOF_DETECTED' })],
    });
    expect(body.liveness).toMatchObject({ live: false });
  });

  it('calls the provider once when the parts arrive in reverse order and an S3 event is delivered twice', async () => {
    const before = providerCalls();
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    await uploadOk(check.uploads.reference as CreatedCheck['uploads'][string], ID_PHOTO, 'image/jpeg');
    await uploadOk(check.uploads.video as CreatedCheck['uploads'][string], VIDEO, 'video/mp4');
    const body = await waitForEnd(stack.apiUrl, check.checkId);
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });

    const records = stack.createdRecords.filter((record) => record.s3.object.key.includes(check.checkId));
    expect(records).toHaveLength(2);
    await Promise.all(records.flatMap((record) => [stack.deliver(record), stack.deliver(record)]));
    await stack.idle();

    expect(providerCalls() - before).toBe(1);
    const audit = await stack.deps.audit.list(check.checkId);
    expect(audit.filter((entry) => entry.type === 'PROVIDER_REQUEST')).toHaveLength(1);
    expect(audit.filter((entry) => entry.type === 'RESULT_RECORDED')).toHaveLength(1);
  });

  it('refuses a JPEG sent as the video with RETRY / UNSUPPORTED_FORMAT and never calls the provider', async () => {
    const before = providerCalls();
    const { body } = await runCheck(ID_PHOTO);
    expect(body).toMatchObject({
      status: 'COMPLETED',
      decision: 'RETRY',
      reasons: [expect.objectContaining({ code: 'UNSUPPORTED_FORMAT' })],
    });
    await stack.idle();
    expect(providerCalls()).toBe(before);
  });

  it('keeps an audit trail of every step, without media or tokens', async () => {
    const { check } = await runCheck(VIDEO);
    const audit = await stack.deps.audit.list(check.checkId);
    expect(audit.map((entry) => entry.type)).toEqual(
      expect.arrayContaining([
        'CHECK_CREATED',
        'PART_RECEIVED',
        'MEDIA_CHECKED',
        'PROVIDER_REQUEST',
        'PROVIDER_RESPONSE',
        'RESULT_RECORDED',
      ]),
    );
    const received = audit.filter((entry) => entry.type === 'PART_RECEIVED');
    expect(received).toHaveLength(2);
    for (const entry of received) expect(entry.detail).toMatchObject({ bytes: expect.any(Number), etag: expect.any(String) });
    const response = audit.find((entry) => entry.type === 'PROVIDER_RESPONSE');
    expect(response?.detail).toMatchObject({
      httpStatus: 200,
      latencyMs: expect.any(Number),
      body: expect.stringContaining('"code"'),
    });
    const text = JSON.stringify(audit);
    expect(text).not.toContain(check.pollToken);
    expect(text).not.toContain(Buffer.from(VIDEO.subarray(1000, 1060)).toString('base64'));
  });
});

describe('poll route', () => {
  let first: CreatedCheck;
  let second: CreatedCheck;
  beforeAll(async () => {
    first = await createCheck(stack.apiUrl, {});
    second = await createCheck(stack.apiUrl, {});
  });

  it('answers the right token with the status', async () => {
    const response = await poll(stack.apiUrl, first.checkId, first.pollToken);
    expect(response).toMatchObject({ status: 200, body: { checkId: first.checkId, status: 'AWAITING_UPLOAD' } });
  });

  it.each([
    ['no token', () => undefined],
    ['a wrong token', () => `${first.pollToken.slice(0, -2)}xx`],
    ["another check's token", () => second.pollToken],
  ])('refuses %s with 401 and the same body as for an unknown check', async (_label, token) => {
    const refused = await poll(stack.apiUrl, first.checkId, token());
    const unknown = await poll(stack.apiUrl, '00000000-0000-4000-8000-000000000000', first.pollToken);
    expect(refused.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(refused.body).toEqual(unknown.body);
    expect(JSON.stringify(refused.body)).not.toContain(first.checkId);
  });

  it('answers 404 on the result route for an unknown check', async () => {
    const response = await result(stack.apiUrl, '00000000-0000-4000-8000-000000000000');
    expect(response).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});

describe('create route', () => {
  it.each([
    [{ provider: 'acme' }, /provider "acme" is not enabled/],
    [{ parts: ['video', 'selfie'] }, /cannot take parts/],
    [{ parts: ['face'] }, /parts/],
    [{ externalRef: 'x'.repeat(129) }, /externalRef/],
    [{ unexpected: true }, /unexpected|Unrecognized/i],
    ['{not json', /not valid JSON/],
  ])('refuses %j with 400 saying which', async (body, message) => {
    const response = await fetch(`${stack.apiUrl}/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(400);
    expect(json.error.code).toBe('INVALID_REQUEST');
    expect(json.error.message).toMatch(message);
  });
});

describe('FPT_ENDPOINT', () => {
  it('sends checks to the configured endpoint instead of the built-in simulator', async () => {
    const other = await startFptSimulator({ apiKey: 'operator-key' });
    const custom = await startLocalStack({ port: 0, env: { FPT_ENDPOINT: other.url, FPT_API_KEY: 'operator-key' } });
    try {
      expect(custom.simulators.fpt).toBeUndefined();
      const check = await createCheck(custom.apiUrl, { parts: ['video'] });
      await uploadOk(check.uploads.video as CreatedCheck['uploads'][string], VIDEO, 'video/mp4');
      const body = await waitForEnd(custom.apiUrl, check.checkId);
      expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
      expect(other.stats().calls).toBe(1);
    } finally {
      await custom.stop();
      await other.close();
    }
  });
});
