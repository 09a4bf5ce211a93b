// The media judged is the media vetted, and erasure is final: on in-memory fakes of every port, a
// part replaced after arrival is never judged, the provider is sent exactly the bytes inspected,
// and an attempt that loses to an erasure makes no further request and leaves nothing after it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartName } from '../../../src/core/check';
import { silentLog } from '../../../src/core/log';
import { mediaKey, type Judgement, type JudgeRequest } from '../../../src/core/ports';
import { eraseCheck } from '../../../src/core/use-cases/erase-check';
import { processUpload } from '../../../src/core/use-cases/process-upload';
import { etagOf } from '../../support/in-memory';
import { auditTypes, awaitingCheck, bytesOf, processingWorld, type ProcessingWorld } from '../../support/processing-world';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const REPLACEMENT = new TextEncoder().encode('another capture, uploaded with the same form');

/** The part lands in storage and its event (with size and ETag, as S3 sends them) is handled. */
async function upload(world: ProcessingWorld, checkId: string, part: PartName, bytes = bytesOf(part)) {
  world.media.put(mediaKey(checkId, part), bytes, part === 'video' ? 'video/mp4' : 'image/jpeg');
  return processUpload(world.deps, { checkId, part, bytes: bytes.length, etag: `"${etagOf(bytes)}"` });
}

const pass: Judgement = {
  kind: 'called',
  answer: { kind: 'answer', result: { decision: 'PASS', reasons: [], faceMatch: { matched: true } }, providerMs: 5 },
  attempts: 1,
};

/** The audit entry that tells a stored part was replaced by another upload. */
function partReplaced(world: ProcessingWorld, checkId: string) {
  return world.audit.entries.find((entry) => entry.checkId === checkId && entry.type === 'PART_REPLACED');
}

/** Entries written after the erasure's own CHECK_ERASED. */
function afterErasure(world: ProcessingWorld, checkId: string): string[] {
  const types = auditTypes(world, checkId);
  return types.slice(types.indexOf('CHECK_ERASED') + 1);
}

const eraseDeps = (world: ProcessingWorld) => ({
  checks: world.checks,
  audit: world.audit,
  media: world.media,
  clock: world.clock,
  outcomes: world.outcomes,
  log: silentLog,
});

describe('the media judged is the media vetted', () => {
  it('sends the provider exactly the bytes it inspected, read once per part, with their digest in the result', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);

    await upload(world, checkId, 'video');
    await upload(world, checkId, 'reference');

    const sent = world.judge.requests[0]?.media ?? [];
    expect(sent.map((item) => [item.part, Buffer.from(item.bytes).toString()])).toEqual([
      ['video', Buffer.from(bytesOf('video')).toString()],
      ['reference', Buffer.from(bytesOf('reference')).toString()],
    ]);
    expect(world.media.pinnedReads).toEqual([mediaKey(checkId, 'video'), mediaKey(checkId, 'reference')]);
    expect(world.media.fullReads).toEqual([]);
    const check = await world.checks.get(checkId);
    expect(check?.media?.map((facts) => facts.sha256)).toEqual([sha256(bytesOf('video')), sha256(bytesOf('reference'))]);
  });

  it('never judges a part replaced after it arrived: the check asks for a new capture and the audit says why', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    await upload(world, checkId, 'video');
    // The video's form is used again before the last part arrives; its event is still to come.
    world.media.put(mediaKey(checkId, 'video'), REPLACEMENT, 'video/mp4');

    const outcome = await upload(world, checkId, 'reference');

    expect(outcome).toBe('completed');
    expect(world.judge.requests).toHaveLength(0);
    expect(world.inspector.inspected.map((request) => request.part)).toEqual(['reference']);
    const check = await world.checks.get(checkId);
    expect(check?.result).toMatchObject({ decision: 'RETRY', reasons: [{ code: 'MEDIA_MISSING' }] });
    expect(partReplaced(world, checkId)?.detail).toMatchObject({
      part: 'video',
      recordedEtag: etagOf(bytesOf('video')),
      judged: false,
    });
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
  });

  it('records a re-upload after the decision as replaced, keeps the decision, and deletes the new object', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    await upload(world, checkId, 'video');
    const decided = await world.checks.get(checkId);

    const outcome = await upload(world, checkId, 'video', REPLACEMENT);

    expect(outcome).toBe('ignored-late');
    expect(await world.checks.get(checkId)).toEqual(decided);
    expect(world.judge.requests).toHaveLength(1);
    expect(partReplaced(world, checkId)?.detail).toMatchObject({
      part: 'video',
      recordedEtag: etagOf(bytesOf('video')),
      newEtag: etagOf(REPLACEMENT),
      status: 'COMPLETED',
    });
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
  });

  it('refuses a part too large by its recorded size without reading it', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    const big = new Uint8Array(1001);

    await upload(world, checkId, 'video', big);

    const check = await world.checks.get(checkId);
    expect(check?.result).toMatchObject({ decision: 'RETRY', reasons: [{ code: 'MEDIA_TOO_LARGE' }] });
    expect(world.media.pinnedReads).toEqual([]);
    expect(world.inspector.inspected).toEqual([]);
    expect(world.judge.requests).toHaveLength(0);
  });
});

