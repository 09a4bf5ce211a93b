// One processing attempt for a check this caller owns (status PROCESSING, its lease): from the
// recorded provider answer when there is one, otherwise read every part once, pinned to the upload
// recorded on arrival, inspect and hash those bytes, and have the provider judge exactly them.
// The attempt's audit entries are held until its next conditional write succeeds: an attempt that
// loses to an erasure (or a takeover) leaves nothing in the trail after it.
import { createHash } from 'node:crypto';
import type { Check, MediaFacts, PartName } from '../../check';
import { describeError, TransitionConflictError } from '../../errors';
import {
  mediaKey,
  type AuditEntry,
  type AuditLog,
  type CheckRepository,
  type Clock,
  type JudgedPart,
  type MediaFingerprints,
  type PartInspection,
  type PartReader,
} from '../../ports';
import { reason } from '../../reasons';
import { type ProcessOutcome, type ProcessUploadDeps } from './deps';
import { finishIfReplayed } from './duplicate-media';
import { precheckFaces } from './face-precheck';
import { finishCompleted, finishFailed, finishFromAnswer } from './finish';

export async function runAttempt(deps: ProcessUploadDeps, check: Check): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  const held = new HeldAudit(deps.audit, deps.clock);
  // The replayed-media entries this attempt claims, to drop again if its check is erased under it.
  const claimed = new Set<string>();
  const attemptDeps: ProcessUploadDeps = {
    ...deps,
    audit: held,
    checks: releasingAfterWrites(deps.checks, held),
    ...(deps.fingerprints ? { fingerprints: recordingClaims(deps.fingerprints, checkId, claimed) } : {}),
  };
  try {
    const outcome = await attemptSteps(attemptDeps, check);
    await held.written();
    return outcome;
  } catch (error) {
    if (error instanceof TransitionConflictError) {
      // Erased, or taken over after our lease ran out: whoever holds it now finishes it, and what
      // this attempt still held for the audit trail is dropped with it.
      deps.log.warn('Check moved on while this attempt ran; stopping', { checkId, droppedAuditEntries: held.drop() });
      await releaseClaimsOfErased(deps, checkId, claimed);
      return 'superseded';
    }
    // Left PROCESSING on purpose: the message is retried, and the sweep resumes the check once the
    // lease runs out, from the recorded provider answer if there is one.
    deps.log.error('Processing attempt failed; it will be resumed', { checkId, error: describeError(error) });
    throw error;
  }
}

async function attemptSteps(deps: ProcessUploadDeps, check: Check): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  if (check.providerAnswer) return finishFromAnswer(deps, check, check.providerAnswer, check.media ?? []);
  if (!deps.providers.get(check.provider)) {
    return finishFailed(deps, check, reason('PROCESSING_FAILED', `provider "${check.provider}" is no longer enabled`), []);
  }
  deps.judge.prepare?.({ checkId, provider: check.provider });
  const vetted = await Promise.all(check.parts.map((part) => vetPart(deps, check, part)));
  const media = vetted.map((item) => item.inspection.facts);
  const problems = vetted.flatMap((item) => (item.inspection.problem ? [item.inspection.problem] : []));
  for (const item of vetted) {
    if (item.replaced) {
      void deps.audit.append({
        checkId,
        type: 'PART_REPLACED',
        detail: { part: item.part, recordedEtag: item.replaced.recordedEtag, judged: false },
      });
    }
  }
  void deps.audit.append({
    checkId,
    type: 'MEDIA_CHECKED',
    detail: { media, outcome: problems.length ? 'rejected' : 'accepted', problems },
  });
  if (problems.length > 0) return finishCompleted(deps, check, { decision: 'RETRY', reasons: problems }, media);
  const judged = vetted.flatMap((item) => (item.judged ? [item.judged] : []));
  return judgeAndRecord(deps, check, judged, media);
}

interface VettedPart {
  readonly part: PartName;
  readonly inspection: PartInspection;
  /** The bytes that were inspected, with their digest: what the provider is sent. */
  readonly judged?: JudgedPart;
  /** The key no longer holds the upload recorded on arrival (a presigned form used again). */
  readonly replaced?: { readonly recordedEtag: string };
}

