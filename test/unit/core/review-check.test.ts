// A person's decision on in-memory ports: the audit entry survives a crash after the review was
// recorded, a review after the review window leaves the media deadline alone, and decided media
// never outlives its check record.
import { describe, expect, it } from 'vitest';
import { processUpload } from '../../../src/core/use-cases/process-upload';
import { decideReview } from '../../../src/core/use-cases/review-check';
import { ReviewConflictError } from '../../../src/core/errors';
import { awaitingCheck, dieOnFirstAppend, processingWorld, store, type ProcessingWorld } from '../../support/processing-world';

const OPS = 'arn:aws:iam::123456789012:role/ops';

function reviewWorld(policy: Parameters<typeof processingWorld>[0] = {}) {
  const world = processingWorld(policy);
  world.judge.next = async () => ({
    kind: 'called',
    answer: { kind: 'answer', result: { decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW', message: 'x' }] }, providerMs: 5 },
    attempts: 1,
  });
  return world;
}

async function reviewCheck(world: ProcessingWorld): Promise<string> {
  const checkId = await awaitingCheck(world, ['video']);
  store(world, checkId, 'video');
  await processUpload(world.deps, { checkId, part: 'video' });
  return checkId;
}

const reviewDeps = (world: ProcessingWorld) => ({ ...world.deps, policy: { mediaRetentionSeconds: 0 } });
const decisions = (world: ProcessingWorld, checkId: string) =>
  world.audit.entries.filter((entry) => entry.checkId === checkId && entry.type === 'REVIEW_DECIDED');

describe('decideReview', () => {
  it('audits a review whose call died after recording it, when the reviewer retries (and answers 409)', async () => {
    // Prepare: the audit append fails once, as if the function died right after the write.
    const world = reviewWorld();
    const checkId = await reviewCheck(world);
    dieOnFirstAppend(world, 'REVIEW_DECIDED');
    await expect(decideReview(reviewDeps(world), checkId, { decision: 'FAIL', reviewer: 'alice' }, OPS)).rejects.toThrow(
      'function timed out',
    );
    expect(decisions(world, checkId)).toEqual([]);

    // Act
    const retry = decideReview(reviewDeps(world), checkId, { decision: 'FAIL', reviewer: 'alice' }, OPS);

    // Assess: the review stands as first recorded; its entry is written once.
    await expect(retry).rejects.toBeInstanceOf(ReviewConflictError);
    expect(decisions(world, checkId)).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ decision: 'FAIL', reviewer: 'alice', noted: false }) }),
    ]);
    await expect(decideReview(reviewDeps(world), checkId, { decision: 'PASS', reviewer: 'bob' }, OPS)).rejects.toBeInstanceOf(
      ReviewConflictError,
    );
    expect(decisions(world, checkId)).toHaveLength(1);
  });

  it('leaves the sweep index alone when the media is already gone (the review window ended first)', async () => {
    const world = reviewWorld();
    const checkId = await reviewCheck(world);
    await world.checks.markMediaDeleted(checkId, '2026-01-08T00:00:00.000Z');
    world.outcomes.failing = true;

    await decideReview(reviewDeps(world), checkId, { decision: 'PASS', reviewer: 'alice' }, OPS);
    world.outcomes.failing = false;
    const stored = await world.checks.get(checkId);
    await world.checks.clearOutbox(
      checkId,
      (stored?.outbox ?? []).map((event) => event.id),
    );

    // Only the event kept it due; once published, nothing is left for the sweep.
    const after = await world.checks.get(checkId);
    expect(after?.mediaDeletedAt).toBe('2026-01-08T00:00:00.000Z');
    expect(after?.sweepAt).toBeUndefined();
  });

  it('never keeps a REVIEW check’s media past the record’s own expiry', async () => {
    // A review window longer than the record lives.
    const world = reviewWorld({ policy: { reviewWindowSeconds: 30 * 86_400 } });
    const checkId = await reviewCheck(world);

    const check = await world.checks.get(checkId);

    expect(check?.sweepAfterOutbox ?? check?.sweepAt).toBe(check?.expiresAt);
  });
});
