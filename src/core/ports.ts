// Ports owned by the domain. AWS adapters (src/adapters) and in-memory fakes implement them.
import type {
  Check,
  CheckResult,
  Consent,
  MediaFacts,
  PartName,
  ProviderAnswer,
  ProviderId,
  ReceivedPart,
  Review,
} from './check';
import type { Reason } from './reasons';
import type { OutcomeEvent } from '../events/envelope';

export interface NewCheck {
  readonly checkId: string;
  readonly provider: Check['provider'];
  readonly parts: readonly PartName[];
  readonly externalRef?: string;
  readonly consent?: Consent;
  readonly pollTokenHash: string;
  readonly createdAt: string;
  readonly uploadExpiresAt: number;
  readonly expiresAt: number;
  /** When the sweep should expire the check if its uploads never all arrive. */
  readonly sweepAt: number;
}

export interface FinishDetails {
  readonly media: readonly MediaFacts[];
  readonly at: string;
  readonly providerMs?: number;
  /** Epoch seconds when the sweep must make sure the media is gone. */
  readonly mediaDueAt: number;
  /** The outcome event committed with the transition (see Outbox). */
  readonly outbox?: Outbox;
}

/**
 * Outcome events written by the same conditional update that commits a terminal transition, so an
 * event exists exactly when its transition does. The sweep index is pulled forward to `dueAt`: if
 * the function dies before publishing, the sweep finds the check and publishes the events.
 */
export interface Outbox {
  readonly events: readonly OutcomeEvent[];
  /** Epoch seconds from which the sweep publishes the events if nobody did. */
  readonly dueAt: number;
}

/** What an erased check leaves in the checks table, besides its id and status ERASED. */
export interface ErasureTombstone {
  readonly erasedAt: string;
  /** Epoch seconds when the tombstone itself may go (the table's TTL): the erased check's own expiry. */
  readonly expiresAt: number;
  /**
   * The erasure's own receipt facts (no personal data), so that a DELETE retried after the erasing
   * call died before auditing its receipt still answers with it.
   */
  readonly receipt?: {
    readonly erasedBy: string;
    readonly deleted: { readonly media: readonly PartName[]; readonly result: boolean };
  };
}

/** One page of the review queue, oldest first; `nextToken` is opaque to the caller. */
export interface ReviewQueuePage {
  readonly checks: readonly Check[];
  readonly nextToken?: string;
}

/**
 * The checks table. Every state change is conditional, which turns at-least-once events into
 * exactly-once processing: PROCESSING is entered once, and then re-entered only by a resume after
 * the previous attempt's lease ran out.
 */
