// The scheduled sweep: nothing lost, nothing stuck. It expires checks whose uploads never came,
// asks the processor to resume checks whose processing attempt died, and deletes media that is due.
import type { Log } from '../log';
import type { AuditLog, CheckRepository, Clock, MediaStore, OutcomePublisher, ResumeQueue } from '../ports';
import { reason } from '../reasons';
import { deleteCheckMedia } from './media-retention';
import { outboxFor, pendingEvents, publishOutbox } from './outcome-events';

export interface SweepDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly resumeQueue: ResumeQueue;
  readonly outcomes: OutcomePublisher;
  readonly policy: { readonly uploadGraceSeconds: number };
}

export interface SweepReport {
  readonly expired: number;
  readonly resumeRequested: number;
  readonly mediaDeleted: number;
  /** Outboxes left by a function that died between its transition and publishing. */
  readonly outboxesPublished: number;
  readonly errors: number;
}

export async function sweep(deps: SweepDeps, limit = 200): Promise<SweepReport> {
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const { checks: due, erasures } = await deps.checks.listDue(now, limit);
  const report = { expired: 0, resumeRequested: 0, mediaDeleted: 0, outboxesPublished: 0, errors: 0 };
  // An erased check left only its events (check.erased, and any its record held unpublished):
  // once they are published and cleared, the tombstone leaves the index.
  for (const erased of erasures) {
    const ids = erased.outbox.map((entry) => entry.id);
    if (await publishOutbox(deps, erased.checkId, pendingEvents(erased, deps.log), ids)) report.outboxesPublished += 1;
  }
  for (const check of due) {
    try {
      if (check.outbox !== undefined && check.outbox.length > 0) {
        const published = await publishOutbox(
          deps,
          check.checkId,
          pendingEvents(check, deps.log),
          check.outbox.map((entry) => entry.id),
        );
        if (published) report.outboxesPublished += 1;
        // The index was pulled forward for the outbox: whatever else the check waits for may not be due yet.
        if (check.sweepAfterOutbox === undefined || check.sweepAfterOutbox > now) continue;
      }
      switch (check.status) {
        case 'AWAITING_UPLOAD': {
          if (check.uploadExpiresAt + deps.policy.uploadGraceSeconds > now) break;
          const missing = check.parts.filter((part) => check.received[part] === undefined);
          const failure = reason('MEDIA_MISSING', `The uploads never arrived: ${missing.join(', ')} missing.`);
          const at = deps.clock.now().toISOString();
          const outbox = outboxFor(deps, 'check.expired', { ...check, failure }, at);
          if (!(await deps.checks.expire(check.checkId, failure, at, now - deps.policy.uploadGraceSeconds, outbox))) break;
          await Promise.all([
            deps.audit.append({ checkId: check.checkId, type: 'CHECK_EXPIRED', detail: { missing } }),
            outbox ? publishOutbox(deps, check.checkId, outbox.events) : undefined,
          ]);
          report.expired += 1;
          // Parts that did arrive must not outlive the check.
          await deleteCheckMedia(deps, check);
          report.mediaDeleted += 1;
          break;
        }
        case 'PROCESSING':
          if ((check.leaseUntil ?? 0) > now) break;
          await deps.resumeQueue.requestResume(check.checkId);
          report.resumeRequested += 1;
          break;
        default:
          await deleteCheckMedia(deps, check);
          report.mediaDeleted += 1;
      }
    } catch (error) {
      report.errors += 1;
      deps.log.error('Sweep could not handle a check', {
        checkId: check.checkId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
      });
    }
  }
  if (due.length + erasures.length > 0) deps.log.info('Sweep finished', { ...report, due: due.length + erasures.length });
  return report;
}
