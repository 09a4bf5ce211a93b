// In-memory implementations of the domain ports, with the same conditional semantics as the
// DynamoDB adapters, for fast domain tests.
import type { Check, CheckResult, PartName, ProviderAnswer, ReceivedPart } from '../../src/core/check';
import { CheckAlreadyExistsError } from '../../src/adapters/aws/errors';
import { TransitionConflictError } from '../../src/core/errors';
import type {
  AuditEntry,
  AuditLog,
  CheckRepository,
  FinishDetails,
  NewCheck,
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