export interface CheckRepository {
  create(check: NewCheck): Promise<void>;
  get(checkId: string): Promise<Check | undefined>;
  /**
   * Record an arrived part while the check still awaits uploads. Returns the updated check, or
   * undefined when the check does not exist or no longer awaits uploads (a late or duplicate event).
   */
  recordPart(checkId: string, part: PartName, received: ReceivedPart): Promise<Check | undefined>;
  /** AWAITING_UPLOAD → PROCESSING (attempt 1). The check for exactly one caller; undefined for the others. */
  startProcessing(checkId: string, at: string, leaseUntil: number): Promise<Check | undefined>;
  /** PROCESSING whose lease ran out before `now` → PROCESSING with a new lease, attempt + 1. One caller wins. */
  resumeProcessing(checkId: string, at: string, now: number, leaseUntil: number): Promise<Check | undefined>;
  /** Keep the provider's answer on the check (once) before anything else is written. */
  recordProviderAnswer(checkId: string, answer: ProviderAnswer, at: string): Promise<void>;
  /** PROCESSING → COMPLETED with the result. TransitionConflictError if the check moved on or is gone. */
  complete(checkId: string, result: CheckResult, details: FinishDetails): Promise<void>;
  /** PROCESSING → FAILED with an operational reason. TransitionConflictError as for complete. */
  fail(checkId: string, failure: Reason, details: FinishDetails): Promise<void>;
  /** AWAITING_UPLOAD past its upload deadline (`now`) → EXPIRED, with its outbox. False if it moved on. */
  expire(checkId: string, failure: Reason, at: string, now: number, outbox?: Outbox): Promise<boolean>;
  /**
   * The outbox held exactly these events and they were published: remove them, and put the sweep
   * index back to what the transition wanted (or take the check off it). False when the outbox
   * holds something else (new events appended: their publisher clears them all) or is gone.
   */
  clearOutbox(checkId: string, eventIds: readonly string[]): Promise<boolean>;
  /** The media of a decided check is deleted: nothing is left for the sweep to do but an unpublished outbox. */
  markMediaDeleted(checkId: string, at: string): Promise<void>;
  /** What is due for the sweep (sweepAt before `now`), oldest first, at most `limit` in all. */
  listDue(now: number, limit: number): Promise<DueWork>;
  /**
   * COMPLETED / REVIEW, not yet reviewed → the reviewer's decision, the review recorded, off the
   * review queue, media due for deletion at `mediaDueAt`. One caller wins; undefined for the
   * others, and for a check that is gone or was never REVIEW.
   */
  recordReview(checkId: string, review: Review, mediaDueAt: number | undefined, outbox?: Outbox): Promise<Check | undefined>;
  /**
   * Checks awaiting a person (COMPLETED / REVIEW, unreviewed, media still kept), oldest decision
   * first. A `nextToken` that this repository did not hand out is a ValidationError.
   */
  listAwaitingReview(limit: number, nextToken?: string): Promise<ReviewQueuePage>;
  /**
   * Replaces the record by a tombstone (no personal data; kept until `expiresAt`) and returns what
   * was there. A tombstone reads as no check at all (get → undefined), and every other write is
   * conditional on the state it expects, so nothing an attempt still in flight writes can recreate
   * or change an erased check. Undefined when there was no check (or it was already erased).
   * The tombstone is written with `outbox` (the check.erased event) after whatever unpublished
   * events the replaced record held, and is due for the sweep at `outbox.dueAt` until clearOutbox
   * takes the events off it; then it leaves the sweep index.
   */
  erase(checkId: string, tombstone: ErasureTombstone, outbox?: Outbox): Promise<Check | undefined>;
  /** The tombstone an erasure left (undefined when the check was never erased, or its tombstone expired). */
  erasureOf(checkId: string): Promise<ErasureTombstone | undefined>;
}

/** What listDue found: checks, and tombstones that still hold unpublished events. */
export interface DueWork {
  readonly checks: readonly Check[];
  /** Never a check: only the id and the events an erasure left to publish. */
  readonly erasures: readonly ErasedOutbox[];
}

export interface ErasedOutbox {
  readonly checkId: string;
  /** What the tombstone holds, as a check's outbox (read back with pendingEvents). */
  readonly outbox: NonNullable<Check['outbox']>;
}

export interface AttemptWindow {
  /** Checks one applicant may create within the window. */
  readonly cap: number;
  readonly windowSeconds: number;
  /** Epoch seconds. */
  readonly now: number;
}

export type AttemptTaken = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Counts the checks each applicant created within a fixed window that starts at their first
 * attempt. `take` counts one attempt if the cap allows it, atomically: of N racing callers at
 * most `cap` are allowed in one window.
 */
export interface ApplicantAttempts {
  take(applicant: string, window: AttemptWindow): Promise<AttemptTaken>;
}

/**
 * Which check first submitted a live part's exact bytes. The adapter stores only a keyed hash of
 * each sha256 (never the digest itself), so the index cannot be matched against known media.
 */
export interface MediaFingerprints {
  /**
   * Claims these bytes for `checkId` until `expiresAt` (epoch seconds), first writer wins. Returns
   * the check that claimed them first, which is `checkId` itself when it did (or did before).
   */
  claim(sha256: string, checkId: string, expiresAt: number): Promise<string>;
  /**
   * Claims these bytes for `checkId` if `from` still holds them: `from` is a check that no longer
   * exists (erased while its attempt was still claiming, or past retention). Returns the holder afterwards.
   */
  takeOver(sha256: string, checkId: string, from: string, expiresAt: number): Promise<string>;
  /** Drops the entries `checkId` claimed (erasure): afterwards those bytes are new again. */
  release(checkId: string, sha256s: readonly string[]): Promise<void>;
}

