// Human review: the queue of REVIEW checks, short-lived links to their media, and a person's
// decision (GET /v1/reviews, GET /v1/checks/{id}/media/{part}, POST /v1/checks/{id}/review).
import type { MediaUrlResponse, ReviewQueueResponse, ReviewRequest } from '../api-schemas';
import { REVIEW_PAGE_DEFAULT } from '../api-schemas';
import type { DeepReadonly, PartName, Review } from '../check';
import { CheckNotFoundError, describeError, MediaNotFoundError, ReviewConflictError } from '../errors';
import type { Log } from '../log';
import {
  mediaKey,
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
export async function decideReview(deps: DecideReviewDeps, checkId: string, request: ReviewRequest): Promise<CheckResultView> {
  const check = await live(deps.checks, deps.clock, checkId);
  if (!check) throw new CheckNotFoundError();
  if (check.status !== 'COMPLETED' || check.result?.decision !== 'REVIEW' || check.review !== undefined) {
    throw new ReviewConflictError();
  }
  const now = deps.clock.now();
  const review: Review = {
    decision: request.decision,
    reviewer: request.reviewer,
    ...(request.note !== undefined ? { note: request.note } : {}),
    reviewedAt: now.toISOString(),
    previousDecision: 'REVIEW',
  };
  const mediaDueAt = Math.floor(now.getTime() / 1000) + deps.policy.mediaRetentionSeconds;
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
  const audited = deps.audit.append({
    checkId,
    type: 'REVIEW_DECIDED',
    detail: {
      decision: review.decision,
      previousDecision: review.previousDecision,
      reviewer: review.reviewer,
      ...(review.note !== undefined ? { note: review.note } : {}),
      reviewedAt: review.reviewedAt,
    },
  });
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