/**
 * Reads a part once, pinned to the upload recorded on arrival (its ETag), and inspects those very
 * bytes. A part too large by its recorded size is refused with no read at all.
 */
async function vetPart(deps: ProcessUploadDeps, check: Check, part: PartName): Promise<VettedPart> {
  const received = check.received[part];
  if (!received) return refused(part, 0, reason('MEDIA_MISSING', `${part}: the upload is missing`));
  const maxBytes = deps.providers.get(check.provider)?.uploadRules[part]?.maxBytes;
  if (maxBytes !== undefined && received.bytes > maxBytes) {
    return refused(
      part,
      received.bytes,
      reason('MEDIA_TOO_LARGE', `${part}: ${received.bytes} bytes, maximum ${maxBytes} bytes`),
    );
  }
  const key = mediaKey(check.checkId, part);
  const read = received.etag
    ? await deps.media.readPinned(key, received.etag)
    : // Recorded without an ETag (neither the event nor storage gave one): nothing to pin to.
      { kind: 'object' as const, bytes: await deps.media.readAll(key) };
  if (read.kind === 'missing') return refused(part, received.bytes, reason('MEDIA_MISSING', `${part}: the upload is missing`));
  if (read.kind === 'replaced') {
    // The recorded upload is gone from the key (the bucket keeps no versions); the replacement
    // was never vetted on arrival and is not judged.
    return {
      ...refused(
        part,
        received.bytes,
        reason('MEDIA_MISSING', `${part}: the upload was replaced after it arrived; record again`),
      ),
      replaced: { recordedEtag: received.etag ?? '' },
    };
  }
  const bytes = read.bytes;
  const contentType = received.contentType ?? read.contentType;
  const inspection = await deps.inspector.inspect({
    provider: check.provider,
    part,
    reader: bytesReader(bytes),
    ...(contentType ? { contentType } : {}),
  });
  if (inspection.problem) return { part, inspection };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { part, inspection, judged: { part, bytes, facts: { ...inspection.facts, sha256 } } };
}

function refused(part: PartName, bytes: number, problem: PartInspection['problem']): VettedPart {
  return { part, inspection: { facts: { part, bytes }, ...(problem ? { problem } : {}) } };
}

/** Ranged access over bytes already read: the inspector looks at exactly what will be sent. */
export function bytesReader(bytes: Uint8Array): PartReader {
  return {
    size: bytes.length,
    read: async (start, endInclusive) => bytes.subarray(Math.max(0, start), Math.max(0, endInclusive + 1)),
  };
}

async function judgeAndRecord(
  deps: ProcessUploadDeps,
  check: Check,
  judged: readonly JudgedPart[],
  media: readonly MediaFacts[],
): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  // FACE PRE-CHECK: the image parts' bytes, about to be sent, are looked at first; a picture the
  // provider would refuse anyway ends the check RETRY without a provider call (face-precheck.ts).
  // A quality gate only: whether the person is live stays the provider's decision.
  const refused = await precheckFaces(deps, checkId, check.provider, judged);
  if (refused.length > 0) return finishCompleted(deps, check, { decision: 'RETRY', reasons: refused }, media);
  // REPLAYED MEDIA: live bytes another check already submitted end this one REVIEW, unjudged.
  const replayed = await finishIfReplayed(deps, check, judged);
  if (replayed) return replayed;
  const judgement = await deps.judge.judge({
    checkId,
    provider: check.provider,
    media: judged,
    shouldContinue: () => stillOwned(deps, check),
    audit: deps.audit,
  });
  if (judgement.kind === 'stopped') throw new TransitionConflictError(checkId, 'call the provider');
  // Nothing was sent: the facts stay those of the inspection, with no digest.
  if (judgement.kind === 'not-called') return finishFailed(deps, check, judgement.failure, media);
  // The digest of exactly what the provider judged goes into the result.
  const judgedMedia = judged.map((item) => item.facts);
  const answer = judgement.answer;
  await deps.checks.recordProviderAnswer(checkId, answer, deps.clock.now().toISOString());
  const [, finished] = await Promise.all([
    deps.audit.append({
      checkId,
      type: 'PROVIDER_ANSWER_RECORDED',
      detail: { kind: answer.kind, attempts: judgement.attempts },
    }),
    finishFromAnswer(deps, { ...check, media: judgedMedia }, answer, judgedMedia),
  ]);
  return finished;
}

