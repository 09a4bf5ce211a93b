// The check lifecycle in the processor, on in-memory fakes of every port: parts arrive, one
// attempt starts, media is vetted, the provider judges, the answer is recorded, the check ends.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../../src/core/check';
import { mediaKey } from '../../../src/core/ports';
import { reason } from '../../../src/core/reasons';
import { processUpload, resumeCheck } from '../../../src/core/use-cases/process-upload';
import {
  ACME,
  auditTypes,
  awaitingCheck,
  bytesOf,
  PASS_MATCHED,
  processingWorld,
  START,
  START_SECONDS,
  store,
  type ProcessingWorld,
} from '../../support/processing-world';

async function arrive(world: ProcessingWorld, checkId: string, part: 'video' | 'reference') {
  store(world, checkId, part);
  return processUpload(world.deps, { checkId, part });
}

async function checkOf(world: ProcessingWorld, checkId: string): Promise<Check> {
  const check = await world.checks.get(checkId);
  if (!check) throw new Error(`check ${checkId} is gone`);
  return check;
}

describe('processUpload: arrival', () => {
  it('records a part and waits while another declared part is missing', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);

    const outcome = await arrive(world, checkId, 'video');

    expect(outcome).toBe('waiting-for-parts');
    const check = await checkOf(world, checkId);
    expect(check.status).toBe('AWAITING_UPLOAD');
    expect(check.received.video).toMatchObject({ bytes: bytesOf('video').length, contentType: 'video/mp4' });
    expect(world.judge.requests).toHaveLength(0);
    expect(auditTypes(world, checkId)).toEqual(['PART_RECEIVED']);
  });

  it('starts exactly one attempt when the last part is announced several times at once', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    store(world, checkId, 'video');
    store(world, checkId, 'reference');
    world.judge.next = async () => PASS_MATCHED;

    const outcomes = await Promise.all([
      processUpload(world.deps, { checkId, part: 'video' }),
      processUpload(world.deps, { checkId, part: 'reference' }),
      processUpload(world.deps, { checkId, part: 'reference' }),
      processUpload(world.deps, { checkId, part: 'video' }),
    ]);

    expect(outcomes.filter((outcome) => outcome === 'completed')).toHaveLength(1);
    expect(world.judge.requests).toHaveLength(1);
    expect(auditTypes(world, checkId).filter((type) => type === 'PROCESSING_STARTED')).toHaveLength(1);
    expect((await checkOf(world, checkId)).status).toBe('COMPLETED');
  });

  it('ignores a part the check did not declare', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);

    expect(await arrive(world, checkId, 'reference')).toBe('ignored-late');
    expect(auditTypes(world, checkId)).toEqual(['PART_IGNORED']);
    expect((await checkOf(world, checkId)).received).toEqual({});
  });

  it('deletes a part uploaded for a check that does not exist (erased or unknown)', async () => {
    const world = processingWorld();
    const checkId = '00000000-0000-4000-8000-ffffffffffff';

    expect(await arrive(world, checkId, 'video')).toBe('ignored-late');
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
  });

  it('ignores and deletes a late re-upload after the check was decided and its media deleted', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    await arrive(world, checkId, 'video');
    expect((await checkOf(world, checkId)).mediaDeletedAt).toBeDefined();

    const outcome = await arrive(world, checkId, 'video');

    expect(outcome).toBe('ignored-late');
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
    expect(world.judge.requests).toHaveLength(1);
    expect(auditTypes(world, checkId).at(-1)).toBe('PART_IGNORED');
  });
});

