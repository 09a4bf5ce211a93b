// The scheduled sweep: nothing lost, nothing stuck. It expires checks whose uploads never came,
// asks the processor to resume checks whose processing attempt died, and deletes media that is due.
import type { Log } from '../log';
import type { AuditLog, CheckRepository, Clock, MediaStore, ResumeQueue } from '../ports';
import { reason } from '../reasons';
import { deleteCheckMedia } from './media-retention';

export interface SweepDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly resumeQueue: ResumeQueue;
  readonly policy: { readonly uploadGraceSeconds: number };
}

export interface SweepReport {
  readonly expired: number;
  readonly resumeRequested: number;
  readonly mediaDeleted: number;
  readonly errors: number;
}

export async function sweep(deps: SweepDeps, limit = 200): Promise<SweepReport> {
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const due = await deps.checks.listDue(now, limit);
  const report = { expired: 0, resumeRequested: 0, mediaDeleted: 0, errors: 0 };
  for (const check of due) {
    try {
      switch (check.status) {
        case 'AWAITING_UPLOAD': {
          if (check.uploadExpiresAt + deps.policy.uploadGraceSeconds > now) break;
          const missing = check.parts.filter((part) => check.received[part] === undefined);
          const failure = reason('MEDIA_MISSING', `The uploads never arrived: ${missing.join(', ')} missing.`);
          if (
            !(await deps.checks.expire(
              check.checkId,
              failure,
              deps.clock.now().toISOString(),
              now - deps.policy.uploadGraceSeconds,
            ))
          )
            break;
          await deps.audit.append({ checkId: check.checkId, type: 'CHECK_EXPIRED', detail: { missing } });
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
  if (due.length > 0) deps.log.info('Sweep finished', { ...report, due: due.length });
  return report;
}
