// In-memory implementations of the domain ports, with the same conditional semantics as the
// DynamoDB adapters, for fast domain tests.
import { createHash } from 'node:crypto';
import type { Check, CheckResult, PartName, ProviderAnswer, ProviderId, ReceivedPart, Review } from '../../src/core/check';
import { CheckAlreadyExistsError } from '../../src/adapters/aws/errors';
import { SecretMisconfiguredError, TransitionConflictError, ValidationError } from '../../src/core/errors';
import type {
  AuditEntry,
  AuditLog,
  BreakerRecord,
  BreakerStore,
  ProviderSlots,
  CheckRepository,
  Clock,
  DueWork,
  EnabledProviderPolicy,
  ErasureTombstone,
  FacePrecheck,
  FacePrecheckRequest,
  FacePrecheckResult,
  FinishDetails,
  InspectPartRequest,
  Judgement,
  JudgeRequest,
  LivenessJudge,
  MediaInspector,
  MediaStore,
  NewCheck,
  ObjectHead,
  Outbox,
  OutcomePublisher,
  PartInspection,
  PinnedRead,
  ProviderCatalog,
  ResumeQueue,
  ReviewQueuePage,
  SecretSource,
  StoredAuditEntry,
  UploadForm,
  UploadFormRequest,
  UploadSigner,
} from '../../src/core/ports';
import type { Reason } from '../../src/core/reasons';
import type { OutcomeEvent } from '../../src/events/envelope';

export class InMemoryCheckRepository implements CheckRepository {
  readonly items = new Map<string, Check>();
  /**
   * Erased checks: what is left of them. They read as no check, and no write changes them but
   * clearOutbox; the sweep sees only the events they still hold.
   */
  readonly tombstones = new Map<string, StoredTombstone>();