describe('processUpload: the attempt', () => {
  it('answers RETRY without calling the provider when the media is refused', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    world.inspector.refuse.video = reason('VIDEO_TOO_SHORT', 'video: 1.0 s, at least 3 s needed');

    await arrive(world, checkId, 'video');
    const outcome = await arrive(world, checkId, 'reference');

    expect(outcome).toBe('completed');
    const check = await checkOf(world, checkId);
    expect(check.status).toBe('COMPLETED');
    expect(check.result).toEqual({
      decision: 'RETRY',
      reasons: [reason('VIDEO_TOO_SHORT', 'video: 1.0 s, at least 3 s needed')],
    });
    expect(world.judge.requests).toHaveLength(0);
    expect(world.media.fullReads).toEqual([]);
    expect(auditTypes(world, checkId)).not.toContain('PROVIDER_ANSWER_RECORDED');
  });

  it("inspects every part for the check's provider through ranged reads", async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);

    await arrive(world, checkId, 'video');
    await arrive(world, checkId, 'reference');

    expect(world.inspector.inspected.map((request) => [request.provider, request.part, request.contentType])).toEqual([
      ['acme', 'video', 'video/mp4'],
      ['acme', 'reference', 'image/jpeg'],
    ]);
  });

  it('completes with the provider answer, a PASS in the review band becoming REVIEW', async () => {
    // PASS_MATCHED's liveness score, 0.9, lies inside this band.
    const world = processingWorld({ provider: { ...ACME, reviewBand: { low: 0.85, high: 0.95 } } });
    const checkId = await awaitingCheck(world);
    world.judge.next = async () => PASS_MATCHED;

    await arrive(world, checkId, 'video');
    const outcome = await arrive(world, checkId, 'reference');

    expect(outcome).toBe('completed');
    const check = await checkOf(world, checkId);
    expect(check.result?.decision).toBe('REVIEW');
    expect(check.result?.reasons.map((r) => r.code)).toEqual(['NEEDS_REVIEW']);
    expect(check.providerMs).toBe(42);
    expect(check.providerAnswer).toEqual(PASS_MATCHED.answer);
  });

  it("sends exactly the stored bytes and records their digest in the result's media facts", async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    world.judge.next = async () => PASS_MATCHED;

    await arrive(world, checkId, 'video');
    await arrive(world, checkId, 'reference');

    const [request] = world.judge.requests;
    expect(request?.provider).toBe('acme');
    expect(request?.media.map((item) => [item.part, new TextDecoder().decode(item.bytes)])).toEqual([
      ['video', 'video bytes of the capture'],
      ['reference', 'reference bytes of the capture'],
    ]);
    const digest = (part: 'video' | 'reference') => createHash('sha256').update(bytesOf(part)).digest('hex');
    expect((await checkOf(world, checkId)).media?.map((facts) => [facts.part, facts.sha256])).toEqual([
      ['video', digest('video')],
      ['reference', digest('reference')],
    ]);
  });

  it('records the provider answer before the result', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    world.judge.next = async () => PASS_MATCHED;

    await arrive(world, checkId, 'video');
    await arrive(world, checkId, 'reference');

    const types = auditTypes(world, checkId);
    expect(types.indexOf('PROVIDER_ANSWER_RECORDED')).toBeGreaterThan(types.indexOf('MEDIA_CHECKED'));
    expect(types.indexOf('PROVIDER_ANSWER_RECORDED')).toBeLessThan(types.indexOf('RESULT_RECORDED'));
  });

  it('fails a PASS that has no face comparison although a reference was sent', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    world.judge.next = async () => ({
      kind: 'called',
      answer: { kind: 'answer', result: { decision: 'PASS', reasons: [], liveness: { live: true } }, providerMs: 3 },
      attempts: 1,
    });

    await arrive(world, checkId, 'video');
    const outcome = await arrive(world, checkId, 'reference');

    expect(outcome).toBe('failed');
    expect((await checkOf(world, checkId)).failure?.code).toBe('PROVIDER_RESPONSE_INVALID');
  });

  it("ends FAILED with the provider's operational failure", async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    const unavailable = reason('PROVIDER_UNAVAILABLE', 'The acme service gave no usable answer (HTTP 503).');
    world.judge.next = async () => ({
      kind: 'called',
      answer: { kind: 'failure', reason: unavailable, providerMs: 900 },
      attempts: 3,
    });

    const outcome = await arrive(world, checkId, 'video');

    expect(outcome).toBe('failed');
    const check = await checkOf(world, checkId);
    expect(check).toMatchObject({ status: 'FAILED', failure: unavailable, providerMs: 900 });
    expect(world.audit.entries.find((entry) => entry.type === 'PROVIDER_ANSWER_RECORDED')?.detail).toEqual({
      kind: 'failure',
      attempts: 3,
    });
  });

  it('fails at once, without a digest of bytes never sent, when the provider cannot be called', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    const auth = reason('PROVIDER_AUTH_FAILED', 'The acme credentials are missing or not JSON.');
    world.judge.next = async () => ({ kind: 'not-called', failure: auth });

    const outcome = await arrive(world, checkId, 'video');

    expect(outcome).toBe('failed');
    const check = await checkOf(world, checkId);
    expect(check).toMatchObject({ status: 'FAILED', failure: auth });
    expect(check.providerAnswer).toBeUndefined();
    expect(check.media?.[0]?.sha256).toBeUndefined();
  });

  it('fails a check whose provider is no longer enabled, without inspecting or calling', async () => {
    const world = processingWorld({ providers: [] });
    const checkId = await awaitingCheck(world, ['video']);

    const outcome = await arrive(world, checkId, 'video');

    expect(outcome).toBe('failed');
    expect((await checkOf(world, checkId)).failure?.code).toBe('PROCESSING_FAILED');
    expect(world.inspector.inspected).toEqual([]);
  });

  it('deletes the media as soon as the check is decided when there is no keep window', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);

    await arrive(world, checkId, 'video');

    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
    expect(auditTypes(world, checkId)).toContain('MEDIA_DELETED');
  });

  it('keeps the media for the sweep when a keep window is configured', async () => {
    const world = processingWorld({ policy: { mediaRetentionSeconds: 3600 } });
    const checkId = await awaitingCheck(world, ['video']);

    await arrive(world, checkId, 'video');

    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(true);
    expect((await checkOf(world, checkId)).sweepAt).toBe(world.clock.now().getTime() / 1000 + 3600);
  });
});