export type AuditEventType =
  | 'CHECK_CREATED'
  | 'PART_RECEIVED'
  | 'PART_IGNORED'
  | 'PART_REPLACED'
  | 'PROCESSING_STARTED'
  | 'MEDIA_CHECKED'
  | 'FACE_PRECHECKED'
  | 'PROVIDER_REQUEST'
  | 'PROVIDER_RESPONSE'
  | 'PROVIDER_RETRY'
  | 'PROVIDER_ANSWER_RECORDED'
  | 'PROCESSING_RESUMED'
  | 'RESULT_RECORDED'
  | 'CHECK_FAILED'
  | 'CHECK_EXPIRED'
  | 'MEDIA_DELETED'
  | 'CHECK_ERASED'
  | 'MEDIA_VIEWED'
  | 'REVIEW_DECIDED'
  | 'BREAKER_OPENED'
  | 'BREAKER_CLOSED'
  | 'BREAKER_TRIAL'
  | 'WEBHOOK_DELIVERY';

export interface AuditEntry {
  readonly checkId: string;
  readonly type: AuditEventType;
  /** Structured detail. Never media bytes, Base64 media, tokens or secrets. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** When it happened, for an entry written later than it was produced (default: when appended). */
  readonly at?: string;
}

export interface StoredAuditEntry extends AuditEntry {
  readonly at: string;
  readonly seq: string;
}

/** Append-only: entries can be added and read, never changed or removed. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  list(checkId: string): Promise<readonly StoredAuditEntry[]>;
}

export interface ObjectHead {
  readonly bytes: number;
  readonly etag?: string;
  readonly contentType?: string;
}

/**
 * Read access to uploaded media. The processor reads each part once, pinned to the upload
 * recorded on arrival (readPinned); head and readAll serve events without an ETag.
 */
export interface MediaStore {
  head(key: string): Promise<ObjectHead | undefined>;
  /** Bytes [start, endInclusive] of the object (clamped to its size). */
  readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array>;
  readAll(key: string): Promise<Uint8Array>;
  /**
   * The whole object, only if it is still the one with this ETag (S3 GetObject with IfMatch):
   * 'replaced' when another upload took its key since, 'missing' when it is gone.
   */
  readPinned(key: string, etag: string): Promise<PinnedRead>;
  delete(key: string): Promise<void>;
}

export type PinnedRead =
  | { readonly kind: 'object'; readonly bytes: Uint8Array; readonly contentType?: string }
  | { readonly kind: 'replaced' }
  | { readonly kind: 'missing' };

