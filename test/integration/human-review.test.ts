// Human review over the local stack: a REVIEW check is queued, its media can be viewed through a
// presigned GET the local S3 gate verifies, and a person's decision settles it exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');
const REVIEW_VIDEO = withScenarioMarker(VIDEO, 'mp4', 'review');

let stack: LocalStack;
let applicants = 0;

async function runCheck(video: Uint8Array) {
  // One applicant per check: the attempt cap is not what these tests are about.
  applicants += 1;
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'], externalRef: `applicant-${applicants}` });
  const videoForm = check.uploads.video;
  const referenceForm = check.uploads.reference;
  if (!videoForm || !referenceForm) throw new Error('missing upload forms');
  await uploadOk(videoForm, video, 'video/mp4');
  await uploadOk(referenceForm, ID_PHOTO, 'image/jpeg');
  return { check, body: await waitForEnd(stack.apiUrl, check.checkId) };
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const review = (checkId: string, body: unknown) => call('POST', `/v1/checks/${checkId}/review`, body);
const queuedIds = async (query = '') =>
  ((await call('GET', `/v1/reviews${query}`)).body.items as { checkId: string }[]).map((item) => item.checkId);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

describe('human review over the local stack', () => {
  it('queues a REVIEW check, serves its exact media, settles it with the reviewer’s decision and deletes the media', async () => {
    // Prepare
    const { check, body } = await runCheck(REVIEW_VIDEO);
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'REVIEW' });
    const externalRef = `applicant-${applicants}`;

    // Act / Assess: listed with what a reviewer needs to pick it
    const queue = await call('GET', '/v1/reviews');
    expect(queue.status).toBe(200);
    const items = queue.body.items as Record<string, unknown>[];
    expect(items.find((item) => item.checkId === check.checkId)).toEqual({
      checkId: check.checkId,
      externalRef,
      provider: 'fpt',
      reasons: [expect.objectContaining({ code: 'NEEDS_REVIEW' })],
      completedAt: (body.timings as { completedAt: string }).completedAt,
    });

    // The presigned link downloads exactly the uploaded bytes, and the view is audited
    const before = Date.now();
    const link = await call('GET', `/v1/checks/${check.checkId}/media/video`);
    expect(link.status).toBe(200);
    const expiresAt = Date.parse(String(link.body.expiresAt));
    expect(expiresAt).toBeGreaterThan(before);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    expect(new URL(String(link.body.url)).searchParams.get('X-Amz-Expires')).toBe('300');
    const download = await fetch(String(link.body.url));
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(REVIEW_VIDEO))).toBe(true);
    const viewed = (await stack.deps.audit.list(check.checkId)).filter((entry) => entry.type === 'MEDIA_VIEWED');
    expect(viewed).toEqual([expect.objectContaining({ detail: expect.objectContaining({ part: 'video' }) })]);

    // A tampered link is refused by the S3 gate
    const tampered = new URL(String(link.body.url));
    tampered.pathname = tampered.pathname.replace(/video$/, 'reference');
    expect((await fetch(tampered)).status).toBe(403);

    // Decide
    const decided = await review(check.checkId, { decision: 'PASS', reviewer: 'alice', note: 'Same person, good light.' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      checkId: check.checkId,
      status: 'COMPLETED',
      decision: 'PASS',
      // The provider's own answer stays.
      reasons: [expect.objectContaining({ code: 'NEEDS_REVIEW' })],
      review: { decision: 'PASS', reviewer: 'alice', note: 'Same person, good light.', previousDecision: 'REVIEW' },
    });
    expect(typeof (decided.body.review as { reviewedAt: unknown }).reviewedAt).toBe('string');
    expect(decided.body.mediaDeletedAt).toEqual(expect.any(String));
    expect(await result(stack.apiUrl, check.checkId)).toMatchObject({ status: 200, body: { decision: 'PASS' } });
    expect((await poll(stack.apiUrl, check.checkId, check.pollToken)).body).toMatchObject({ decision: 'PASS' });

    // Media gone, off the queue, audited
    expect((await call('GET', `/v1/checks/${check.checkId}/media/video`)).status).toBe(404);
    expect((await fetch(String(link.body.url))).status).toBe(404);
    expect(await queuedIds()).not.toContain(check.checkId);
    const trail = (await stack.deps.audit.list(check.checkId)).map((entry) => entry.type);
    expect(trail).toEqual(expect.arrayContaining(['REVIEW_DECIDED', 'MEDIA_DELETED']));
    expect(trail.indexOf('RESULT_RECORDED')).toBeLessThan(trail.indexOf('REVIEW_DECIDED'));
    // The note is about the applicant: it stays on the check (erased with it), not in the trail.
    const decidedEntry = (await stack.deps.audit.list(check.checkId)).find((entry) => entry.type === 'REVIEW_DECIDED');
    expect(decidedEntry?.detail).toMatchObject({ reviewer: 'alice', noted: true, requestedBy: 'unauthenticated (local stack)' });
    expect(JSON.stringify(decidedEntry)).not.toContain('good light');

    // A second review is refused
    const second = await review(check.checkId, { decision: 'FAIL', reviewer: 'bob' });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'NOT_AWAITING_REVIEW' } } });
  });

  it('lets exactly one of two racing reviewers decide', async () => {
    const { check } = await runCheck(REVIEW_VIDEO);

    const answers = await Promise.all([
      review(check.checkId, { decision: 'PASS', reviewer: 'alice' }),
      review(check.checkId, { decision: 'FAIL', reviewer: 'bob' }),
    ]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const winner = answers.find((answer) => answer.status === 200);
    expect((await result(stack.apiUrl, check.checkId)).body.review).toEqual(winner?.body.review);
    const decisions = (await stack.deps.audit.list(check.checkId)).filter((entry) => entry.type === 'REVIEW_DECIDED');
    expect(decisions).toHaveLength(1);
  });

  it('refuses to review a check the provider decided (409) and an erased or unknown check (404)', async () => {
    const { check: passed } = await runCheck(VIDEO);
    expect((await review(passed.checkId, { decision: 'FAIL', reviewer: 'alice' })).status).toBe(409);

    const { check: erased } = await runCheck(REVIEW_VIDEO);
    expect((await call('DELETE', `/v1/checks/${erased.checkId}`)).status).toBe(200);
    expect(await queuedIds()).not.toContain(erased.checkId);
    expect(await review(erased.checkId, { decision: 'PASS', reviewer: 'alice' })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect((await call('GET', `/v1/checks/${erased.checkId}/media/video`)).status).toBe(404);
    expect((await review('not-a-check', { decision: 'PASS', reviewer: 'alice' })).status).toBe(404);
  });

  it('answers 400 for a malformed review, limit or nextToken, and 404 for a part the check does not have', async () => {
    const { check } = await runCheck(REVIEW_VIDEO);
    for (const body of [
      {},
      { decision: 'REVIEW', reviewer: 'a' },
      { decision: 'PASS' },
      { decision: 'PASS', reviewer: 'x'.repeat(129) },
    ]) {
      expect((await review(check.checkId, body)).status).toBe(400);
    }
    expect((await review(check.checkId, { decision: 'PASS', reviewer: 'a', note: 'n'.repeat(1001) })).status).toBe(400);
    for (const query of ['?limit=0', '?limit=101', '?limit=ten', '?nextToken=bogus', '?other=1']) {
      const answer = await call('GET', `/v1/reviews${query}`);
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    }
    expect((await call('GET', `/v1/checks/${check.checkId}/media/selfie`)).status).toBe(404);
    expect((await call('GET', `/v1/checks/${check.checkId}/media/passport`)).status).toBe(404);
    // A declared part that never arrived has nothing to show.
    const waiting = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    expect(await call('GET', `/v1/checks/${waiting.checkId}/media/video`)).toMatchObject({
      status: 404,
      body: { error: { code: 'MEDIA_NOT_FOUND' } },
    });
    // Still awaiting a person: nothing above changed it.
    expect(await queuedIds('?limit=100')).toContain(check.checkId);
  });

  it('pages through the queue oldest first', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) ids.push((await runCheck(REVIEW_VIDEO)).check.checkId);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('GET', `/v1/reviews?limit=1${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
      expect(page.status).toBe(200);
      expect((page.body.items as unknown[]).length).toBeLessThanOrEqual(1);
      seen.push(...(page.body.items as { checkId: string }[]).map((item) => item.checkId));
      token = page.body.nextToken as string | undefined;
    } while (token);

    const order = ids.map((id) => seen.indexOf(id));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe('the review window', () => {
  let short: LocalStack;
  beforeAll(async () => {
    short = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0, config: { reviewWindowSeconds: 1 } });
  });
  afterAll(async () => {
    await short?.stop();
  });

  it('keeps a REVIEW check’s media until the window ends, then the sweep deletes it and the check stays REVIEW', async () => {
    const check = await createCheck(short.apiUrl, { parts: ['video', 'reference'] });
    const { video, reference } = check.uploads;
    if (!video || !reference) throw new Error('missing upload forms');
    await uploadOk(video, REVIEW_VIDEO, 'video/mp4');
    await uploadOk(reference, ID_PHOTO, 'image/jpeg');
    const body = await waitForEnd(short.apiUrl, check.checkId);
    expect(body).toMatchObject({ decision: 'REVIEW' });
    expect(body.mediaDeletedAt).toBeUndefined();
    expect((await fetch(`${short.apiUrl}/v1/checks/${check.checkId}/media/video`)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await short.sweep();

    const after = (await result(short.apiUrl, check.checkId)).body;
    expect(after).toMatchObject({ status: 'COMPLETED', decision: 'REVIEW' });
    expect(after.mediaDeletedAt).toEqual(expect.any(String));
    expect((await fetch(`${short.apiUrl}/v1/checks/${check.checkId}/media/video`)).status).toBe(404);
    const queue = (await (await fetch(`${short.apiUrl}/v1/reviews`)).json()) as { items: { checkId: string }[] };
    expect(queue.items.map((item) => item.checkId)).not.toContain(check.checkId);
  });
});
