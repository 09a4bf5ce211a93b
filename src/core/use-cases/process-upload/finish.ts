// The end of an attempt: the check is decided (COMPLETED or FAILED), audited, and its media
// deleted at once when no keep window is configured.
import type { Check, CheckResult, MediaFacts, ProviderAnswer } from '../../check';
import type { Outbox } from '../../ports';
import type { Reason } from '../../reasons';
import { deleteCheckMedia } from '../media-retention';
import { outboxFor, publishOutbox } from '../outcome-events';
import { decide } from './decision-policy';
import { epoch, type ProcessOutcome, type ProcessUploadDeps } from './deps';
import { describeError } from '../../errors';

export async function finishFromAnswer(
  deps: ProcessUploadDeps,
  check: Check,
  answer: ProviderAnswer,
  media: readonly MediaFacts[],
): Promise<ProcessOutcome> {
  // Failover: the review band is that of the provider that answered (a fallback's, after a failover).
  const decided = decide(check, answer, deps.providers.get(answer.provider ?? check.provider));
  return decided.kind === 'failed'
    ? finishFailed(deps, check, decided.failure, media, answer.providerMs)
    : finishCompleted(deps, check, decided.result, media, answer.providerMs);
}

/** How long the media outlives the decision: a REVIEW check keeps it for the review window. */
function mediaKeepSeconds(deps: ProcessUploadDeps, result: CheckResult | undefined): number {
  return result?.decision === 'REVIEW'
    ? Math.max(deps.policy.mediaRetentionSeconds, deps.policy.reviewWindowSeconds)
    : deps.policy.mediaRetentionSeconds;
}

function finishDetails(
  deps: ProcessUploadDeps,
  check: Check,
  media: readonly MediaFacts[],
  providerMs?: number,
  result?: CheckResult,
) {
  const now = deps.clock.now();
  return {
    media,
    at: now.toISOString(),
    // Never past the record's own expiry: media whose check is gone could no longer be erased on request.
    mediaDueAt: Math.min(epoch(now) + mediaKeepSeconds(deps, result), check.expiresAt),
    ...(providerMs !== undefined ? { providerMs } : {}),
  };
}

export async function finishCompleted(
  deps: ProcessUploadDeps,
  check: Check,
  result: CheckResult,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  const details = finishDetails(deps, check, media, providerMs, result);
  const outbox = outboxFor(deps, 'check.completed', { ...check, result }, details.at);
  await deps.checks.complete(check.checkId, result, { ...details, ...(outbox ? { outbox } : {}) });
  deps.log.info('Check completed', { checkId: check.checkId, decision: result.decision });
  await Promise.all([
    deps.audit.append({
      checkId: check.checkId,
      type: 'RESULT_RECORDED',
      detail: { status: 'COMPLETED', decision: result.decision, reasons: result.reasons.map((r) => r.code) },
    }),
    // The result is stored: the event goes out now, and the media after it (see publishThenDelete).
    publishThenDeleteMedia(deps, check, outbox, result),
  ]);
  return 'completed';
}

export async function finishFailed(
  deps: ProcessUploadDeps,
  check: Check,
  failure: Reason,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  const details = finishDetails(deps, check, media, providerMs);
  const outbox = outboxFor(deps, 'check.failed', { ...check, failure }, details.at);
  await deps.checks.fail(check.checkId, failure, { ...details, ...(outbox ? { outbox } : {}) });
  deps.log.warn('Check failed', { checkId: check.checkId, reason: failure.code });
  await Promise.all([
    deps.audit.append({ checkId: check.checkId, type: 'CHECK_FAILED', detail: { status: 'FAILED', reason: failure.code } }),
    publishThenDeleteMedia(deps, check, outbox),
  ]);
  return 'failed';
}

/**
 * Publishing first means the outbox is normally cleared before the media deletion takes the check
 * off the sweep index; when publishing fails, the repository keeps the check on the index anyway.
 */
async function publishThenDeleteMedia(
  deps: ProcessUploadDeps,
  check: Check,
  outbox: Outbox | undefined,
  result?: CheckResult,
): Promise<void> {
  if (outbox) await publishOutbox(deps, check.checkId, outbox.events);
  await deleteMediaIfDue(deps, check, result);
}

/** With no keep window the media goes as soon as the check is decided; otherwise the sweep deletes it later. */
async function deleteMediaIfDue(deps: ProcessUploadDeps, check: Check, result?: CheckResult): Promise<void> {
  if (mediaKeepSeconds(deps, result) > 0) return;
  try {
    await deleteCheckMedia(deps, check);
  } catch (error) {
    // The decision stands; the sweep retries the deletion (the check keeps its sweepAt).
    deps.log.error('Deleting media failed; the sweep will retry', { checkId: check.checkId, error: describeError(error) });
  }
}
