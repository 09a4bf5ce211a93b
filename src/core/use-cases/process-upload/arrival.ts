// A part arrives: it is recorded while the check awaits it; when every declared part is there,
// exactly one caller moves the check to PROCESSING and runs the first attempt. A check whose
// attempt died is resumed here once its lease has run out (the sweep asks for it).
import { allPartsReceived, type Check, type PartName } from '../../check';
import { mediaKey } from '../../ports';
import { reason } from '../../reasons';
import { runAttempt } from './attempt';
import { epoch, type PartArrival, type ProcessOutcome, type ProcessUploadDeps } from './deps';
import { finishFailed } from './finish';

export async function processUpload(deps: ProcessUploadDeps, arrival: PartArrival): Promise<ProcessOutcome> {
  const { checkId, part } = arrival;
  // State first: a late duplicate event may arrive after the media was deleted, and S3 answers a
  // HEAD on a missing key with 403 to a role without ListBucket.
  const current = await deps.checks.get(checkId);
  if (!current || current.status !== 'AWAITING_UPLOAD' || !current.parts.includes(part)) {
    return ignoreLatePart(deps, checkId, part, current);
  }
  const head = await deps.media.head(mediaKey(checkId, part));
  const now = deps.clock.now();
  const at = now.toISOString();
  const etag = head?.etag ?? arrival.etag;
  const received = {
    bytes: head?.bytes ?? arrival.bytes ?? 0,
    ...(etag ? { etag } : {}),
    ...(head?.contentType ? { contentType: head.contentType } : {}),
    receivedAt: at,
  };
  const check = await deps.checks.recordPart(checkId, part, received);
  if (!check) return ignoreLatePart(deps, checkId, part, await deps.checks.get(checkId));
  const partAudited = deps.audit.append({ checkId, type: 'PART_RECEIVED', detail: { part, ...received } });
  if (!allPartsReceived(check)) {
    await partAudited;
    return 'waiting-for-parts';
  }
  const [, started] = await Promise.all([
    partAudited,
    deps.checks.startProcessing(checkId, at, epoch(now) + deps.policy.processingLeaseSeconds),
  ]);
  if (!started) return 'already-started';
  // The audit write runs beside the attempt: it is not on the critical path (its sequence number is
  // taken when the call starts, so the trail keeps the order).
  const [, outcome] = await Promise.all([
    deps.audit.append({ checkId, type: 'PROCESSING_STARTED', detail: { parts: check.parts, attempt: 1 } }),
    runAttempt(deps, started),
  ]);
  return outcome;
}

/**
 * Picks up a check whose processing attempt died (crash or timeout) once its lease has run out.
 * Only one caller wins the resume; after maxProcessingAttempts the check ends FAILED.
 */
export async function resumeCheck(deps: ProcessUploadDeps, checkId: string): Promise<ProcessOutcome> {
  const now = deps.clock.now();
  const resumed = await deps.checks.resumeProcessing(
    checkId,
    now.toISOString(),
    epoch(now),
    epoch(now) + deps.policy.processingLeaseSeconds,
  );
  if (!resumed) return 'already-started';
  const attempt = resumed.attempt ?? 1;
  await deps.audit.append({
    checkId,
    type: 'PROCESSING_RESUMED',
    detail: { attempt, fromRecordedAnswer: resumed.providerAnswer !== undefined },
  });
  if (attempt > deps.policy.maxProcessingAttempts && !resumed.providerAnswer) {
    const failure = reason('PROCESSING_FAILED', `Processing did not finish after ${attempt - 1} attempts.`);
    return finishFailed(deps, resumed, failure, resumed.media ?? []);
  }
  return runAttempt(deps, resumed);
}

async function ignoreLatePart(
  deps: ProcessUploadDeps,
  checkId: string,
  part: PartName,
  current: Check | undefined,
): Promise<ProcessOutcome> {
  deps.log.info('Part event ignored: check is not awaiting this part', { checkId, part, status: current?.status ?? 'none' });
  if (!current) {
    // Uploaded for an erased or unknown check (a form stays valid for minutes): keep nothing.
    await deps.media.delete(mediaKey(checkId, part));
    return 'ignored-late';
  }
  await deps.audit.append({ checkId, type: 'PART_IGNORED', detail: { part, status: current.status } });
  if (current.status !== 'AWAITING_UPLOAD' && current.status !== 'PROCESSING' && current.mediaDeletedAt) {
    // The check is decided and its media already gone: a late re-upload must not linger.
    await deps.media.delete(mediaKey(checkId, part));
  }
  return 'ignored-late';
}
