// The check: the one record a liveness check lives in, and the vocabulary every provider maps to.
import type { Reason } from './reasons';

export const PART_NAMES = ['video', 'selfie', 'reference'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** A provider's id ("fpt", ...). The provider registry knows which exist; the domain takes them as given. */
export type ProviderId = string;

export type CheckStatus = 'AWAITING_UPLOAD' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'EXPIRED';
export type Decision = 'PASS' | 'FAIL' | 'RETRY' | 'REVIEW';

/** What we measured of one uploaded part (basic facts now, deep facts from the media inspector). */
export interface MediaFacts {
  readonly part: PartName;
  readonly bytes: number;
  readonly sha256?: string;
  readonly contentType?: string;
  /** Container or image format detected from the bytes: mp4, mov, mkv, webm, jpeg, png. */
  readonly container?: string;
  readonly codec?: string;
  readonly width?: number;
  readonly height?: number;
  /** Clockwise rotation in degrees declared by the container (video) or EXIF (image). */
  readonly rotation?: number;
  readonly durationSeconds?: number;
}

export interface ReceivedPart {
  readonly bytes: number;
  readonly etag?: string;
  readonly contentType?: string;
  readonly receivedAt: string;
}

/** The provider-neutral result. Scores are 0–1: liveness and faceMatch higher = better, deepfake higher = more likely fake. */
export interface CheckResult {
  readonly decision: Decision;
  readonly reasons: readonly Reason[];
  readonly liveness?: { readonly live: boolean; readonly score?: number };
  readonly deepfake?: { readonly detected: boolean; readonly score?: number };
  readonly faceMatch?: { readonly matched: boolean; readonly score?: number };
  readonly quality?: Readonly<Record<string, boolean | number>>;
  readonly attributes?: Readonly<Record<string, boolean | number>>;
  readonly providerRequestId?: string;
}

export interface CheckTimings {
  readonly createdAt: string;
  readonly processingStartedAt?: string;
  readonly providerMs?: number;
  readonly completedAt?: string;
}

/** Evidence that the user accepted the privacy notice before capture. */
export interface Consent {
  readonly noticeVersion: string;
  /** ISO-8601 time the user accepted it. */
  readonly acceptedAt: string;
}

/** What the provider said, recorded before the result is written so a crash cannot cause a second call. */
export type ProviderAnswer =
  | { readonly kind: 'answer'; readonly result: CheckResult; readonly providerMs: number }
  | { readonly kind: 'failure'; readonly reason: Reason; readonly providerMs: number };

export interface Check {
  readonly checkId: string;
  readonly status: CheckStatus;
  readonly provider: ProviderId;
  readonly parts: readonly PartName[];
  readonly externalRef?: string;
  readonly pollTokenHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Epoch seconds after which the upload forms no longer work. */
  readonly uploadExpiresAt: number;
  /** Epoch seconds after which the record may be removed (DynamoDB TTL). */
  readonly expiresAt: number;
  readonly received: Readonly<Partial<Record<PartName, ReceivedPart>>>;
  readonly processingStartedAt?: string;
  readonly completedAt?: string;
  readonly result?: CheckResult;
  /** Operational failure reason when status is FAILED. */
  readonly failure?: Reason;
  readonly media?: readonly MediaFacts[];
  readonly providerMs?: number;
  readonly consent?: Consent;
  /** Epoch seconds until which the current processing attempt owns the check. */
  readonly leaseUntil?: number;
  /** Processing attempts so far (1 for the first). */
  readonly attempt?: number;
  readonly providerAnswer?: ProviderAnswer;
  /** Epoch seconds at which the sweep next has something to do for this check (absent: nothing). */
  readonly sweepAt?: number;
  readonly mediaDeletedAt?: string;
}

/** Every declared part has arrived. */
export function allPartsReceived(check: Pick<Check, 'parts' | 'received'>): boolean {
  return check.parts.every((part) => check.received[part] !== undefined);
}