describe('erasure wins over a running attempt', () => {
  /** A provider port that asks the guard before each of `requests` requests, erasing the check after the first. */
  function erasingProvider(world: ProcessingWorld, checkId: string, requests: number) {
    const sent: number[] = [];
    world.judge.next = async (request: JudgeRequest): Promise<Judgement> => {
      for (let attempt = 1; attempt <= requests; attempt++) {
        if (!(await request.shouldContinue?.())) return { kind: 'stopped', attempts: attempt - 1 };
        sent.push(attempt);
        await request.audit?.append({ checkId, type: 'PROVIDER_REQUEST', detail: { attempt } });
        await request.audit?.append({ checkId, type: 'PROVIDER_RESPONSE', detail: { attempt, httpStatus: 500 } });
        if (attempt === 1) await eraseCheck(eraseDeps(world), checkId, 'arn:aws:iam::123456789012:user/ops');
      }
      return pass;
    };
    return sent;
  }

  it('makes no provider request after an erasure during the back-off, and writes nothing after it', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    const sent = erasingProvider(world, checkId, 3);

    const outcome = await upload(world, checkId, 'video');

    expect(outcome).toBe('superseded');
    expect(sent).toEqual([1]);
    expect(afterErasure(world, checkId)).toEqual([]);
    expect(auditTypes(world, checkId)).not.toContain('PROVIDER_REQUEST');
    expect(await world.checks.get(checkId)).toBeUndefined();
  });

  it("drops the provider's answer when the erasure came during the call: no result, no trail after the tombstone", async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    erasingProvider(world, checkId, 1);

    const outcome = await upload(world, checkId, 'video');

    expect(outcome).toBe('superseded');
    expect(afterErasure(world, checkId)).toEqual([]);
    expect(auditTypes(world, checkId)).not.toContain('PROVIDER_RESPONSE');
    expect(auditTypes(world, checkId)).not.toContain('RESULT_RECORDED');
    expect(await world.checks.get(checkId)).toBeUndefined();
    expect(world.checks.tombstones.has(checkId)).toBe(true);
  });

  it('writes the held provider entries, in order, once the answer is recorded', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async (request) => {
      await request.audit?.append({ checkId, type: 'PROVIDER_REQUEST', detail: { attempt: 1 } });
      await request.audit?.append({ checkId, type: 'PROVIDER_RESPONSE', detail: { attempt: 1 } });
      expect(auditTypes(world, checkId)).not.toContain('PROVIDER_REQUEST');
      return pass;
    };

    await upload(world, checkId, 'video');

    expect(auditTypes(world, checkId)).toEqual([
      'PART_RECEIVED',
      'PROCESSING_STARTED',
      'MEDIA_CHECKED',
      'PROVIDER_REQUEST',
      'PROVIDER_RESPONSE',
      'PROVIDER_ANSWER_RECORDED',
      'RESULT_RECORDED',
      'MEDIA_DELETED',
    ]);
  });
});
