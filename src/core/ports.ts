// Ports owned by the domain. AWS adapters (src/adapters) and in-memory fakes implement them.
import type { Check, CheckResult, MediaFacts, PartName, ReceivedPart } from './check';
import type { Reason } from './reasons';

export interface NewCheck {
  readonly checkId: string;
  readonly provider: Check['provider'];
  readonly parts: readonly PartName[];
  readonly externalRef?: string;
  readonly pollTokenHash: string;
  readonly createdAt: string;
  readonly uploadExpiresAt: number;
  readonly expiresAt: number;
}

export interface CheckRepository {
  create(check: NewCheck): Promise<void>;
  get(checkId: string): Promise<Check | undefined>;
  /**
   * Record an arrived part while the check still awaits uploads. Returns the updated check, or
   * undefined when the check does not exist or no longer awaits uploads (a late or duplicate event).
   */
  recordPart(checkId: string, part: PartName, received: ReceivedPart): Promise<Check | undefined>;
  /** AWAITING_UPLOAD → PROCESSING. True for exactly one caller; false when someone else already moved it. */
  startProcessing(checkId: string, at: string): Promise<boolean>;
  /** PROCESSING → COMPLETED with the result. */
  complete(checkId: string, result: CheckResult, media: readonly MediaFacts[], at: string, providerMs?: number): Promise<void>;
  /** PROCESSING → FAILED with an operational reason. */
  fail(checkId: string, failure: Reason, media: readonly MediaFacts[], at: string, providerMs?: number): Promise<void>;
}

export type AuditEventType =
  | 'CHECK_CREATED'
  | 'PART_RECEIVED'
  | 'PART_IGNORED'
  | 'PROCESSING_STARTED'
  | 'MEDIA_CHECKED'
  | 'PROVIDER_REQUEST'
  | 'PROVIDER_RESPONSE'
  | 'PROVIDER_RETRY'
  | 'RESULT_RECORDED'
  | 'CHECK_FAILED';

export interface AuditEntry {
  readonly checkId: string;
  readonly type: AuditEventType;
  /** Structured detail. Never media bytes, Base64 media, tokens or secrets. */
  readonly detail: Readonly<Record<string, unknown>>;
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

/** Read access to uploaded media. Ranged reads let the media check look without downloading. */
export interface MediaStore {
  head(key: string): Promise<ObjectHead | undefined>;
  /** Bytes [start, endInclusive] of the object (clamped to its size). */
  readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array>;
  readAll(key: string): Promise<Uint8Array>;
  delete(key: string): Promise<void>;
}

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

/** Provider credentials, parsed JSON of one secret. Cached with a TTL by the adapter. */
export interface SecretSource {
  getJson(secretId: string): Promise<unknown>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function mediaKey(checkId: string, part: PartName): string {
  return `checks/${checkId}/${part}`;
}