export interface UploadForm {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface UploadFormRequest {
  readonly key: string;
  readonly maxBytes: number;
  /** The Content-Type the form must carry starts with this (e.g. "video/"). */
  readonly contentTypePrefix: string;
  readonly expiresInSeconds: number;
}

export interface UploadSigner {
  presignPost(request: UploadFormRequest): Promise<UploadForm>;
}

/** Short-lived read links to stored media, for a person reviewing a check. */
export interface MediaUrlSigner {
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

/** Provider credentials, parsed JSON of one secret. Cached with a TTL by the adapter. */
export interface SecretSource {
  getJson(secretId: string): Promise<unknown>;
}

/**
 * Hands committed outcome events to every channel (EventBridge and the webhook queue deployed; the
 * in-process webhook sender locally). Resolves once every channel has accepted them; delivery to
 * the receivers happens later, off the critical path. Throws when a channel refused: the events
 * stay in the outbox and the sweep tries again (same ids, so receivers dedupe).
 */
export interface OutcomePublisher {
  publish(events: readonly OutcomeEvent[]): Promise<void>;
}

/** Asks the processor to resume a check whose processing attempt died (SQS in AWS). */
export interface ResumeQueue {
  requestResume(checkId: string): Promise<void>;
}

/** How a part may be uploaded to a provider: what the presigned form enforces and what the client is told. */
export interface UploadRule {
  readonly maxBytes: number;
  /** The form's Content-Type must start with this (e.g. "video/"). */
  readonly contentTypePrefix: string;
  /** The MIME types the provider takes for this part. */
  readonly contentTypes: readonly string[];
}

export interface ReviewBand {
  readonly low: number;
  readonly high: number;
}

/** What the domain knows of one enabled provider: which parts it takes and the deployment's policy for it. */
export interface EnabledProviderPolicy {
  readonly id: ProviderId;
  /** Allowed part combinations; a request's parts must equal one of them (order free). */
  readonly partSets: readonly (readonly PartName[])[];
  readonly defaultParts: readonly PartName[];
  readonly uploadRules: Readonly<Partial<Record<PartName, UploadRule>>>;
  /** A PASS whose liveness score falls inside [low, high] becomes REVIEW. */
  readonly reviewBand?: ReviewBand;
}

/** The providers this deployment enabled (the provider registry implements it). */
export interface ProviderCatalog {
  readonly defaultProvider: ProviderId;
  readonly enabled: readonly ProviderId[];
  get(id: string): EnabledProviderPolicy | undefined;
}

/** Ranged access to one stored part. */
export interface PartReader {
  readonly size: number;
  /** Bytes [start, endInclusive], clamped to the part. */
  read(start: number, endInclusive: number): Promise<Uint8Array>;
}

export interface InspectPartRequest {
  readonly provider: ProviderId;
  readonly part: PartName;
  readonly reader: PartReader;
  /** The Content-Type the upload declared. */
  readonly contentType?: string;
}

export interface PartInspection {
  readonly facts: MediaFacts;
  /** Set when the media must not be sent to the provider (a MEDIA_*, UNSUPPORTED_FORMAT or capture reason). */
  readonly problem?: Reason;
  /** Observations for the audit trail that are not reasons to refuse. */
  readonly notes?: readonly string[];
}

/**
 * Checks one part against the provider's media limits before any provider is paid. Reads only
 * through the reader, within a fixed budget. Never throws for bad media (that is a `problem`);
 * throws only when the reader does (a storage fault, retried by the caller).
 */
export interface MediaInspector {
  inspect(request: InspectPartRequest): Promise<PartInspection>;
}

/** One part as sent to the provider: exactly these bytes, and the facts (with their sha256) that describe them. */
export interface JudgedPart {
  readonly part: PartName;
  readonly bytes: Uint8Array;
  readonly facts: MediaFacts;
}

export interface JudgeRequest {
  readonly checkId: string;
  readonly provider: ProviderId;
  /** Every declared part, already vetted. The same list can be handed to another provider. */
  readonly media: readonly JudgedPart[];
  /**
   * Asked before each HTTP request to the provider (the first and every retry): false stops the
   * call with no further request (the check was erased or taken over).
   */
  readonly shouldContinue?: () => Promise<boolean>;
  /** Where the call's audit entries go; default the judge's own audit log. */
  readonly audit?: Pick<AuditLog, 'append'>;
}

export type Judgement =
  /**
   * The provider was called: its answer about the person, or the failure that ended the call.
   * Behind failover the answer also names who answered and every provider tried; `attempts`
   * (HTTP requests, all providers together) is 0 when an open breaker skipped every provider.
   */
  | { readonly kind: 'called'; readonly answer: ProviderAnswer; readonly attempts: number }
  /**
   * The provider could not be called and calling again would not help: its credentials are
   * missing or malformed (PROVIDER_AUTH_FAILED), or the request cannot be built (PROCESSING_FAILED).
   */
  | { readonly kind: 'not-called'; readonly failure: Reason }
  /** shouldContinue said no before a request: whatever the provider said before must not be used. */
  | { readonly kind: 'stopped'; readonly attempts: number };

/**
 * "Judge these media with provider X": reads the provider's secret, builds its request, calls it
 * with timeouts and retries, and audits PROVIDER_REQUEST / PROVIDER_RESPONSE / PROVIDER_RETRY.
 * Throws on a transient fault before the call (e.g. Secrets Manager throttling): retry later.
 */
export interface LivenessJudge {
  judge(request: JudgeRequest): Promise<Judgement>;
  /**
   * Optional: the attempt is about to read the check's media for `provider`. A judge may start
   * lookups of its own beside that read (the failover reads the breaker state), so they add no
   * round trip before the call.
   */
  prepare?(request: { readonly checkId: string; readonly provider: ProviderId }): void;
}

/**
 * A provider's circuit breaker as stored, shared by every processor instance. Absent fields: closed
 * with no failures counted.
 */
export interface BreakerRecord {
  /** Consecutive checks whose call ended in an operational failure. */
  readonly failures: number;
  /** Epoch ms until which the breaker is open; absent when closed. */
  readonly openUntil?: number;
  /** The caller holding the trial call, and until when (a crashed holder frees it). */
  readonly trialId?: string;
  readonly trialUntil?: number;
}

/**
 * Breaker state per provider. Every write is atomic and conditional, so exactly one caller wins a
 * transition (the policy is in circuit-breaker.ts; this port only stores).
 */
export interface BreakerStore {
  read(provider: ProviderId): Promise<BreakerRecord>;
  /** One more consecutive failure; returns the new count. */
  addFailure(provider: ProviderId): Promise<number>;
  /** A success while closed: the count starts again. */
  resetFailures(provider: ProviderId): Promise<void>;
  /** Closed → open until `openUntil`. False when it is already open (another caller opened it). */
  openIfClosed(provider: ProviderId, openUntil: number): Promise<boolean>;
  /** Open past its cool-down (`now` ≥ openUntil), no live trial → this caller holds the trial. One caller wins. */
  claimTrial(provider: ProviderId, now: number, trialId: string, trialUntil: number): Promise<boolean>;
  /** The trial failed: open again until `openUntil`. False when `trialId` no longer holds the trial. */
  reopenAfterTrial(provider: ProviderId, trialId: string, openUntil: number): Promise<boolean>;
  /** The trial succeeded: closed, failures 0. False when `trialId` no longer holds the trial. */
  closeAfterTrial(provider: ProviderId, trialId: string): Promise<boolean>;
}

/**
 * Slots for calls in flight to one provider, shared by every processor instance. A slot is a lease:
 * one whose holder crashed is free again after `leaseUntil`.
 */
export interface ProviderSlots {
  /**
   * Takes a free slot of `cap` (or one whose lease ran out before `now`) for `holder` until
   * `leaseUntil`: its number, or undefined when every slot is taken.
   */
  acquire(provider: ProviderId, cap: number, holder: string, now: number, leaseUntil: number): Promise<number | undefined>;
  /** Frees the slot (nothing when another holder took it over after the lease ran out). */
  release(provider: ProviderId, slot: number, holder: string): Promise<void>;
}

export interface FacePrecheckRequest {
  readonly provider: ProviderId;
  /** An image part (`selfie` or `reference`); other parts are skipped. */
  readonly part: PartName;
  /** The part's bytes, already read for the provider: the pre-check looks at exactly what would be sent. */
  readonly bytes: Uint8Array;
  /** What the media check found (content type, size). */
  readonly facts: MediaFacts;
}

/** For the audit trail only: what the detector measured and how long it took, never the picture. */
export type FacePrecheckAudit = Readonly<Record<string, unknown>>;

export type FacePrecheckResult =
  | { readonly verdict: 'ok'; readonly audit: FacePrecheckAudit }
  /** The provider would refuse this picture too: a capture reason (NO_FACE, …) or MEDIA_CORRUPT. */
  | { readonly verdict: 'refuse'; readonly reason: Reason; readonly audit: FacePrecheckAudit }
  /** Not looked at (a video, a picture too large to decode, no rule for this provider and part): the provider decides. */
  | { readonly verdict: 'skipped'; readonly why: string; readonly audit?: FacePrecheckAudit };

/**
 * A quality gate on image parts before the provider is paid: is there exactly one face, big
 * enough? It is not presentation-attack detection; liveness stays the provider's decision.
 * A fault of its own (the detector did not load) is a `skipped`, or at worst a throw: either way
 * the caller leaves the decision to the provider.
 */
export interface FacePrecheck {
  check(request: FacePrecheckRequest): Promise<FacePrecheckResult>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function mediaKey(checkId: string, part: PartName): string {
  return `checks/${checkId}/${part}`;
}