/** The check is still this attempt's to finish: not erased, not decided, not taken over (consistent read). */
async function stillOwned(deps: ProcessUploadDeps, check: Check): Promise<boolean> {
  const current = await deps.checks.get(check.checkId);
  return (
    current !== undefined &&
    current.status === 'PROCESSING' &&
    (current.attempt ?? 1) === (check.attempt ?? 1) &&
    current.providerAnswer === undefined
  );
}

/**
 * Audit entries of an attempt, held (with the time they were produced, which keeps their order
 * in the trail) until the attempt's next conditional write succeeds; then written, and every
 * later entry passes straight through. Dropped when that write loses.
 */
class HeldAudit implements AuditLog {
  private held: AuditEntry[] | undefined = [];
  private readonly writes: Promise<void>[] = [];

  constructor(
    private readonly log: AuditLog,
    private readonly clock: Clock,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    if (this.held) {
      this.held.push(entry.at ? entry : { ...entry, at: this.clock.now().toISOString() });
      return Promise.resolve();
    }
    return this.log.append(entry);
  }

  list(checkId: string) {
    return this.log.list(checkId);
  }

  /** Writes what was held, in order (each write takes its place in the trail when issued); not awaited on the path. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const entry of held) this.writes.push(this.log.append(entry));
  }

  /** How many entries were never written. */
  drop(): number {
    const count = this.held?.length ?? 0;
    this.held = [];
    return count;
  }

  /** Resolves when every released entry is written; rejects as the first failed write did. */
  async written(): Promise<void> {
    await Promise.all(this.writes);
  }
}

/** The attempt's writes that decide whether its held audit entries stand. */
const DECIDING_WRITES = new Set<PropertyKey>(['recordProviderAnswer', 'complete', 'fail']);

/** The repository, with the held audit entries released once one of the attempt's conditional writes succeeds. */
function releasingAfterWrites(checks: CheckRepository, held: HeldAudit): CheckRepository {
  return new Proxy(checks, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (!DECIDING_WRITES.has(property)) return method.bind(target);
      return async (...args: unknown[]) => {
        const result = await method.apply(target, args);
        held.release();
        return result;
      };
    },
  });
}

/** The index port, noting which bytes this attempt's check came to hold. */
function recordingClaims(fingerprints: MediaFingerprints, checkId: string, claimed: Set<string>): MediaFingerprints {
  const note = (sha256: string) => (first: string) => {
    if (first === checkId) claimed.add(sha256);
    return first;
  };
  return {
    claim: (sha256, id, expiresAt) => fingerprints.claim(sha256, id, expiresAt).then(note(sha256)),
    takeOver: (sha256, id, from, expiresAt) => fingerprints.takeOver(sha256, id, from, expiresAt).then(note(sha256)),
    release: (id, sha256s) => fingerprints.release(id, sha256s),
  };
}

/**
 * An erasure that came while this attempt was claiming found no digests on the record to release
 * (they are recorded with the result): the attempt drops its own claims, so the index keeps
 * nothing of an erased check. A takeover (the check is still there) keeps them for the new owner.
 */
async function releaseClaimsOfErased(deps: ProcessUploadDeps, checkId: string, claimed: ReadonlySet<string>): Promise<void> {
  if (!deps.fingerprints || claimed.size === 0) return;
  try {
    if (await deps.checks.get(checkId)) return;
    await deps.fingerprints.release(checkId, [...claimed]);
  } catch (error) {
    // The entries expire with the check's retention, and a later check takes them over.
    deps.log.warn('Could not drop the replayed-media entries of an erased check', { checkId, error: describeError(error) });
  }
}
