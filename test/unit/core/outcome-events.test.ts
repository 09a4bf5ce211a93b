// Outcome events through the outbox, on in-memory ports: one event per terminal transition,
// written with the transition, published right after, and published by the sweep when the
// function that committed it could not.
import { describe, expect, it } from 'vitest';
import { outcomeEventId } from '../../../src/events/envelope';
import { eraseCheck } from '../../../src/core/use-cases/erase-check';
import { OUTBOX_SWEEP_DELAY_SECONDS } from '../../../src/core/use-cases/outcome-events';
import { processUpload } from '../../../src/core/use-cases/process-upload';
import { decideReview } from '../../../src/core/use-cases/review-check';
import { sweep } from '../../../src/core/use-cases/sweep';
import {
  awaitingCheck,
  processingWorld,
  START_SECONDS,
  store,
  UPLOAD_EXPIRY_SECONDS,
  UPLOAD_GRACE_SECONDS,
  type ProcessingWorld,
} from '../../support/processing-world';

async function decidedCheck(world: ProcessingWorld): Promise<string> {
  const checkId = await awaitingCheck(world, ['video']);
  store(world, checkId, 'video');
  await processUpload(world.deps, { checkId, part: 'video' });
  return checkId;
}

describe('outcome events', () => {
  it('publishes one check.completed with the decision right after the result is stored, and clears the outbox', async () => {
    const world = processingWorld();

    const checkId = await decidedCheck(world);

    expect(world.outcomes.published).toEqual([
      {
        id: outcomeEventId(checkId, 'check.completed'),
        type: 'check.completed',
        occurredAt: expect.any(String),
        data: { checkId, provider: 'acme', status: 'COMPLETED', decision: 'PASS', reasons: [] },
      },
    ]);
    const check = await world.checks.get(checkId);
    expect(check?.outbox).toBeUndefined();
    // Media deleted (no keep window) and outbox empty: nothing left for the sweep.
    expect(check?.sweepAt).toBeUndefined();
  });

  it('publishes check.failed with the operational reason and no decision', async () => {
    const world = processingWorld();
    world.judge.next = async () => ({ kind: 'not-called', failure: { code: 'PROVIDER_AUTH_FAILED', message: 'x' } });

    const checkId = await decidedCheck(world);

    expect(world.outcomes.published).toHaveLength(1);
    expect(world.outcomes.published[0]).toMatchObject({
      type: 'check.failed',
      data: { checkId, status: 'FAILED', reasons: [{ code: 'PROVIDER_AUTH_FAILED' }] },
    });
    expect(world.outcomes.published[0]?.data.decision).toBeUndefined();
  });

  it('keeps the event in the outbox and the check on the sweep index when publishing fails, and the sweep publishes it under the same id', async () => {
    // Prepare: the bus is down while the check completes.
    const world = processingWorld();
    world.outcomes.failing = true;
    const checkId = await decidedCheck(world);
    const stored = await world.checks.get(checkId);
    expect(stored?.status).toBe('COMPLETED');
    expect(stored?.outbox?.map((event) => event.id)).toEqual([outcomeEventId(checkId, 'check.completed')]);
    // The media was deleted, yet the check stays due for its outbox.
    expect(stored?.mediaDeletedAt).toBeDefined();
    expect(stored?.sweepAt).toBeDefined();

    // Act: the bus is back; the sweep runs after the outbox delay.
    world.outcomes.failing = false;
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    const report = await sweep(world.sweepDeps);

    // Assess
    expect(report).toMatchObject({ outboxesPublished: 1, mediaDeleted: 0, errors: 0 });
    expect(world.outcomes.published.map((event) => event.id)).toEqual([outcomeEventId(checkId, 'check.completed')]);
    const after = await world.checks.get(checkId);
    expect(after?.outbox).toBeUndefined();
    expect(after?.sweepAt).toBeUndefined();
  });

  it('with a media keep window, pulls the sweep forward for the outbox but never deletes media before its time', async () => {
    const world = processingWorld({ policy: { mediaRetentionSeconds: 3_600 } });
    world.outcomes.failing = true;
    const checkId = await decidedCheck(world);
    const decidedAt = (await world.checks.get(checkId))?.completedAt ?? '';
    const mediaDueAt = Math.floor(Date.parse(decidedAt) / 1000) + 3_600;
    expect((await world.checks.get(checkId))?.sweepAt).toBe(START_SECONDS + OUTBOX_SWEEP_DELAY_SECONDS);

    world.outcomes.failing = false;
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    await sweep(world.sweepDeps);

    const check = await world.checks.get(checkId);
    expect(world.outcomes.published).toHaveLength(1);
    expect(check?.mediaDeletedAt).toBeUndefined();
    expect(world.media.deleted).toEqual([]);
    expect(check?.sweepAt).toBe(mediaDueAt);
  });

  it('commits check.reviewed with the review, and the sweep publishes it under the same id when the review route could not', async () => {
    // Prepare: the provider asks for a person; then the bus is down while the person decides.
    const world = processingWorld();
    world.judge.next = async () => ({
      kind: 'called',
      answer: {
        kind: 'answer',
        result: { decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW', message: 'x' }] },
        providerMs: 5,
      },
      attempts: 1,
    });
    const checkId = await decidedCheck(world);
    world.outcomes.failing = true;
    const reviewDeps = { ...world.deps, policy: { mediaRetentionSeconds: 0 } };

    // Act
    const view = await decideReview(
      reviewDeps,
      checkId,
      { decision: 'PASS', reviewer: 'alice' },
      'arn:aws:iam::123456789012:role/ops',
    );

    // Assess: the review stands, its event waits in the outbox, the sweep delivers it once.
    expect(view).toMatchObject({ decision: 'PASS', review: { decision: 'PASS', previousDecision: 'REVIEW' } });
    const reviewedId = outcomeEventId(checkId, 'check.reviewed');
    expect((await world.checks.get(checkId))?.outbox?.map((event) => event.id)).toEqual([reviewedId]);
    world.outcomes.failing = false;
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    await sweep(world.sweepDeps);
    await sweep(world.sweepDeps);
    expect(world.outcomes.published.map((event) => [event.type, event.data.decision])).toEqual([
      ['check.completed', 'REVIEW'],
      ['check.reviewed', 'PASS'],
    ]);
    expect(world.outcomes.published[1]?.id).toBe(reviewedId);
    expect((await world.checks.get(checkId))?.outbox).toBeUndefined();
  });

  it('publishes check.expired when the sweep expires a check, with MEDIA_MISSING', async () => {
    const world = processingWorld();
    const checkId = await awaitingCheck(world, ['video']);
    world.clock.advanceSeconds(UPLOAD_EXPIRY_SECONDS + UPLOAD_GRACE_SECONDS + 1);

    await sweep(world.sweepDeps);

    expect(world.outcomes.published).toEqual([
      expect.objectContaining({
        id: outcomeEventId(checkId, 'check.expired'),
        type: 'check.expired',
        data: { checkId, provider: 'acme', status: 'EXPIRED', reasons: [{ code: 'MEDIA_MISSING' }] },
      }),
    ]);
    expect((await world.checks.get(checkId))?.sweepAt).toBeUndefined();
  });

  it('publishes check.erased on the first erasure only', async () => {
    const world = processingWorld();
    const checkId = await decidedCheck(world);

    await eraseCheck(world.sweepDeps, checkId, 'ops');
    await eraseCheck(world.sweepDeps, checkId, 'ops');

    expect(world.outcomes.published.map((event) => event.type)).toEqual(['check.completed', 'check.erased']);
    expect(world.outcomes.published[1]).toMatchObject({ data: { checkId, status: 'ERASED', reasons: [] } });
  });

  it('keeps check.erased in the tombstone when the erasing function dies before publishing; the sweep publishes it once, under the same id', async () => {
    // Prepare: the function is killed right after the tombstone is written.
    const world = processingWorld();
    const checkId = await decidedCheck(world);
    const dying = Object.assign(Object.create(world.checks) as typeof world.checks, {
      erase: async (...args: Parameters<typeof world.checks.erase>) => {
        await world.checks.erase(...args);
        throw new Error('killed after the tombstone was written');
      },
    });
    await expect(eraseCheck({ ...world.sweepDeps, checks: dying }, checkId, 'ops')).rejects.toThrow('killed');
    const erasedId = outcomeEventId(checkId, 'check.erased');

    // Act: the sweep before and after the outbox delay, and once more.
    const early = await sweep(world.sweepDeps);
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    const due = await sweep(world.sweepDeps);
    const again = await sweep(world.sweepDeps);

    // Assess
    expect(early.outboxesPublished).toBe(0);
    expect(due).toMatchObject({ outboxesPublished: 1, errors: 0 });
    expect(again.outboxesPublished).toBe(0);
    expect(world.outcomes.published.map((event) => event.id)).toEqual([outcomeEventId(checkId, 'check.completed'), erasedId]);
    expect(world.outcomes.published[1]).toMatchObject({ type: 'check.erased', data: { checkId, status: 'ERASED', reasons: [] } });
    expect(world.checks.tombstones.get(checkId)?.outbox).toBeUndefined();
    expect(world.checks.tombstones.get(checkId)?.sweepAt).toBeUndefined();
    expect(await world.checks.get(checkId)).toBeUndefined();
  });

  it('sends nothing more from the sweep once the erasing call published check.erased, nor from a repeated DELETE', async () => {
    const world = processingWorld();
    const checkId = await decidedCheck(world);

    await eraseCheck(world.sweepDeps, checkId, 'ops');
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    const report = await sweep(world.sweepDeps);
    const repeated = await eraseCheck(world.sweepDeps, checkId, 'ops');

    expect(report.outboxesPublished).toBe(0);
    expect(repeated.alreadyErased).toBe(true);
    expect(world.outcomes.published.map((event) => event.type)).toEqual(['check.completed', 'check.erased']);
  });

  it('erasing a check whose check.completed is still unpublished sends both, completed first, and the sweep neither again', async () => {
    // Prepare: the bus was down when the check completed.
    const world = processingWorld();
    world.outcomes.failing = true;
    const checkId = await decidedCheck(world);
    world.outcomes.failing = false;

    await eraseCheck(world.sweepDeps, checkId, 'ops');
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    const report = await sweep(world.sweepDeps);

    expect(world.outcomes.published.map((event) => event.id)).toEqual([
      outcomeEventId(checkId, 'check.completed'),
      outcomeEventId(checkId, 'check.erased'),
    ]);
    expect(report.outboxesPublished).toBe(0);
    expect(world.checks.tombstones.get(checkId)?.outbox).toBeUndefined();
  });

  it('keeps the events in the tombstone while the bus is down and the sweep publishes them when it is back', async () => {
    const world = processingWorld();
    const checkId = await decidedCheck(world);
    world.outcomes.failing = true;

    const receipt = await eraseCheck(world.sweepDeps, checkId, 'ops');
    world.clock.advanceSeconds(OUTBOX_SWEEP_DELAY_SECONDS);
    const whileDown = await sweep(world.sweepDeps);
    world.outcomes.failing = false;
    const whenBack = await sweep(world.sweepDeps);

    expect(receipt.alreadyErased).toBe(false);
    expect([whileDown.outboxesPublished, whenBack.outboxesPublished]).toEqual([0, 1]);
    expect(world.outcomes.published.map((event) => event.type)).toEqual(['check.completed', 'check.erased']);
    expect(world.checks.tombstones.get(checkId)?.sweepAt).toBeUndefined();
  });

  it('a resumed attempt that loses the race to finish writes no second event', async () => {
    const world = processingWorld();
    const checkId = await decidedCheck(world);

    // A late duplicate of the upload event: the check is decided, nothing happens.
    await processUpload(world.deps, { checkId, part: 'video' });

    expect(world.outcomes.published.map((event) => event.id)).toEqual([outcomeEventId(checkId, 'check.completed')]);
  });
});
