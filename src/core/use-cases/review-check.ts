// Human review: the queue of REVIEW checks, short-lived links to their media, and a person's
// decision (GET /v1/reviews, GET /v1/checks/{id}/media/{part}, POST /v1/checks/{id}/review).
import type { MediaUrlResponse, ReviewQueueResponse, ReviewRequest } from '../api-schemas';
import { REVIEW_PAGE_DEFAULT } from '../api-schemas';
import type { DeepReadonly, PartName, Review } from '../check';
import { CheckNotFoundError, describeError, MediaNotFoundError, ReviewConflictError } from '../errors';
import type { Log } from '../log';
import {
  mediaKey,
  type AuditEntry,
  type AuditLog,
  type CheckRepository,
  type Clock,
  type MediaStore,
  type MediaUrlSigner,
  type OutcomePublisher,
} from '../ports';
import { deleteCheckMedia } from './media-retention';
import { outboxFor, publishOutbox } from './outcome-events';
import { getCheckResult, live, type CheckResultView } from './read-check';

/** A media link lives at most this long: enough to load a video, short enough not to be passed around. */
export const MEDIA_URL_SECONDS = 300;

export type ReviewQueueView = DeepReadonly<ReviewQueueResponse>;
export type MediaUrlView = DeepReadonly<MediaUrlResponse>;

export async function listReviews(
  deps: { readonly checks: CheckRepository; readonly clock: Clock },
  query: { readonly limit?: number; readonly nextToken?: string },
): Promise<ReviewQueueView> {
  const page = await deps.checks.listAwaitingReview(query.limit ?? REVIEW_PAGE_DEFAULT, query.nextToken);
  const now = deps.clock.now().getTime() / 1000;
  const items = page.checks
    // Past retention reads as gone, even while DynamoDB's TTL deletion lags behind.
    .filter((check) => check.expiresAt > now && check.completedAt !== undefined)
    .map((check) => ({
      checkId: check.checkId,
      ...(check.externalRef !== undefined ? { externalRef: check.externalRef } : {}),
      provider: check.provider,
      reasons: check.result?.reasons ?? [],
      completedAt: check.completedAt ?? check.updatedAt,
    }));
  return page.nextToken !== undefined ? { items, nextToken: page.nextToken } : { items };
}

export interface MediaUrlDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly urls: MediaUrlSigner;
  readonly clock: Clock;
}

/** A presigned GET of one part, only while it is stored; every link handed out is audited. */
export async function getMediaUrl(
  deps: MediaUrlDeps,
  checkId: string,
  part: PartName,
  requestedBy: string,
): Promise<MediaUrlView> {
  const check = await live(deps.checks, deps.clock, checkId);
  if (!check) throw new CheckNotFoundError();
  // Only a part that arrived and is still kept: a declared part never uploaded has nothing to show.
  if (check.received[part] === undefined || check.mediaDeletedAt !== undefined) throw new MediaNotFoundError();
  const key = mediaKey(checkId, part);
  if ((await deps.media.head(key)) === undefined) throw new MediaNotFoundError();
  const url = await deps.urls.presignGet(key, MEDIA_URL_SECONDS);
  const expiresAt = new Date(deps.clock.now().getTime() + MEDIA_URL_SECONDS * 1000).toISOString();
  await deps.audit.append({ checkId, type: 'MEDIA_VIEWED', detail: { part, requestedBy, expiresAt } });
  return { url, expiresAt };
}

export interface DecideReviewDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly log: Log;
  /** check.reviewed goes here, committed with the review in the same conditional write. */
  readonly outcomes: OutcomePublisher;
  readonly policy: { readonly mediaRetentionSeconds: number };
}

/**
 * A person settles a REVIEW check. The write is conditional (REVIEW and not yet reviewed), so of
 * two reviewers racing exactly one wins and the other gets 409. The decision replaces the
 * result's `decision`; the provider's reasons and scores stay as they were.
 */