  async create(check: NewCheck): Promise<void> {
    if (this.items.has(check.checkId) || this.tombstones.has(check.checkId)) {
      throw new CheckAlreadyExistsError(check.checkId);
    }
    this.items.set(check.checkId, { ...check, status: 'AWAITING_UPLOAD', updatedAt: check.createdAt, received: {} });
  }
  async get(checkId: string): Promise<Check | undefined> {
    // A copy, as a read from DynamoDB is: a caller changing it does not change the stored check.
    const check = this.items.get(checkId);
    return check === undefined ? undefined : structuredClone(check);
  }
  async recordPart(checkId: string, part: PartName, received: ReceivedPart): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'AWAITING_UPLOAD' || !check.parts.includes(part)) return undefined;
    return this.put({ ...check, received: { ...check.received, [part]: received }, updatedAt: received.receivedAt });
  }
  async startProcessing(checkId: string, at: string, leaseUntil: number): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'AWAITING_UPLOAD') return undefined;
    return this.put({
      ...check,
      status: 'PROCESSING',
      processingStartedAt: at,
      updatedAt: at,
      leaseUntil,
      attempt: 1,
      sweepAt: leaseUntil,
    });
  }
  async resumeProcessing(checkId: string, at: string, now: number, leaseUntil: number): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'PROCESSING' || check.leaseUntil === undefined || check.leaseUntil >= now) return undefined;
    return this.put({ ...check, updatedAt: at, leaseUntil, sweepAt: leaseUntil, attempt: (check.attempt ?? 1) + 1 });
  }
  async recordProviderAnswer(checkId: string, answer: ProviderAnswer, at: string): Promise<void> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'PROCESSING' || check.providerAnswer) throw new TransitionConflictError(checkId, 'answer');
    this.put({ ...check, providerAnswer: answer, updatedAt: at });
  }
  async complete(checkId: string, result: CheckResult, details: FinishDetails) {
    this.finish(checkId, { status: 'COMPLETED', result }, details);
  }
  async fail(checkId: string, failure: Reason, details: FinishDetails) {
    this.finish(checkId, { status: 'FAILED', failure }, details);
  }
  async expire(checkId: string, failure: Reason, at: string, now: number, outbox?: Outbox): Promise<boolean> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'AWAITING_UPLOAD' || check.uploadExpiresAt >= now) return false;
    this.put(withOutbox({ ...check, status: 'EXPIRED', failure, updatedAt: at, completedAt: at }, outbox, outbox?.dueAt));
    return true;
  }
  async clearOutbox(checkId: string, eventIds: readonly string[]): Promise<boolean> {
    const tombstone = this.tombstones.get(checkId);
    if (tombstone) {
      if (!holdsExactly(tombstone.outbox, eventIds)) return false;
      const { outbox: _published, sweepAt: _due, ...rest } = tombstone;
      this.tombstones.set(checkId, rest);
      return true;
    }
    const check = this.items.get(checkId);
    if (!check || !holdsExactly(check.outbox, eventIds)) return false;
    const { outbox: _published, sweepAt: _due, ...rest } = check;
    this.put(check.sweepAfterOutbox === undefined ? rest : { ...rest, sweepAt: check.sweepAfterOutbox });
    return true;
  }
  async markMediaDeleted(checkId: string, at: string): Promise<void> {
    const check = this.items.get(checkId);
    if (!check) return;
    const { sweepAt, sweepAfterOutbox: _after, ...rest } = check;
    // Unpublished events keep the check on the sweep index, with nothing to do after them.
    this.put({ ...rest, ...(check.outbox ? { sweepAt } : {}), mediaDeletedAt: at });
  }
  async listDue(now: number, limit: number): Promise<DueWork> {
    const erased = [...this.tombstones].map(([checkId, tombstone]) => ({ checkId, ...tombstone }));
    const due = [...this.items.values(), ...erased]
      .filter((item) => item.sweepAt !== undefined && item.sweepAt <= now)
      .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
      .slice(0, limit);
    return {
      checks: due.filter((item): item is Check => 'status' in item),
      erasures: due.flatMap((item) =>
        'status' in item || !item.outbox ? [] : [{ checkId: item.checkId, outbox: structuredClone(item.outbox) }],
      ),
    };
  }
  async erasureOf(checkId: string): Promise<ErasureTombstone | undefined> {
    const tombstone = this.tombstones.get(checkId);
    if (!tombstone) return undefined;
    const { erasedAt, expiresAt, receipt } = tombstone;
    return { erasedAt, expiresAt, ...(receipt ? { receipt: structuredClone(receipt) } : {}) };
  }
  async erase(checkId: string, tombstone: ErasureTombstone, outbox?: Outbox): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    if (!check) return undefined;
    this.items.delete(checkId);
    // As the adapter: the record's unpublished events go onto the tombstone, ahead of check.erased.
    const events = [...(check.outbox ?? []), ...structuredClone(outbox?.events ?? [])];
    this.tombstones.set(checkId, {
      erasedAt: tombstone.erasedAt,
      expiresAt: tombstone.expiresAt,
      ...(tombstone.receipt ? { receipt: structuredClone(tombstone.receipt) } : {}),
      ...(events.length > 0 ? { outbox: events, sweepAt: outbox?.dueAt ?? check.sweepAt ?? 0 } : {}),
    });
    return check;
  }
  async recordReview(
    checkId: string,
    review: Review,
    mediaDueAt: number | undefined,
    outbox?: Outbox,
  ): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'COMPLETED' || check.result?.decision !== 'REVIEW' || check.review) return undefined;
    const reviewed: Check = {
      ...check,
      result: { ...check.result, decision: review.decision },
      review,
      updatedAt: review.reviewedAt,
      // As the adapter: without a media deadline (media gone) the sweep index is left as it was.
      ...(mediaDueAt !== undefined && !outbox ? { sweepAt: mediaDueAt, sweepAfterOutbox: mediaDueAt } : {}),
    };
    return this.put(withOutbox(reviewed, outbox, mediaDueAt));
  }
  async listAwaitingReview(limit: number, nextToken?: string): Promise<ReviewQueuePage> {
    const queue = [...this.items.values()]
      .filter((c) => c.status === 'COMPLETED' && c.result?.decision === 'REVIEW' && !c.review && !c.mediaDeletedAt)
      .sort((a, b) => `${a.completedAt}${a.checkId}`.localeCompare(`${b.completedAt}${b.checkId}`));
    const start = nextToken === undefined ? 0 : queue.findIndex((c) => c.checkId === nextToken) + 1;
    if (start === 0 && nextToken !== undefined) throw new ValidationError('nextToken: not a token this API handed out');
    const checks = queue.slice(start, start + limit);
    const last = checks.at(-1);
    return start + limit < queue.length && last ? { checks, nextToken: last.checkId } : { checks };
  }
  private put(check: Check): Check {
    this.items.set(check.checkId, check);
    return check;
  }
  private finish(checkId: string, outcome: Partial<Check>, details: FinishDetails): void {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'PROCESSING') throw new TransitionConflictError(checkId, 'finish');
    this.put(
      withOutbox(
        {
          ...check,
          ...outcome,
          media: details.media,
          completedAt: details.at,
          updatedAt: details.at,
          // Like the UpdateItem: an absent provider time leaves the stored one as it was.
          ...(details.providerMs !== undefined ? { providerMs: details.providerMs } : {}),
          sweepAt: details.mediaDueAt,
        },
        details.outbox,
        details.mediaDueAt,
      ),
    );
  }
}

/** What an erasure leaves: the tombstone, and the events it holds until they are published. */
type StoredTombstone = ErasureTombstone & Pick<Check, 'outbox' | 'sweepAt'>;

