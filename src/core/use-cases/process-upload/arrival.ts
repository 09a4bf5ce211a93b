// A part arrives: it is recorded (size and ETag, which pin the upload the check will judge) while
// the check awaits it; when every declared part is there, exactly one caller moves the check to
// PROCESSING and runs the first attempt. A check whose attempt died is resumed here once its
// lease has run out (the sweep asks for it). The record is written first, with no read before it:
// the conditional update itself tells a late or duplicate event apart.
import { allPartsReceived, type Check, type ReceivedPart } from '../../check';
import { mediaKey } from '../../ports';
import { reason } from '../../reasons';
import { runAttempt } from './attempt';
import { epoch, type PartArrival, type ProcessOutcome, type ProcessUploadDeps } from './deps';
import { finishFailed } from './finish';

export async function processUpload(deps: ProcessUploadDeps, arrival: PartArrival): Promise<ProcessOutcome> {
  const { checkId, part } = arrival;
  const now = deps.clock.now();
  const at = now.toISOString();
  const received = await describeArrival(deps, arrival, at);
  if (!received) return ignoreLatePart(deps, arrival, await deps.checks.get(checkId));
  const check = await deps.checks.recordPart(checkId, part, received);
  if (!check) return ignoreLatePart(deps, arrival, await deps.checks.get(checkId));
  const partAudited = deps.audit.append({ checkId, type: 'PART_RECEIVED', detail: { part, ...received } });
  // Audit writes run beside the path to the result, never in front of it (each takes its sequence
  // number when issued, so the trail keeps the order); a failed one still fails the event.
  partAudited.catch(() => {});
  if (!allPartsReceived(check)) {
    await partAudited;
    return 'waiting-for-parts';
  }
  const started = await deps.checks.startProcessing(checkId, at, epoch(now) + deps.policy.processingLeaseSeconds);
  if (!started) {
    await partAudited;
    return 'already-started';
  }
  const [, , outcome] = await Promise.all([
    partAudited,
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

/**
 * Size and ETag as the storage event reports them (S3 events carry both); a HEAD only for an event
 * without them. Undefined when there is no such object (any more).
 */
async function describeArrival(deps: ProcessUploadDeps, arrival: PartArrival, at: string): Promise<ReceivedPart | undefined> {
  if (arrival.etag && arrival.bytes !== undefined) {
    return { bytes: arrival.bytes, etag: unquote(arrival.etag), receivedAt: at };
  }
  const current = await deps.checks.get(arrival.checkId);
  // A HEAD on a missing key answers 403 to a role without ListBucket: ask only for a check awaiting this part.
  if (!current || current.status !== 'AWAITING_UPLOAD' || !current.parts.includes(arrival.part)) return undefined;
  const head = await deps.media.head(mediaKey(arrival.checkId, arrival.part));
  const etag = head?.etag ?? arrival.etag;
  return {
    bytes: head?.bytes ?? arrival.bytes ?? 0,
    ...(etag ? { etag: unquote(etag) } : {}),
    ...(head?.contentType ? { contentType: head.contentType } : {}),
    receivedAt: at,
  };
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

async function ignoreLatePart(
  deps: ProcessUploadDeps,
  arrival: PartArrival,
  current: Check | undefined,
): Promise<ProcessOutcome> {
  const { checkId, part } = arrival;
  deps.log.info('Part event ignored: check is not awaiting this part', { checkId, part, status: current?.status ?? 'none' });
  if (!current) {
    // Uploaded for an erased or unknown check (a form stays valid for minutes): keep nothing.
    await deps.media.delete(mediaKey(checkId, part));
    return 'ignored-late';
  }
  const recordedEtag = current.received[part]?.etag;
  const newEtag = arrival.etag ? unquote(arrival.etag) : undefined;
  if (recordedEtag && newEtag && newEtag !== recordedEtag) {
    // The presigned form was used again after this part arrived: the check judges (or judged) the
    // upload recorded on arrival; the replacement is never judged, and goes with the check's media.
    await deps.audit.append({
      checkId,
      type: 'PART_REPLACED',
      detail: { part, recordedEtag, newEtag, status: current.status, judged: false },
    });
  } else {
    await deps.audit.append({ checkId, type: 'PART_IGNORED', detail: { part, status: current.status } });
  }
  if (current.status !== 'AWAITING_UPLOAD' && current.status !== 'PROCESSING' && current.mediaDeletedAt) {
    // The check is decided and its media already gone: a late re-upload must not linger.
    await deps.media.delete(mediaKey(checkId, part));
  }
  return 'ignored-late';
}
