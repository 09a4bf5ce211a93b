// One contract, two repositories: the in-memory fake the domain tests use and the DynamoDB adapter
// on dynalite run the same cases, so a domain test that passes on the fake means the same on AWS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { outboxUpdate } from '../../src/adapters/aws/dynamodb-outbox';
import { CheckAlreadyExistsError } from '../../src/adapters/aws/errors';
import type { CheckResult, MediaFacts, ProviderAnswer } from '../../src/core/check';
import { TransitionConflictError, ValidationError } from '../../src/core/errors';
import type { CheckRepository, FinishDetails, NewCheck } from '../../src/core/ports';
import { reason } from '../../src/core/reasons';
import { buildOutcomeEvent, outcomeEventId, type OutcomeEvent } from '../../src/events/envelope';
import { InMemoryCheckRepository } from '../support/in-memory';
import { sampleNewCheck, startDynamoDbUnderTest, type DynamoDbUnderTest } from '../support/local-dynamodb';

let dynamo: DynamoDbUnderTest;

beforeAll(async () => {
  dynamo = await startDynamoDbUnderTest();
});

afterAll(async () => {
  await dynamo?.close();
});

const CREATED_AT = '2026-01-01T00:00:00.000Z';
const UPLOAD_EXPIRES_AT = 1_767_226_500;
const LEASE = 1_767_226_000;
const MEDIA_DUE = 1_767_226_100;
const MEDIA: MediaFacts[] = [{ part: 'video', bytes: 436_464, container: 'mp4', codec: 'avc1', width: 1280, height: 720 }];
const RESULT: CheckResult = { decision: 'PASS', reasons: [], liveness: { live: true, score: 0.97 }, providerRequestId: 'r-1' };
const FAILURE = reason('PROVIDER_UNAVAILABLE');
const FINISH: FinishDetails = { media: MEDIA, at: '2026-01-01T00:03:00.000Z', providerMs: 1234, mediaDueAt: MEDIA_DUE };
const ANSWER: ProviderAnswer = { kind: 'answer', result: RESULT, providerMs: 1234 };
const TOMBSTONE = { erasedAt: '2026-01-01T00:04:00.000Z', expiresAt: 1_769_818_000 };

function newCheck(overrides: Partial<NewCheck> = {}): NewCheck {
  return sampleNewCheck({ consent: { noticeVersion: 'v3', acceptedAt: '2025-12-31T23:59:00Z' }, ...overrides });
}

const subjects: readonly [string, () => CheckRepository][] = [
  ['in-memory fake', () => new InMemoryCheckRepository()],
  ['DynamoDB adapter on dynalite', () => new DynamoDbCheckRepository(dynamo.clients.dynamo, dynamo.db.checksTable)],
];

