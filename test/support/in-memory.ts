// In-memory implementations of the domain ports, with the same conditional semantics as the
// DynamoDB adapters, for fast domain tests.
import type { Check, CheckResult, PartName, ProviderAnswer, ProviderId, ReceivedPart } from '../../src/core/check';
import { CheckAlreadyExistsError } from '../../src/adapters/aws/errors';
import { SecretMisconfiguredError, TransitionConflictError } from '../../src/core/errors';
import type {
  AuditEntry,
  AuditLog,
  CheckRepository,
  Clock,
  EnabledProviderPolicy,
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
  PartInspection,
  ProviderCatalog,
  ResumeQueue,
  SecretSource,
  StoredAuditEntry,
  UploadForm,
  UploadFormRequest,
  UploadSigner,
} from '../../src/core/ports';
import type { Reason } from '../../src/core/reasons';

export class InMemoryCheckRepository implements CheckRepository {
  readonly items = new Map<string, Check>();

  async create(check: NewCheck): Promise<void> {
    if (this.items.has(check.checkId)) throw new CheckAlreadyExistsError(check.checkId);
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
  async expire(checkId: string, failure: Reason, at: string, now: number): Promise<boolean> {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'AWAITING_UPLOAD' || check.uploadExpiresAt >= now) return false;
    this.put({ ...check, status: 'EXPIRED', failure, updatedAt: at, completedAt: at });
    return true;
  }
  async markMediaDeleted(checkId: string, at: string): Promise<void> {
    const check = this.items.get(checkId);
    if (!check) return;
    const { sweepAt: _done, ...rest } = check;
    this.put({ ...rest, mediaDeletedAt: at });
  }
  async listDue(now: number, limit: number): Promise<readonly Check[]> {
    return [...this.items.values()]
      .filter((check) => check.sweepAt !== undefined && check.sweepAt <= now)
      .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
      .slice(0, limit);
  }
  async erase(checkId: string): Promise<Check | undefined> {
    const check = this.items.get(checkId);
    this.items.delete(checkId);
    return check;
  }
  private put(check: Check): Check {
    this.items.set(check.checkId, check);
    return check;
  }
  private finish(checkId: string, outcome: Partial<Check>, details: FinishDetails): void {
    const check = this.items.get(checkId);
    if (!check || check.status !== 'PROCESSING') throw new TransitionConflictError(checkId, 'finish');
    this.put({
      ...check,
      ...outcome,
      media: details.media,
      completedAt: details.at,
      updatedAt: details.at,
      // Like the UpdateItem: an absent provider time leaves the stored one as it was.
      ...(details.providerMs !== undefined ? { providerMs: details.providerMs } : {}),
      sweepAt: details.mediaDueAt,
    });
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly entries: StoredAuditEntry[] = [];
  async append(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry, at: new Date().toISOString(), seq: String(this.entries.length).padStart(8, '0') });
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

  put(key: string, bytes: Uint8Array, contentType?: string): void {
    this.objects.set(key, { bytes, ...(contentType ? { contentType } : {}) });
  }
  async head(key: string): Promise<ObjectHead | undefined> {
    const object = this.objects.get(key);
    if (!object) return undefined;
    return {
      bytes: object.bytes.length,
      etag: `"${object.bytes.length}"`,
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