describe('resumeCheck', () => {
  it('leaves a check PROCESSING when the attempt dies, and does not resume it before the lease runs out', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => {
      throw new Error('Secrets Manager throttled');
    };

    await expect(arrive(world, checkId, 'video')).rejects.toThrow('throttled');

    expect((await checkOf(world, checkId)).status).toBe('PROCESSING');
    world.clock.advanceSeconds(30);
    expect(await resumeCheck(world.deps, checkId)).toBe('already-started');
  });

  it('runs a new attempt once the lease has run out', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => {
      throw new Error('network fault before the call');
    };
    await expect(arrive(world, checkId, 'video')).rejects.toThrow();
    world.judge.next = async () => PASS_MATCHED;

    world.clock.advanceSeconds(61);
    const outcome = await resumeCheck(world.deps, checkId);

    expect(outcome).toBe('completed');
    expect((await checkOf(world, checkId)).attempt).toBe(2);
    expect(world.judge.requests).toHaveLength(2);
    expect(auditTypes(world, checkId)).toContain('PROCESSING_RESUMED');
  });

  it('finishes from the recorded answer after a crash, without calling the provider again', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => PASS_MATCHED;
    const complete = world.checks.complete.bind(world.checks);
    let crashes = 1;
    world.checks.complete = async (...args) => {
      if (crashes-- > 0) throw new Error('processor killed before complete');
      return complete(...args);
    };

    await expect(arrive(world, checkId, 'video')).rejects.toThrow('killed');
    expect((await checkOf(world, checkId)).providerAnswer).toEqual(PASS_MATCHED.answer);
    world.clock.advanceSeconds(61);
    const outcome = await resumeCheck(world.deps, checkId);

    expect(outcome).toBe('completed');
    expect(world.judge.requests).toHaveLength(1);
    expect((await checkOf(world, checkId)).result?.decision).toBe('PASS');
    expect(world.audit.entries.find((entry) => entry.type === 'PROCESSING_RESUMED')?.detail).toEqual({
      attempt: 2,
      fromRecordedAnswer: true,
    });
  });

  it('ends FAILED with PROCESSING_FAILED once the attempts are spent', async () => {
    const world = processingWorld({ policy: { maxProcessingAttempts: 2 } });
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => {
      throw new Error('provider host unreachable');
    };

    await expect(arrive(world, checkId, 'video')).rejects.toThrow();
    world.clock.advanceSeconds(61);
    await expect(resumeCheck(world.deps, checkId)).rejects.toThrow();
    world.clock.advanceSeconds(61);
    const outcome = await resumeCheck(world.deps, checkId);

    expect(outcome).toBe('failed');
    const check = await checkOf(world, checkId);
    expect(check.failure).toEqual(reason('PROCESSING_FAILED', 'Processing did not finish after 2 attempts.'));
    expect(world.judge.requests).toHaveLength(2);
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
  });

  it('stops quietly when the check was erased while the attempt ran', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => {
      await world.checks.erase(checkId, { erasedAt: START.toISOString(), expiresAt: START_SECONDS + 86_400 });
      return PASS_MATCHED;
    };

    expect(await arrive(world, checkId, 'video')).toBe('superseded');
  });
});