function holdsExactly(outbox: Check['outbox'], eventIds: readonly string[]): boolean {
  const held = outbox?.map((event) => event.id) ?? [];
  return held.length === eventIds.length && held.every((id, index) => id === eventIds[index]);
}

/** As the DynamoDB adapter's outboxUpdate: events appended, the sweep due at the earlier time. */
function withOutbox(check: Check, outbox: Outbox | undefined, sweepAfter?: number): Check {
  if (!outbox) return check;
  const { sweepAfterOutbox: _previous, ...rest } = check;
  return {
    ...rest,
    outbox: [...(check.outbox ?? []), ...structuredClone(outbox.events)],
    sweepAt: Math.min(outbox.dueAt, sweepAfter ?? outbox.dueAt),
    ...(sweepAfter !== undefined ? { sweepAfterOutbox: sweepAfter } : {}),
  };
}

/** Every event handed over, in order; `failing` makes publish throw (a channel down). */
export class RecordingOutcomePublisher implements OutcomePublisher {
  readonly published: OutcomeEvent[] = [];
  failing = false;
  async publish(events: readonly OutcomeEvent[]): Promise<void> {
    if (this.failing) throw new Error('event bus unavailable');
    this.published.push(...events);
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly entries: StoredAuditEntry[] = [];
  async append(entry: AuditEntry): Promise<void> {
    const { at = new Date().toISOString(), ...rest } = entry;
    this.entries.push({ ...rest, at, seq: String(this.entries.length).padStart(8, '0') });
  }
  async list(checkId: string): Promise<readonly StoredAuditEntry[]> {
    return this.entries.filter((entry) => entry.checkId === checkId);
  }
}

export class FakeUploadSigner implements UploadSigner {
  readonly requests: UploadFormRequest[] = [];
  async presignPost(request: UploadFormRequest): Promise<UploadForm> {
    this.requests.push(request);
    return { url: 'https://bucket.example/', fields: { key: request.key } };
  }
}

/** Objects by key, with the S3 semantics the domain relies on (ranged reads clamp; deletes are idempotent). */
export class InMemoryMediaStore implements MediaStore {
  readonly objects = new Map<string, { bytes: Uint8Array; contentType?: string }>();
  readonly deleted: string[] = [];
  /** Whole-object reads, by key: what was downloaded to send to a provider. */
  readonly fullReads: string[] = [];
  /** Pinned whole-object reads, by key (one per part an attempt vets and sends). */
  readonly pinnedReads: string[] = [];

  put(key: string, bytes: Uint8Array, contentType?: string): void {
    this.objects.set(key, { bytes, ...(contentType ? { contentType } : {}) });
  }
  async head(key: string): Promise<ObjectHead | undefined> {
    const object = this.objects.get(key);
    if (!object) return undefined;
    return {
      bytes: object.bytes.length,
      etag: etagOf(object.bytes),
      ...(object.contentType ? { contentType: object.contentType } : {}),
    };
  }
  async readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    return this.existing(key).slice(start, endInclusive + 1);
  }
  async readAll(key: string): Promise<Uint8Array> {
    this.fullReads.push(key);
    return this.existing(key);
  }
  async readPinned(key: string, etag: string): Promise<PinnedRead> {
    this.pinnedReads.push(key);
    const object = this.objects.get(key);
    if (!object) return { kind: 'missing' };
    if (etagOf(object.bytes) !== etag) return { kind: 'replaced' };
    return { kind: 'object', bytes: object.bytes, ...(object.contentType ? { contentType: object.contentType } : {}) };
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
    this.deleted.push(key);
  }
  private existing(key: string): Uint8Array {
    const object = this.objects.get(key);
    if (!object) throw new Error(`NoSuchKey: ${key}`);
    return object.bytes;
  }
}