describe.each(subjects)('CheckRepository contract: %s', (_name, makeRepository) => {
  async function created(overrides: Partial<NewCheck> = {}): Promise<{ repo: CheckRepository; checkId: string }> {
    const repo = makeRepository();
    const check = newCheck(overrides);
    await repo.create(check);
    return { repo, checkId: check.checkId };
  }

  async function processing(): Promise<{ repo: CheckRepository; checkId: string }> {
    const subject = await created({ parts: ['video'] });
    await subject.repo.startProcessing(subject.checkId, '2026-01-01T00:02:00.000Z', LEASE);
    return subject;
  }

  it('creates a check awaiting its uploads, and refuses the same id twice', async () => {
    const check = newCheck();
    const repo = makeRepository();

    await repo.create(check);

    expect(await repo.get(check.checkId)).toEqual({
      ...check,
      status: 'AWAITING_UPLOAD',
      updatedAt: CREATED_AT,
      received: {},
    });
    await expect(repo.create(check)).rejects.toBeInstanceOf(CheckAlreadyExistsError);
    expect(await repo.get(randomUUID())).toBeUndefined();
  });

  it('records a declared part, and ignores an undeclared part, an unknown check and a check no longer awaiting', async () => {
    const { repo, checkId } = await created();
    const video = { bytes: 436_464, etag: 'e1', contentType: 'video/mp4', receivedAt: '2026-01-01T00:01:00.000Z' };

    const recorded = await repo.recordPart(checkId, 'video', video);
    const undeclared = await repo.recordPart(checkId, 'selfie', video);
    const unknown = await repo.recordPart(randomUUID(), 'video', video);
    await repo.startProcessing(checkId, '2026-01-01T00:02:00.000Z', LEASE);
    const late = await repo.recordPart(checkId, 'reference', { bytes: 1, receivedAt: '2026-01-01T00:02:30.000Z' });

    expect(recorded).toMatchObject({ received: { video }, updatedAt: video.receivedAt, status: 'AWAITING_UPLOAD' });
    expect(undeclared).toBeUndefined();
    expect(unknown).toBeUndefined();
    expect(late).toBeUndefined();
    expect((await repo.get(checkId))?.received).toEqual({ video });
  });

  it('starts processing exactly once when 10 callers race for it', async () => {
    const { repo, checkId } = await created();

    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => repo.startProcessing(checkId, `2026-01-01T00:02:0${i}.000Z`, LEASE)),
    );

    const winners = outcomes.filter((outcome) => outcome !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'PROCESSING', attempt: 1, leaseUntil: LEASE, sweepAt: LEASE });
    expect(await repo.get(checkId)).toEqual(winners[0]);
    expect(await repo.startProcessing(randomUUID(), '2026-01-01T00:02:00.000Z', LEASE)).toBeUndefined();
  });

  it('resumes only after the lease ran out, once among 10 racing callers', async () => {
    const { repo, checkId } = await processing();
    const awaiting = await created();

    const early = await repo.resumeProcessing(checkId, '2026-01-01T00:02:30.000Z', LEASE, LEASE + 300);
    const notProcessing = await repo.resumeProcessing(awaiting.checkId, '2026-01-01T00:10:00.000Z', LEASE + 1, LEASE + 300);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => repo.resumeProcessing(checkId, '2026-01-01T00:10:00.000Z', LEASE + 1, LEASE + 300)),
    );

    expect(early).toBeUndefined();
    expect(notProcessing).toBeUndefined();
    const winners = outcomes.filter((outcome) => outcome !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'PROCESSING', attempt: 2, leaseUntil: LEASE + 300, sweepAt: LEASE + 300 });
  });

  it('records the provider answer once; a second answer or a check not processing is a conflict', async () => {
    const { repo, checkId } = await processing();
    const awaiting = await created();

    await repo.recordProviderAnswer(checkId, ANSWER, '2026-01-01T00:02:40.000Z');

    expect((await repo.get(checkId))?.providerAnswer).toEqual(ANSWER);
    await expect(repo.recordProviderAnswer(checkId, ANSWER, '2026-01-01T00:02:41.000Z')).rejects.toBeInstanceOf(
      TransitionConflictError,
    );
    await expect(repo.recordProviderAnswer(awaiting.checkId, ANSWER, CREATED_AT)).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(repo.recordProviderAnswer(randomUUID(), ANSWER, CREATED_AT)).rejects.toBeInstanceOf(TransitionConflictError);
  });

  it('completes a processing check with its result, media facts and media deadline; then it cannot finish again', async () => {
    const { repo, checkId } = await processing();

    await repo.complete(checkId, RESULT, FINISH);

    expect(await repo.get(checkId)).toMatchObject({
      status: 'COMPLETED',
      result: RESULT,
      media: MEDIA,
      completedAt: FINISH.at,
      updatedAt: FINISH.at,
      providerMs: 1234,
      sweepAt: MEDIA_DUE,
    });
    await expect(repo.complete(checkId, RESULT, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(repo.fail(checkId, FAILURE, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
  });

  it('fails a processing check with its reason, no result and no provider time when none was reported', async () => {
    const { repo, checkId } = await processing();

    await repo.fail(checkId, FAILURE, { media: [], at: FINISH.at, mediaDueAt: MEDIA_DUE });

    const check = await repo.get(checkId);
    expect(check).toMatchObject({ status: 'FAILED', failure: FAILURE, media: [], completedAt: FINISH.at, sweepAt: MEDIA_DUE });
    expect(check && Object.keys(check)).not.toContain('result');
    expect(check && Object.keys(check)).not.toContain('providerMs');
  });

  it('returns copies: changing a check read from the repository does not change the stored one', async () => {
    const { repo, checkId } = await created();

    const read = await repo.get(checkId);
    (read?.parts as string[] | undefined)?.push('selfie');

    expect((await repo.get(checkId))?.parts).toEqual(['video', 'reference']);
  });

  it('refuses to finish a check that never started, or is gone', async () => {
    const { repo, checkId } = await created();
    const erased = await processing();
    await erased.repo.erase(erased.checkId, TOMBSTONE);

    await expect(repo.complete(checkId, RESULT, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(repo.fail(checkId, FAILURE, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(erased.repo.complete(erased.checkId, RESULT, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    expect(await erased.repo.get(erased.checkId)).toBeUndefined();
  });

  it('expires a check only after its upload deadline and only while it awaits uploads', async () => {
    const { repo, checkId } = await created();
    const started = await processing();
    const failure = reason('MEDIA_MISSING');

    const early = await repo.expire(checkId, failure, '2026-01-01T00:15:00.000Z', UPLOAD_EXPIRES_AT);
    const expired = await repo.expire(checkId, failure, '2026-01-01T00:16:00.000Z', UPLOAD_EXPIRES_AT + 1);
    const again = await repo.expire(checkId, failure, '2026-01-01T00:17:00.000Z', UPLOAD_EXPIRES_AT + 2);
    const whileProcessing = await started.repo.expire(
      started.checkId,
      failure,
      '2026-01-01T00:16:00.000Z',
      UPLOAD_EXPIRES_AT + 1,
    );
    const gone = await repo.expire(randomUUID(), failure, '2026-01-01T00:16:00.000Z', UPLOAD_EXPIRES_AT + 1);

    expect([early, expired, again, whileProcessing, gone]).toEqual([false, true, false, false, false]);
    expect(await repo.get(checkId)).toMatchObject({
      status: 'EXPIRED',
      failure,
      completedAt: '2026-01-01T00:16:00.000Z',
      updatedAt: '2026-01-01T00:16:00.000Z',
      sweepAt: 1_767_226_800,
    });
  });

  it('lists due checks oldest first up to the limit, and forgets one once its media is deleted', async () => {
    // Sweep times far below the other cases' so this case sees only its own checks.
    const repo = makeRepository();
    const checks = [
      newCheck({ sweepAt: 300 }),
      newCheck({ sweepAt: 100 }),
      newCheck({ sweepAt: 200 }),
      newCheck({ sweepAt: 900 }),
    ];
    for (const check of checks) await repo.create(check);
    const [third, first, second] = checks.map((check) => check.checkId);

    const due = (await repo.listDue(250, 10)).checks;
    const limited = (await repo.listDue(350, 2)).checks;
    await repo.markMediaDeleted(first ?? '', '2026-01-01T00:20:00.000Z');
    const after = (await repo.listDue(350, 10)).checks;

    expect(due.map((check) => check.checkId)).toEqual([first, second]);
    expect(limited.map((check) => check.checkId)).toEqual([first, second]);
    expect(after.map((check) => check.checkId)).toEqual([second, third]);
    const deleted = await repo.get(first ?? '');
    expect(deleted?.mediaDeletedAt).toBe('2026-01-01T00:20:00.000Z');
    expect(deleted?.sweepAt).toBeUndefined();
  });

  it('does not recreate an erased check when its media deletion is recorded late', async () => {
    const { repo, checkId } = await created();
    await repo.erase(checkId, TOMBSTONE);

    await repo.markMediaDeleted(checkId, '2026-01-01T00:20:00.000Z');

    expect(await repo.get(checkId)).toBeUndefined();
  });

  it('queues REVIEW checks oldest first, records one review per check, and drops reviewed or media-less checks', async () => {
    const repo = makeRepository();
    const review = {
      decision: 'PASS',
      reviewer: 'alice',
      reviewedAt: '2026-01-01T00:10:00.000Z',
      previousDecision: 'REVIEW',
    } as const;
    const ids: string[] = [];
    for (const [decision, at] of [
      ['REVIEW', '2026-01-01T00:05:00.000Z'],
      ['PASS', '2026-01-01T00:04:00.000Z'],
      ['REVIEW', '2026-01-01T00:03:00.000Z'],
    ] as const) {
      const check = newCheck({ parts: ['video'] });
      await repo.create(check);
      await repo.startProcessing(check.checkId, '2026-01-01T00:02:00.000Z', LEASE);
      await repo.complete(check.checkId, { ...RESULT, decision, reasons: [reason('NEEDS_REVIEW')] }, { ...FINISH, at });
      ids.push(check.checkId);
    }
    const [later, passed, earlier] = ids as [string, string, string];
    const queued = async () => {
      const page = await repo.listAwaitingReview(100);
      return page.checks.map((check) => check.checkId).filter((id) => ids.includes(id));
    };

    expect(await queued()).toEqual([earlier, later]);
    const firstPage = await repo.listAwaitingReview(1);
    expect(firstPage.checks).toHaveLength(1);
    expect(firstPage.nextToken).toEqual(expect.any(String));
    await expect(repo.listAwaitingReview(1, 'not-a-token')).rejects.toBeInstanceOf(ValidationError);

    const reviewed = await repo.recordReview(earlier, review, MEDIA_DUE);
    expect(reviewed).toMatchObject({
      review,
      result: { decision: 'PASS', reasons: [reason('NEEDS_REVIEW')] },
      sweepAt: MEDIA_DUE,
    });
    expect(await repo.recordReview(earlier, { ...review, decision: 'FAIL' }, MEDIA_DUE)).toBeUndefined();
    expect(await repo.recordReview(passed, review, MEDIA_DUE)).toBeUndefined();
    expect(await repo.recordReview(randomUUID(), review, MEDIA_DUE)).toBeUndefined();
    expect((await repo.get(earlier))?.review).toEqual(review);
    expect(await queued()).toEqual([later]);

    await repo.markMediaDeleted(later, '2026-01-08T00:05:00.000Z');
    expect(await queued()).toEqual([]);
    expect((await repo.get(later))?.result?.decision).toBe('REVIEW');
  });

  it('erases a check, returning what it held; a second erase finds nothing', async () => {
    const { repo, checkId } = await processing();
    await repo.complete(checkId, RESULT, FINISH);

    const erased = await repo.erase(checkId, TOMBSTONE);
    const again = await repo.erase(checkId, TOMBSTONE);

    expect(erased).toMatchObject({ checkId, status: 'COMPLETED', result: RESULT });
    expect(again).toBeUndefined();
    expect(await repo.get(checkId)).toBeUndefined();
  });

  it('keeps the erasure’s receipt facts on the tombstone, and reads no tombstone for a live or unknown check', async () => {
    const { repo, checkId } = await processing();
    const receipt = { erasedBy: 'arn:aws:iam::123456789012:role/ops', deleted: { media: ['video' as const], result: false } };
    const live = await repo.erasureOf(checkId);

    await repo.erase(checkId, { ...TOMBSTONE, receipt });

    expect(live).toBeUndefined();
    expect(await repo.erasureOf(checkId)).toEqual({ ...TOMBSTONE, receipt });
    expect(await repo.erasureOf('00000000-0000-4000-8000-0000000000ee')).toBeUndefined();
  });

  it('lets no write of an attempt still running change or recreate an erased check', async () => {
    const { repo, checkId } = await processing();
    await repo.erase(checkId, TOMBSTONE);

    const resumed = await repo.resumeProcessing(checkId, '2026-01-01T00:05:00.000Z', LEASE + 1, LEASE + 60);
    await expect(repo.recordProviderAnswer(checkId, ANSWER, '2026-01-01T00:05:00.000Z')).rejects.toBeInstanceOf(
      TransitionConflictError,
    );
    await expect(repo.complete(checkId, RESULT, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(repo.fail(checkId, FAILURE, FINISH)).rejects.toBeInstanceOf(TransitionConflictError);
    await repo.markMediaDeleted(checkId, '2026-01-01T00:05:00.000Z');

    expect(resumed).toBeUndefined();
    expect(await repo.get(checkId)).toBeUndefined();
    expect(await repo.erase(checkId, TOMBSTONE)).toBeUndefined();
  });

  it('keeps an erased check out of uploads, the start and the sweep, and its id from being reused', async () => {
    const check = newCheck({ sweepAt: 50 });
    const repo = makeRepository();
    await repo.create(check);
    await repo.erase(check.checkId, TOMBSTONE);

    const recorded = await repo.recordPart(check.checkId, 'video', {
      bytes: 10,
      etag: 'e2',
      receivedAt: '2026-01-01T00:05:00.000Z',
    });
    const started = await repo.startProcessing(check.checkId, '2026-01-01T00:05:00.000Z', LEASE);
    const expired = await repo.expire(check.checkId, FAILURE, '2026-01-01T00:16:00.000Z', UPLOAD_EXPIRES_AT + 1);
    const due = await repo.listDue(60, 1_000);

    expect([recorded, started, expired]).toEqual([undefined, undefined, false]);
    expect(due.checks.map((candidate) => candidate.checkId)).not.toContain(check.checkId);
    expect(due.erasures.map((candidate) => candidate.checkId)).not.toContain(check.checkId);
    await expect(repo.create(check)).rejects.toBeInstanceOf(CheckAlreadyExistsError);
    expect(await repo.get(check.checkId)).toBeUndefined();
  });

  describe('outbox', () => {
    const OUTBOX_DUE = MEDIA_DUE - 50;
    function eventFor(checkId: string, type: 'check.completed' | 'check.expired' | 'check.erased'): OutcomeEvent {
      return buildOutcomeEvent({
        type,
        check: { checkId, provider: 'fpt', result: RESULT, failure: reason('MEDIA_MISSING') },
        occurredAt: FINISH.at,
      });
    }

    it('writes the event with the transition, due earlier for the sweep, and clearing it puts the media deadline back', async () => {
      const { repo, checkId } = await processing();
      const event = eventFor(checkId, 'check.completed');

      await repo.complete(checkId, RESULT, { ...FINISH, outbox: { events: [event], dueAt: OUTBOX_DUE } });
      const written = await repo.get(checkId);
      const wrongIds = await repo.clearOutbox(checkId, ['evt_00000000000000000000000000000000']);
      const cleared = await repo.clearOutbox(checkId, [event.id]);
      const after = await repo.get(checkId);

      expect(written).toMatchObject({ status: 'COMPLETED', outbox: [event], sweepAt: OUTBOX_DUE, sweepAfterOutbox: MEDIA_DUE });
      expect(wrongIds).toBe(false);
      expect(cleared).toBe(true);
      expect(after?.outbox).toBeUndefined();
      expect(after?.sweepAt).toBe(MEDIA_DUE);
      expect((await repo.listDue(MEDIA_DUE, 1_000)).checks.map((check) => check.checkId)).toContain(checkId);
    });

    it('keeps a check whose media is deleted on the sweep index while its outbox is unpublished, and lets it go once cleared', async () => {
      const { repo, checkId } = await processing();
      const event = eventFor(checkId, 'check.completed');
      await repo.complete(checkId, RESULT, { ...FINISH, outbox: { events: [event], dueAt: OUTBOX_DUE } });

      await repo.markMediaDeleted(checkId, '2026-01-01T00:03:01.000Z');
      const pending = (await repo.listDue(OUTBOX_DUE, 1_000)).checks.map((check) => check.checkId);
      await repo.clearOutbox(checkId, [event.id]);
      const afterClear = (await repo.listDue(Number.MAX_SAFE_INTEGER, 1_000)).checks.map((check) => check.checkId);

      expect(pending).toContain(checkId);
      expect(afterClear).not.toContain(checkId);
      expect((await repo.get(checkId))?.mediaDeletedAt).toBe('2026-01-01T00:03:01.000Z');
    });

    it('writes no event when the transition loses (a second finish, an expiry of a check that moved on)', async () => {
      const { repo, checkId } = await processing();
      const event = eventFor(checkId, 'check.completed');
      await repo.complete(checkId, RESULT, { ...FINISH, outbox: { events: [event], dueAt: OUTBOX_DUE } });
      await repo.clearOutbox(checkId, [event.id]);

      await expect(repo.complete(checkId, RESULT, { ...FINISH, outbox: { events: [event], dueAt: OUTBOX_DUE } })).rejects.toThrow(
        TransitionConflictError,
      );
      const expired = await repo.expire(checkId, reason('MEDIA_MISSING'), FINISH.at, UPLOAD_EXPIRES_AT + 1, {
        events: [eventFor(checkId, 'check.expired')],
        dueAt: OUTBOX_DUE,
      });

      expect(expired).toBe(false);
      expect((await repo.get(checkId))?.outbox).toBeUndefined();
    });

    async function erasureOf(repo: CheckRepository, checkId: string) {
      return (await repo.listDue(Number.MAX_SAFE_INTEGER, 1_000)).erasures.find((due) => due.checkId === checkId);
    }

    it('erases with check.erased in the tombstone, due for the sweep as an erasure (never as a check), and clearing it takes the tombstone off the index', async () => {
      const { repo, checkId } = await processing();
      const erasedEvent = eventFor(checkId, 'check.erased');

      const erased = await repo.erase(checkId, TOMBSTONE, { events: [erasedEvent], dueAt: OUTBOX_DUE });
      const early = await repo.listDue(OUTBOX_DUE - 1, 1_000);
      const due = await repo.listDue(OUTBOX_DUE, 1_000);
      const wrongIds = await repo.clearOutbox(checkId, ['evt_00000000000000000000000000000000']);
      const cleared = await repo.clearOutbox(checkId, [erasedEvent.id]);
      const afterClear = await erasureOf(repo, checkId);

      expect(erased).toMatchObject({ checkId, status: 'PROCESSING' });
      expect(erased?.outbox).toBeUndefined();
      expect(early.erasures.map((entry) => entry.checkId)).not.toContain(checkId);
      expect(due.erasures.filter((entry) => entry.checkId === checkId)).toEqual([{ checkId, outbox: [erasedEvent] }]);
      expect(due.checks.map((check) => check.checkId)).not.toContain(checkId);
      expect(await repo.get(checkId)).toBeUndefined();
      expect([wrongIds, cleared]).toEqual([false, true]);
      expect(afterClear).toBeUndefined();
      expect(await repo.get(checkId)).toBeUndefined();
    });

    it('writes no second check.erased when the check is erased again, before or after the first was published', async () => {
      const { repo, checkId } = await processing();
      const erasedEvent = eventFor(checkId, 'check.erased');
      const outbox = { events: [erasedEvent], dueAt: OUTBOX_DUE };
      await repo.erase(checkId, TOMBSTONE, outbox);

      const again = await repo.erase(checkId, TOMBSTONE, outbox);
      const held = await erasureOf(repo, checkId);
      await repo.clearOutbox(checkId, [erasedEvent.id]);
      const afterPublish = await repo.erase(checkId, TOMBSTONE, outbox);

      expect([again, afterPublish]).toEqual([undefined, undefined]);
      expect(held?.outbox).toEqual([erasedEvent]);
      expect(await erasureOf(repo, checkId)).toBeUndefined();
    });

    it('moves the unpublished events of the record it erases onto the tombstone, ahead of check.erased', async () => {
      const { repo, checkId } = await processing();
      const completed = eventFor(checkId, 'check.completed');
      const erasedEvent = eventFor(checkId, 'check.erased');
      await repo.complete(checkId, RESULT, { ...FINISH, outbox: { events: [completed], dueAt: OUTBOX_DUE } });

      const erased = await repo.erase(checkId, TOMBSTONE, { events: [erasedEvent], dueAt: OUTBOX_DUE + 5 });
      const held = await erasureOf(repo, checkId);
      // The completing function clears only its own event: the tombstone holds more, so it stays.
      const lateClear = await repo.clearOutbox(checkId, [completed.id]);
      const cleared = await repo.clearOutbox(checkId, [completed.id, erasedEvent.id]);

      expect(erased).toMatchObject({ status: 'COMPLETED', outbox: [completed] });
      expect(held).toEqual({ checkId, outbox: [completed, erasedEvent] });
      expect([lateClear, cleared]).toEqual([false, true]);
      expect(await erasureOf(repo, checkId)).toBeUndefined();
    });

    it('expires with the event in the outbox', async () => {
      const { repo, checkId } = await created();
      const event = eventFor(checkId, 'check.expired');

      const expired = await repo.expire(checkId, reason('MEDIA_MISSING'), FINISH.at, UPLOAD_EXPIRES_AT + 1, {
        events: [event],
        dueAt: OUTBOX_DUE,
      });

      expect(expired).toBe(true);
      expect(await repo.get(checkId)).toMatchObject({ status: 'EXPIRED', outbox: [event], sweepAt: OUTBOX_DUE });
    });
  });
});

describe('outboxUpdate without anything after the outbox (a transition such as an erasure tombstone)', () => {
  it('makes the check due for its outbox, and clearing the outbox takes it off the sweep index', async () => {
    // Prepare: a check that once had an outbox with something after it.
    const repo = new DynamoDbCheckRepository(dynamo.clients.dynamo, dynamo.db.checksTable);
    const check = newCheck();
    await repo.create(check);
    await repo.expire(check.checkId, reason('MEDIA_MISSING'), FINISH.at, UPLOAD_EXPIRES_AT + 1, {
      events: [
        buildOutcomeEvent({
          type: 'check.expired',
          check: { ...check, failure: reason('MEDIA_MISSING') },
          occurredAt: FINISH.at,
        }),
      ],
      dueAt: MEDIA_DUE,
    });
    await repo.clearOutbox(check.checkId, [outcomeEventId(check.checkId, 'check.expired')]);
    const erased = buildOutcomeEvent({ type: 'check.erased', check, occurredAt: FINISH.at });
    const parts = outboxUpdate({ events: [erased], dueAt: MEDIA_DUE + 10 });

    // Act
    await dynamo.clients.dynamo.send(
      new UpdateCommand({
        TableName: dynamo.db.checksTable,
        Key: { checkId: check.checkId },
        UpdateExpression: `SET ${parts.sets.join(', ')} REMOVE ${parts.removes.join(', ')}`,
        ExpressionAttributeNames: parts.names,
        ExpressionAttributeValues: parts.values,
      }),
    );
    const pending = await repo.get(check.checkId);
    const cleared = await repo.clearOutbox(check.checkId, [erased.id]);

    // Assess
    expect(pending).toMatchObject({ outbox: [erased], sweepAt: MEDIA_DUE + 10 });
    expect(pending?.sweepAfterOutbox).toBeUndefined();
    expect(cleared).toBe(true);
    expect((await repo.listDue(Number.MAX_SAFE_INTEGER, 1_000)).checks.map((due) => due.checkId)).not.toContain(check.checkId);
  });
});

describe('DynamoDB erase racing a publisher that clears the outbox', () => {
  it('retries its Put on the outbox it finds, so the tombstone holds the events still unpublished, once each', async () => {
    // Prepare: a completed check with its check.completed unpublished; the adapter's client lets
    // the completing function clear that event just before the erasure's second Put.
    const real = dynamo.clients.dynamo;
    const plain = new DynamoDbCheckRepository(real, dynamo.db.checksTable);
    const check = newCheck({ parts: ['video'] });
    await plain.create(check);
    await plain.startProcessing(check.checkId, '2026-01-01T00:02:00.000Z', LEASE);
    const source = { checkId: check.checkId, provider: 'fpt', result: RESULT };
    const completed = buildOutcomeEvent({ type: 'check.completed', check: source, occurredAt: FINISH.at });
    const erasedEvent = buildOutcomeEvent({ type: 'check.erased', check: source, occurredAt: TOMBSTONE.erasedAt });
    await plain.complete(check.checkId, RESULT, { ...FINISH, outbox: { events: [completed], dueAt: MEDIA_DUE - 50 } });
    const puts: string[] = [];
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof PutCommand) {
          puts.push(String(command.input.ConditionExpression));
          if (puts.length === 2) expect(await plain.clearOutbox(check.checkId, [completed.id])).toBe(true);
        }
        return real.send(command as PutCommand);
      },
    } as unknown as typeof real;
    const repo = new DynamoDbCheckRepository(racing, dynamo.db.checksTable);

    // Act
    const erased = await repo.erase(check.checkId, TOMBSTONE, { events: [erasedEvent], dueAt: MEDIA_DUE });

    // Assess: first Put expected no outbox, the second the completed event (cleared under it), the third none again.
    expect(puts).toHaveLength(3);
    expect(erased).toMatchObject({ checkId: check.checkId, status: 'COMPLETED' });
    expect(erased?.outbox).toBeUndefined();
    const due = (await plain.listDue(Number.MAX_SAFE_INTEGER, 1_000)).erasures.find((entry) => entry.checkId === check.checkId);
    expect(due).toEqual({ checkId: check.checkId, outbox: [erasedEvent] });
  });
});