export async function decideReview(
  deps: DecideReviewDeps,
  checkId: string,
  request: ReviewRequest,
  /** Who called the route (the IAM principal): audited beside the reviewer name the body gives. */
  requestedBy: string,
): Promise<CheckResultView> {
  const check = await live(deps.checks, deps.clock, checkId);
  if (!check) throw new CheckNotFoundError();
  if (check.review !== undefined) {
    // A call that recorded the review may have died before auditing it: the retry, answered 409,
    // writes the missing entry from the stored review.
    await auditReviewIfMissing(deps, checkId, check.review);
    throw new ReviewConflictError();
  }
  if (check.status !== 'COMPLETED' || check.result?.decision !== 'REVIEW') throw new ReviewConflictError();
  const now = deps.clock.now();
  const review: Review = {
    decision: request.decision,
    reviewer: request.reviewer,
    ...(request.note !== undefined ? { note: request.note } : {}),
    reviewedAt: now.toISOString(),
    previousDecision: 'REVIEW',
  };
  // Media already gone (the review window ended): nothing more for the sweep to delete. Otherwise
  // the usual retention applies, never past the record itself.
  const mediaDueAt =
    check.mediaDeletedAt === undefined
      ? Math.min(Math.floor(now.getTime() / 1000) + deps.policy.mediaRetentionSeconds, check.expiresAt)
      : undefined;
  // The event reports the reviewer's decision; the provider's reasons stay as the provider gave them.
  const decided = check.result ? { ...check.result, decision: review.decision } : undefined;
  const outbox = outboxFor(deps, 'check.reviewed', { ...check, ...(decided ? { result: decided } : {}) }, review.reviewedAt);
  const reviewed = await deps.checks.recordReview(checkId, review, mediaDueAt, outbox);
  if (!reviewed) {
    // Lost a race: to another reviewer (409) or to an erasure (404).
    if (!(await deps.checks.get(checkId))) throw new CheckNotFoundError();
    throw new ReviewConflictError();
  }
  deps.log.info('Check reviewed', { checkId, decision: review.decision });
  // As after a decision: the event first (it clears the outbox), then the media.
  const published = outbox ? publishOutbox(deps, checkId, outbox.events) : undefined;
  const audited = deps.audit.append(reviewAuditEntry(checkId, review, requestedBy));
  await Promise.all([published, audited]);
  if (deps.policy.mediaRetentionSeconds === 0 && reviewed.mediaDeletedAt === undefined) {
    try {
      await deleteCheckMedia(deps, reviewed);
    } catch (error) {
      // The review stands; the check is due for the sweep, which retries the deletion.
      deps.log.error('Deleting media after review failed; the sweep will retry', { checkId, error: describeError(error) });
    }
  }
  return getCheckResult(deps.checks, deps.clock, checkId);
}

/**
 * The audit entry of a review. The note is free text about the applicant: it stays on the check
 * (the result's `review`), which erasure removes, and the append-only trail records only that
 * there was one.
 */
function reviewAuditEntry(checkId: string, review: Review, requestedBy?: string): AuditEntry {
  return {
    checkId,
    type: 'REVIEW_DECIDED',
    detail: {
      decision: review.decision,
      previousDecision: review.previousDecision,
      reviewer: review.reviewer,
      noted: review.note !== undefined,
      reviewedAt: review.reviewedAt,
      ...(requestedBy !== undefined ? { requestedBy } : {}),
    },
  };
}

async function auditReviewIfMissing(deps: DecideReviewDeps, checkId: string, review: Review): Promise<void> {
  const trail = await deps.audit.list(checkId);
  if (trail.some((entry) => entry.type === 'REVIEW_DECIDED')) return;
  deps.log.warn('The review was recorded but not audited; auditing it now', { checkId });
  await deps.audit.append(reviewAuditEntry(checkId, review));
}
