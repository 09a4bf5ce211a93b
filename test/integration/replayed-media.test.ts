// Replayed media over the local stack: the same live bytes in a second check end it REVIEW /
// DUPLICATE_MEDIA without a provider call; erasing the first check forgets the bytes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, fixture, uploadOk, waitForEnd } from '../support/api-client';
import { scanChecksTable } from '../support/checks-table';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

let stack: LocalStack;

function providerCalls(): number {
  return stack.simulators.fpt?.stats().calls ?? Number.NaN;
}

/** A copy of the video with one byte changed at the very end: other bytes, the same valid mp4 for the simulator. */
function variant(seed: number): Uint8Array {
  const copy = new Uint8Array(VIDEO);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ (seed & 0xff || 1);
  return copy;
}

async function runCheck(video: Uint8Array, externalRef: string, reference: Uint8Array = ID_PHOTO) {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'], externalRef });
  const { video: videoForm, reference: referenceForm } = check.uploads;
  if (!videoForm || !referenceForm) throw new Error('missing upload forms');
  await uploadOk(videoForm, video, 'video/mp4');
  await uploadOk(referenceForm, reference, 'image/jpeg');
  return { checkId: check.checkId, body: await waitForEnd(stack.apiUrl, check.checkId) };
}

beforeAll(async () => {
  // On explicitly: the test runner's default turns the check off for the other suites.
  stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0, duplicateMediaCheck: true });
});
afterAll(async () => {
  await stack?.stop();
});

describe('replayed media', () => {
  it('ends a second check with the same video REVIEW / DUPLICATE_MEDIA naming the first, calling the provider once in total', async () => {
    const video = variant(1);
    const callsBefore = providerCalls();

    const first = await runCheck(video, 'applicant-a');
    const sameApplicant = await runCheck(video, 'applicant-a');
    const otherApplicant = await runCheck(video, 'applicant-b');

    expect(first.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    for (const replay of [sameApplicant, otherApplicant]) {
      expect(replay.body).toMatchObject({
        status: 'COMPLETED',
        decision: 'REVIEW',
        reasons: [expect.objectContaining({ code: 'DUPLICATE_MEDIA' })],
        duplicateOf: first.checkId,
      });
      expect(replay.body.liveness).toBeUndefined();
    }
    expect(providerCalls() - callsBefore).toBe(1);
    // A replay is for a person to look at.
    const queue = (await (await fetch(`${stack.apiUrl}/v1/reviews?limit=100`)).json()) as { items: { checkId: string }[] };
    expect(queue.items.map((item) => item.checkId)).toEqual(expect.arrayContaining([sameApplicant.checkId]));
  });

  it('does not count the same reference photo as a replay', async () => {
    const callsBefore = providerCalls();

    const first = await runCheck(variant(2), 'applicant-c', ID_PHOTO);
    const second = await runCheck(variant(3), 'applicant-c', ID_PHOTO);

    expect([first.body.decision, second.body.decision]).toEqual(['PASS', 'PASS']);
    expect(providerCalls() - callsBefore).toBe(2);
  });

  it('forgets the bytes once the first check is erased', async () => {
    const video = variant(4);
    const first = await runCheck(video, 'applicant-d');
    expect((await fetch(`${stack.apiUrl}/v1/checks/${first.checkId}`, { method: 'DELETE' })).status).toBe(200);
    const callsBefore = providerCalls();

    const again = await runCheck(video, 'applicant-d');

    expect(again.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(again.body.duplicateOf).toBeUndefined();
    expect(providerCalls() - callsBefore).toBe(1);
  });

  it('takes over an entry whose check is gone (erased mid-attempt, after its release ran): no replay, one provider call', async () => {
    // Prepare: an entry names a check that no longer exists, as an attempt still claiming while its
    // check was erased leaves behind.
    const video = variant(6);
    const sha256 = createHash('sha256').update(video).digest('hex');
    const gone = '00000000-0000-4000-8000-00000000dead';
    const fingerprints = stack.deps.fingerprints;
    if (!fingerprints) throw new Error('the replayed-media check is on');
    expect(await fingerprints.claim(sha256, gone, Math.floor(Date.now() / 1000) + 3600)).toBe(gone);
    const callsBefore = providerCalls();

    // Act
    const fresh = await runCheck(video, 'applicant-f');
    const replay = await runCheck(video, 'applicant-g');

    // Assess: the new check is judged and now holds the bytes; a replay of it names it.
    expect(fresh.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(fresh.body.duplicateOf).toBeUndefined();
    expect(replay.body).toMatchObject({ decision: 'REVIEW', duplicateOf: fresh.checkId });
    expect(providerCalls() - callsBefore).toBe(1);
  });

  it('refuses a DUPLICATE_MEDIA_CHECK that is neither on nor off, rather than leaving the check on', async () => {
    await expect(startLocalStack({ port: 0, env: { DUPLICATE_MEDIA_CHECK: 'false' }, sweepIntervalMs: 0 })).rejects.toThrow(
      /DUPLICATE_MEDIA_CHECK must be "on" or "off"/,
    );
  });

  it('keeps only a keyed hash of each sha256 in the index, never the digest', async () => {
    const video = variant(5);
    const { body } = await runCheck(video, 'applicant-e');
    const sha256 = (body.media as { part: string; sha256?: string }[]).find((facts) => facts.part === 'video')?.sha256;
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    const items = await scanChecksTable(stack);
    const entries = items.filter((item) => String(item.checkId).startsWith('media#'));
    expect(entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(sha256);
  });
});

describe('replayed media, erased while its attempt runs', () => {
  let slow: LocalStack;
  beforeAll(async () => {
    slow = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0, duplicateMediaCheck: true, simulatorLatencyMs: 1_500 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('leaves no index entry of a check erased while the provider was judging it', async () => {
    // Prepare: the attempt claims the video's entry, then waits on a slow provider.
    const check = await createCheck(slow.apiUrl, { parts: ['video', 'reference'] });
    const { video: videoForm, reference: referenceForm } = check.uploads;
    if (!videoForm || !referenceForm) throw new Error('missing upload forms');
    await uploadOk(videoForm, variant(7), 'video/mp4');
    await uploadOk(referenceForm, ID_PHOTO, 'image/jpeg');
    const claimedBy = async () =>
      (await scanChecksTable(slow)).filter(
        (item) => String(item.checkId).startsWith('media#') && item.firstCheckId === check.checkId,
      );
    await expect.poll(claimedBy, { timeout: 5_000, interval: 50 }).toHaveLength(1);

    // Act: erased mid-attempt; the attempt then loses its final write.
    expect((await fetch(`${slow.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' })).status).toBe(200);
    await slow.idle();

    // Assess
    expect(await claimedBy()).toEqual([]);
  });
});
