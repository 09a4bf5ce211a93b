// The sweep (expire abandoned checks, re-drive dead attempts, delete media that is due) and
// erasure on request, on in-memory fakes of every port.
import { describe, expect, it } from 'vitest';
import { CheckNotFoundError } from '../../../src/core/errors';
import { mediaKey } from '../../../src/core/ports';
import { eraseCheck } from '../../../src/core/use-cases/erase-check';
import { processUpload } from '../../../src/core/use-cases/process-upload';
import { sweep } from '../../../src/core/use-cases/sweep';
import {
  auditTypes,
  awaitingCheck,
  dieOnFirstAppend,
  processingWorld,
  store,
  UPLOAD_EXPIRY_SECONDS,
  UPLOAD_GRACE_SECONDS,
} from '../../support/processing-world';

describe('sweep', () => {
  it('expires a check whose uploads never all arrived, once the grace after the forms has passed, and deletes what came', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world);
    store(world, checkId, 'video');
    await processUpload(world.deps, { checkId, part: 'video' });

    world.clock.advanceSeconds(UPLOAD_EXPIRY_SECONDS + UPLOAD_GRACE_SECONDS - 1);
    expect(await sweep(world.sweepDeps)).toMatchObject({ expired: 0 });
    expect((await world.checks.get(checkId))?.status).toBe('AWAITING_UPLOAD');

    world.clock.advanceSeconds(2);
    const report = await sweep(world.sweepDeps);

    expect(report).toEqual({ expired: 1, resumeRequested: 0, mediaDeleted: 1, outboxesPublished: 0, errors: 0 });
    const check = await world.checks.get(checkId);
    expect(check?.status).toBe('EXPIRED');
    expect(check?.failure?.code).toBe('MEDIA_MISSING');
    expect(check?.failure?.message).toContain('reference');
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
    expect(auditTypes(world, checkId)).toEqual(['PART_RECEIVED', 'CHECK_EXPIRED', 'MEDIA_DELETED']);
  });

  it('asks for a resume of a check whose processing lease ran out, and not before', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.judge.next = async () => {
      throw new Error('processor timed out');
    };
    store(world, checkId, 'video');
    await expect(processUpload(world.deps, { checkId, part: 'video' })).rejects.toThrow();

    world.clock.advanceSeconds(30);
    expect((await sweep(world.sweepDeps)).resumeRequested).toBe(0);
    world.clock.advanceSeconds(31);
    const report = await sweep(world.sweepDeps);

    expect(report.resumeRequested).toBe(1);
    expect(world.resumeQueue.requested).toEqual([checkId]);
  });

  it('deletes the media of a decided check when its keep window is over', async () => {
    const world = processingWorld({ policy: { mediaRetentionSeconds: 3600 } });
    const checkId = await awaitingCheck(world, ['video']);
    store(world, checkId, 'video');
    await processUpload(world.deps, { checkId, part: 'video' });

    world.clock.advanceSeconds(3599);
    expect((await sweep(world.sweepDeps)).mediaDeleted).toBe(0);
    world.clock.advanceSeconds(1);
    const report = await sweep(world.sweepDeps);

    expect(report.mediaDeleted).toBe(1);
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
    const check = await world.checks.get(checkId);
    expect(check?.mediaDeletedAt).toBeDefined();
    expect(check?.sweepAt).toBeUndefined();
  });

  it('counts a check it could not handle and goes on with the others', async () => {
    const world = processingWorld();
    const broken = await awaitingCheck(world, ['video']);
    const fine = await awaitingCheck(world, ['video']);
    const expire = world.checks.expire.bind(world.checks);
    world.checks.expire = async (checkId, ...rest) => {
      if (checkId === broken) throw new Error('throttled');
      return expire(checkId, ...rest);
    };
    world.clock.advanceSeconds(UPLOAD_EXPIRY_SECONDS + UPLOAD_GRACE_SECONDS + 1);

    const report = await sweep(world.sweepDeps);

    expect(report).toMatchObject({ expired: 1, errors: 1 });
    expect((await world.checks.get(fine))?.status).toBe('EXPIRED');
  });
});

describe('eraseCheck', () => {
  it('deletes media and record, leaving a tombstone, and returns the same receipt when asked again', async () => {
    const world = processingWorld({ policy: { mediaRetentionSeconds: 3600 } });
    const checkId = await awaitingCheck(world, ['video']);
    store(world, checkId, 'video');
    await processUpload(world.deps, { checkId, part: 'video' });

    const receipt = await eraseCheck(world.deps, checkId, 'arn:aws:iam::123456789012:role/ops');
    const again = await eraseCheck(world.deps, checkId, 'someone-else');

    expect(receipt).toMatchObject({
      checkId,
      erasedBy: 'arn:aws:iam::123456789012:role/ops',
      deleted: { media: ['video'], result: true, pollToken: true, record: true },
      alreadyErased: false,
    });
    expect(again).toEqual({ ...receipt, alreadyErased: true });
    expect(await world.checks.get(checkId)).toBeUndefined();
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
    expect(auditTypes(world, checkId).at(-1)).toBe('CHECK_ERASED');
  });

  it('answers a DELETE retried after the erasing call died before auditing its receipt with that receipt, audited once', async () => {
    // Prepare: the audit trail refuses the receipt once, as if the function died right after the tombstone.
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    dieOnFirstAppend(world, 'CHECK_ERASED');
    await expect(eraseCheck(world.deps, checkId, 'arn:aws:iam::123456789012:role/ops')).rejects.toThrow('function timed out');

    // Act: the operator retries.
    const retried = await eraseCheck(world.deps, checkId, 'arn:aws:iam::123456789012:role/ops');
    const again = await eraseCheck(world.deps, checkId, 'someone-else');

    // Assess
    expect(retried).toMatchObject({
      checkId,
      erasedBy: 'arn:aws:iam::123456789012:role/ops',
      deleted: { media: ['video'], result: false, pollToken: true, record: true },
      alreadyErased: true,
    });
    expect(again).toEqual(retried);
    expect(auditTypes(world, checkId).filter((type) => type === 'CHECK_ERASED')).toHaveLength(1);
  });

  it('answers not found for a check that never existed', async () => {
    const world = processingWorld();

    await expect(eraseCheck(world.deps, '00000000-0000-4000-8000-eeeeeeeeeeee', 'ops')).rejects.toThrow(CheckNotFoundError);
  });

  it('leaves nothing behind when a late part arrives after erasure', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    await eraseCheck(world.deps, checkId, 'ops');

    store(world, checkId, 'video');
    const outcome = await processUpload(world.deps, { checkId, part: 'video' });

    expect(outcome).toBe('ignored-late');
    expect(world.media.objects.has(mediaKey(checkId, 'video'))).toBe(false);
  });
});
