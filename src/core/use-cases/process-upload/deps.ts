// What the processor's phases share: its ports, its policy and its outcomes.
import type { PartName } from '../../check';
import type { Log } from '../../log';
import type {
  AuditLog,
  CheckRepository,
  Clock,
  FacePrecheck,
  LivenessJudge,
  MediaFingerprints,
  MediaInspector,
  MediaStore,
  OutcomePublisher,
  ProviderCatalog,
} from '../../ports';

export interface ProcessingPolicy {
  readonly processingLeaseSeconds: number;
  readonly maxProcessingAttempts: number;
  readonly mediaRetentionSeconds: number;
  /** How long the media of a REVIEW check is kept for a person to look at. */
  readonly reviewWindowSeconds: number;
}

export interface ProcessUploadDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly providers: ProviderCatalog;
  readonly inspector: MediaInspector;
  readonly judge: LivenessJudge;
  /** Where committed outcome events go (check.completed, check.failed). */
  readonly outcomes: OutcomePublisher;
  /** The face pre-check of image parts; absent when the deployment switched it off. */
  readonly facePrecheck?: FacePrecheck;
  readonly clock: Clock;
  readonly log: Log;
  readonly policy: ProcessingPolicy;
  /** The replayed-media index; absent when the deployment turned the check off. */
  readonly fingerprints?: MediaFingerprints;
}

/** One part that landed in storage (decoded from the storage event by the caller). */
export interface PartArrival {
  readonly checkId: string;
  readonly part: PartName;
  /** Size and ETag as the storage event reported them: they pin the upload the check judges (a HEAD only when absent). */
  readonly bytes?: number;
  readonly etag?: string;
}

export type ProcessOutcome = 'ignored-late' | 'waiting-for-parts' | 'already-started' | 'completed' | 'failed' | 'superseded';

export const epoch = (date: Date) => Math.floor(date.getTime() / 1000);