/** An S3-style ETag (the MD5 of a single-part upload), so replaced content gets another one. */
export function etagOf(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Secrets by id; a missing id is an operator's misconfiguration, as in the Secrets Manager adapter. */
export class InMemorySecretSource implements SecretSource {
  readonly values = new Map<string, unknown>();
  async getJson(secretId: string): Promise<unknown> {
    if (!this.values.has(secretId)) throw new SecretMisconfiguredError(secretId, 'the secret does not exist');
    return this.values.get(secretId);
  }
}

export class RecordingResumeQueue implements ResumeQueue {
  readonly requested: string[] = [];
  async requestResume(checkId: string): Promise<void> {
    this.requested.push(checkId);
  }
}

/** A clock the test moves. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Enabled providers by id, as the provider registry presents them to the domain. */
export class InMemoryProviderCatalog implements ProviderCatalog {
  readonly enabled: readonly ProviderId[];
  constructor(
    private readonly providers: readonly EnabledProviderPolicy[],
    readonly defaultProvider: ProviderId = providers[0]?.id ?? 'none',
  ) {
    this.enabled = providers.map((provider) => provider.id);
  }
  get(id: string): EnabledProviderPolicy | undefined {
    return this.providers.find((provider) => provider.id === id);
  }
}

/** Inspects by reading the first bytes; refuses what `refuse` names, accepts the rest. */
export class FakeMediaInspector implements MediaInspector {
  readonly inspected: InspectPartRequest[] = [];
  refuse: Partial<Record<PartName, Reason>> = {};
  async inspect(request: InspectPartRequest): Promise<PartInspection> {
    this.inspected.push(request);
    // Touch the media as the real inspector does, so a storage fault surfaces here.
    await request.reader.read(0, Math.min(request.reader.size, 16) - 1);
    const problem = this.refuse[request.part];
    return {
      facts: { part: request.part, bytes: request.reader.size, container: 'mp4' },
      ...(problem ? { problem } : {}),
    };
  }
}

/** A provider port that answers what the test tells it, and remembers every request. */
export class FakeLivenessJudge implements LivenessJudge {
  readonly requests: JudgeRequest[] = [];
  next: (request: JudgeRequest) => Promise<Judgement> = async () => ({
    kind: 'called',
    answer: { kind: 'answer', result: { decision: 'PASS', reasons: [] }, providerMs: 5 },
    attempts: 1,
  });
  async judge(request: JudgeRequest): Promise<Judgement> {
    this.requests.push(request);
    return this.next(request);
  }
}

/** Breaker records by provider, with the conditional writes of the DynamoDB adapter. */
export class InMemoryBreakerStore implements BreakerStore {
  readonly records = new Map<ProviderId, BreakerRecord>();
  async read(provider: ProviderId): Promise<BreakerRecord> {
    return { ...(this.records.get(provider) ?? { failures: 0 }) };
  }
  async addFailure(provider: ProviderId): Promise<number> {
    const record = await this.read(provider);
    this.records.set(provider, { ...record, failures: record.failures + 1 });
    return record.failures + 1;
  }
  async resetFailures(provider: ProviderId): Promise<void> {
    this.records.set(provider, { ...(await this.read(provider)), failures: 0 });
  }
  async openIfClosed(provider: ProviderId, openUntil: number): Promise<boolean> {
    const record = await this.read(provider);
    if (record.openUntil !== undefined) return false;
    this.records.set(provider, { failures: record.failures, openUntil });
    return true;
  }
  async claimTrial(provider: ProviderId, now: number, trialId: string, trialUntil: number): Promise<boolean> {
    const record = await this.read(provider);
    if (record.openUntil === undefined || record.openUntil > now) return false;
    if (record.trialUntil !== undefined && record.trialUntil > now) return false;
    this.records.set(provider, { ...record, trialId, trialUntil });
    return true;
  }
  async reopenAfterTrial(provider: ProviderId, trialId: string, openUntil: number): Promise<boolean> {
    const record = await this.read(provider);
    if (record.trialId !== trialId) return false;
    this.records.set(provider, { failures: record.failures, openUntil });
    return true;
  }
  async closeAfterTrial(provider: ProviderId, trialId: string): Promise<boolean> {
    const record = await this.read(provider);
    if (record.trialId !== trialId) return false;
    this.records.set(provider, { failures: 0 });
    return true;
  }
}

/** Concurrency slots by provider, leases as in the DynamoDB adapter; remembers the most ever held. */
export class InMemoryProviderSlots implements ProviderSlots {
  readonly held = new Map<string, { holder: string; leaseUntil: number }>();
  highWater = 0;
  async acquire(provider: ProviderId, cap: number, holder: string, now: number, leaseUntil: number): Promise<number | undefined> {
    for (let slot = 0; slot < cap; slot++) {
      const key = `${provider}#${slot}`;
      const current = this.held.get(key);
      if (current && current.leaseUntil >= now) continue;
      this.held.set(key, { holder, leaseUntil });
      this.highWater = Math.max(this.highWater, [...this.held.keys()].filter((k) => k.startsWith(`${provider}#`)).length);
      return slot;
    }
    return undefined;
  }
  async release(provider: ProviderId, slot: number, holder: string): Promise<void> {
    const key = `${provider}#${slot}`;
    if (this.held.get(key)?.holder === holder) this.held.delete(key);
  }
}

/** A face pre-check that answers per part what the test tells it (ok by default), and remembers every request. */
export class FakeFacePrecheck implements FacePrecheck {
  readonly requests: FacePrecheckRequest[] = [];
  answer: Partial<Record<PartName, FacePrecheckResult | Error>> = {};
  async check(request: FacePrecheckRequest): Promise<FacePrecheckResult> {
    this.requests.push(request);
    const answer = this.answer[request.part] ?? { verdict: 'ok', audit: { faces: 1 } };
    if (answer instanceof Error) throw answer;
    return answer;
  }
}
