// The processor: record each arriving part; when every declared part is there, exactly one
// invocation moves the check to PROCESSING, checks the media, calls the provider and stores the result.
// An attempt that dies is resumed after its lease by resumeCheck (the sweep asks for it): from the
// recorded provider answer when there is one, so a crash after the answer never causes a second call.
import { createHash } from 'node:crypto';
import {
  allPartsReceived,
  PART_NAMES,
  type Check,
  type CheckResult,
  type MediaFacts,
  type PartName,
  type ProviderAnswer,
} from '../check';
import { SecretMisconfiguredError, TransitionConflictError } from '../errors';
import type { Log } from '../log';
import { mediaKey, type AuditLog, type CheckRepository, type Clock, type MediaStore, type SecretSource } from '../ports';
import { reason, type Reason } from '../reasons';
import { inspectPart, type Inspection, type RangeReader } from '../../media/inspect';
import { callProvider, type CallDeps } from '../../providers/call-provider';
import type { ProviderHttpRequest, ProviderMedia } from '../../providers/provider';
import type { EnabledProvider, ProviderRegistry } from '../../providers/registry';
import { deleteCheckMedia } from './media-retention';

export interface ProcessingPolicy {
  readonly processingLeaseSeconds: number;
  readonly maxProcessingAttempts: number;
  readonly mediaRetentionSeconds: number;
}

export interface ProcessUploadDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly secrets: SecretSource;
  readonly providers: ProviderRegistry;
  readonly clock: Clock;
  readonly log: Log;
  readonly policy: ProcessingPolicy;
  /** Injected HTTP for the provider call; defaults to global fetch. */
  readonly http?: CallDeps;
}

/** One S3 ObjectCreated notification, as far as we need it. */
export interface UploadEvent {
  /** Object key exactly as S3 sends it in the event (URL-encoded). */
  readonly key: string;
  readonly bytes?: number;
  readonly etag?: string;
}

export type ProcessOutcome =
  'ignored-key' | 'ignored-late' | 'waiting-for-parts' | 'already-started' | 'completed' | 'failed' | 'superseded';

const KEY_PATTERN = /^checks\/([0-9a-f-]{36})\/([a-z]+)$/;

export function parseMediaKey(eventKey: string): { checkId: string; part: PartName } | undefined {
  let key: string;
  try {
    key = decodeURIComponent(eventKey.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
  const match = KEY_PATTERN.exec(key);
  const checkId = match?.[1];
  const part = PART_NAMES.find((name) => name === match?.[2]);
  return checkId && part ? { checkId, part } : undefined;
}

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

export async function processUpload(deps: ProcessUploadDeps, event: UploadEvent): Promise<ProcessOutcome> {
  const parsed = parseMediaKey(event.key);
  if (!parsed) {
    deps.log.warn('Ignoring an object outside the checks/{checkId}/{part} layout');
    return 'ignored-key';
  }
  const { checkId, part } = parsed;
  // State first: a late duplicate event may arrive after the media was deleted, and S3 answers a
  // HEAD on a missing key with 403 to a role without ListBucket.
  const current = await deps.checks.get(checkId);
  if (!current || current.status !== 'AWAITING_UPLOAD' || !current.parts.includes(part)) {
    return ignoreLatePart(deps, checkId, part, current);
  }
  const head = await deps.media.head(mediaKey(checkId, part));
  const now = deps.clock.now();
  const at = now.toISOString();
  const etag = head?.etag ?? event.etag;
  const received = {
    bytes: head?.bytes ?? event.bytes ?? 0,
    ...(etag ? { etag } : {}),
    ...(head?.contentType ? { contentType: head.contentType } : {}),
    receivedAt: at,
  };
  const check = await deps.checks.recordPart(checkId, part, received);
  if (!check) return ignoreLatePart(deps, checkId, part, await deps.checks.get(checkId));
  const partAudited = deps.audit.append({ checkId, type: 'PART_RECEIVED', detail: { part, ...received } });
  if (!allPartsReceived(check)) {
    await partAudited;
    return 'waiting-for-parts';
  }
  const [, started] = await Promise.all([
    partAudited,
    deps.checks.startProcessing(checkId, at, epoch(now) + deps.policy.processingLeaseSeconds),
  ]);
  if (!started) return 'already-started';
  // The audit write runs beside the attempt: it is not on the critical path (its sequence number is
  // taken when the call starts, so the trail keeps the order).
  const [, outcome] = await Promise.all([
    deps.audit.append({ checkId, type: 'PROCESSING_STARTED', detail: { parts: check.parts, attempt: 1 } }),
    runAttempt(deps, started),
  ]);
  return outcome;
}

/**
 * Picks up a check whose processing attempt died (crash or timeout) once its lease has run out.
 * Only one caller wins the resume; after maxProcessingAttempts the check ends FAILED.
 */
export async function resumeCheck(deps: ProcessUploadDeps, checkId: string): Promise<ProcessOutcome> {
  const now = deps.clock.now();
  const resumed = await deps.checks.resumeProcessing(
    checkId,
    now.toISOString(),
    epoch(now),
    epoch(now) + deps.policy.processingLeaseSeconds,
  );
  if (!resumed) return 'already-started';
  const attempt = resumed.attempt ?? 1;
  await deps.audit.append({
    checkId,
    type: 'PROCESSING_RESUMED',
    detail: { attempt, fromRecordedAnswer: resumed.providerAnswer !== undefined },
  });
  if (attempt > deps.policy.maxProcessingAttempts && !resumed.providerAnswer) {
    const failure = reason('PROCESSING_FAILED', `Processing did not finish after ${attempt - 1} attempts.`);
    return finishFailed(deps, resumed, failure, resumed.media ?? []);
  }
  return runAttempt(deps, resumed);
}

/** One processing attempt for a check this caller owns (status PROCESSING, its lease). */
async function runAttempt(deps: ProcessUploadDeps, check: Check): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  try {
    if (check.providerAnswer) return await finishFromAnswer(deps, check, check.providerAnswer, check.media ?? []);
    const provider = deps.providers.get(check.provider);
    if (!provider) {
      return await finishFailed(
        deps,
        check,
        reason('PROCESSING_FAILED', `provider "${check.provider}" is no longer enabled`),
        [],
      );
    }
    const inspections = await inspectAll(deps, check, provider);
    const media = inspections.map((inspection) => inspection.facts);
    const problems = inspections.flatMap((inspection) => (inspection.problem ? [inspection.problem] : []));
    const [, outcome] = await Promise.all([
      deps.audit.append({
        checkId,
        type: 'MEDIA_CHECKED',
        detail: { media, outcome: problems.length ? 'rejected' : 'accepted', problems },
      }),
      problems.length > 0
        ? finishCompleted(deps, check, { decision: 'RETRY', reasons: problems }, media)
        : callAndRecord(deps, check, provider, media),
    ]);
    return outcome;
  } catch (error) {
    if (error instanceof TransitionConflictError) {
      // Erased, or taken over after our lease ran out: whoever holds it now finishes it.
      deps.log.warn('Check moved on while this attempt ran; stopping', { checkId });
      return 'superseded';
    }
    // Left PROCESSING on purpose: the message is retried, and the sweep resumes the check once the
    // lease runs out, from the recorded provider answer if there is one.
    deps.log.error('Processing attempt failed; it will be resumed', { checkId, error: describe(error) });
    throw error;
  }
}

async function ignoreLatePart(
  deps: ProcessUploadDeps,
  checkId: string,
  part: PartName,
  current: Check | undefined,
): Promise<ProcessOutcome> {
  deps.log.info('Part event ignored: check is not awaiting this part', { checkId, part, status: current?.status ?? 'none' });
  if (!current) {
    // Uploaded for an erased or unknown check (a form stays valid for minutes): keep nothing.
    await deps.media.delete(mediaKey(checkId, part));
    return 'ignored-late';
  }
  await deps.audit.append({ checkId, type: 'PART_IGNORED', detail: { part, status: current.status } });
  if (current.status !== 'AWAITING_UPLOAD' && current.status !== 'PROCESSING' && current.mediaDeletedAt) {
    // The check is decided and its media already gone: a late re-upload must not linger.
    await deps.media.delete(mediaKey(checkId, part));
  }
  return 'ignored-late';
}

async function inspectAll(deps: ProcessUploadDeps, check: Check, provider: EnabledProvider): Promise<Inspection[]> {
  return Promise.all(
    check.parts.map(async (part): Promise<Inspection> => {
      const key = mediaKey(check.checkId, part);
      // Size and type were read from S3 when the part arrived; a resumed attempt asks again.
      const head = check.received[part] ?? (await deps.media.head(key));
      if (!head) return { facts: { part, bytes: 0 }, problem: reason('MEDIA_MISSING', `${part}: the upload is missing`) };
      const limits = provider.profile.limits[part];
      if (!limits)
        return {
          facts: { part, bytes: head.bytes },
          problem: reason('UNSUPPORTED_FORMAT', `${part}: not taken by ${provider.id}`),
        };
      const reader: RangeReader = {
        size: head.bytes,
        read: (start, endInclusive) => deps.media.readRange(key, start, endInclusive),
      };
      return inspectPart(part, reader, limits, head.contentType ? { contentType: head.contentType } : {});
    }),
  );
}

async function callAndRecord(
  deps: ProcessUploadDeps,
  check: Check,
  provider: EnabledProvider,
  media: readonly MediaFacts[],
): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  let raw: unknown;
  try {
    raw = await deps.secrets.getJson(provider.config.secretId);
  } catch (error) {
    // Throttling or a network fault is retried with the message; a secret that is missing or not
    // JSON is an operator problem: fail at once, saying which, never with the value.
    if (!(error instanceof SecretMisconfiguredError)) throw error;
    deps.log.error('Provider secret misconfigured', { checkId, provider: provider.id, error: describe(error) });
    return finishFailed(
      deps,
      check,
      reason('PROVIDER_AUTH_FAILED', `The ${provider.id} credentials are missing or not JSON.`),
      media,
    );
  }
  const parsed = provider.adapter.secretSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and rule messages only (e.g. "aesKey: must be 32 characters"): zod issues never carry the value.
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    deps.log.error('Provider secret has the wrong shape', { checkId, provider: provider.id, issues });
    return finishFailed(
      deps,
      check,
      reason('PROVIDER_AUTH_FAILED', `The ${provider.id} credentials do not have the expected fields.`),
      media,
    );
  }
  const secret: unknown = parsed.data;

  const providerMedia: ProviderMedia[] = await Promise.all(
    check.parts.map(async (part) => {
      const bytes = await deps.media.readAll(mediaKey(checkId, part));
      const measured = media.find((fact) => fact.part === part) ?? { part, bytes: bytes.length };
      return { part, bytes, facts: { ...measured, sha256: createHash('sha256').update(bytes).digest('hex') } };
    }),
  );
  // The digest of exactly what the provider judged goes into the result.
  const judgedMedia = providerMedia.map((item) => item.facts);
  let request: ProviderHttpRequest;
  try {
    request = provider.adapter.buildRequest(providerMedia, secret, provider.settings);
  } catch (error) {
    // Building the request is deterministic: a retry would fail the same way.
    deps.log.error('Provider request could not be built', { checkId, provider: provider.id, error: describe(error) });
    return finishFailed(deps, check, reason('PROCESSING_FAILED', `The ${provider.id} request could not be built.`), judgedMedia);
  }
  const outcome = await callProvider(
    provider.adapter,
    request,
    provider.settings,
    provider.config,
    (type, detail) => deps.audit.append({ checkId, type, detail }),
    deps.http,
  );
  const answer: ProviderAnswer =
    outcome.verdict.kind === 'answer'
      ? { kind: 'answer', result: outcome.verdict.result, providerMs: outcome.providerMs }
      : { kind: 'failure', reason: outcome.verdict.reason, providerMs: outcome.providerMs };
  await deps.checks.recordProviderAnswer(checkId, answer, deps.clock.now().toISOString());
  const [, finished] = await Promise.all([
    deps.audit.append({ checkId, type: 'PROVIDER_ANSWER_RECORDED', detail: { kind: answer.kind, attempts: outcome.attempts } }),
    finishFromAnswer(deps, { ...check, media: judgedMedia }, answer, judgedMedia),
  ]);
  return finished;
}

async function finishFromAnswer(
  deps: ProcessUploadDeps,
  check: Check,
  answer: ProviderAnswer,
  media: readonly MediaFacts[],
): Promise<ProcessOutcome> {
  if (answer.kind === 'failure') return finishFailed(deps, check, answer.reason, media, answer.providerMs);
  const provider = deps.providers.get(check.provider);
  const result = answer.result;
  if (check.parts.includes('reference') && result.decision === 'PASS' && !result.faceMatch) {
    // PASS means "live and matched" when a reference was given; an answer without a comparison cannot pass.
    const failure = reason(
      'PROVIDER_RESPONSE_INVALID',
      `The ${check.provider} answer has no face comparison although a reference was sent.`,
    );
    return finishFailed(deps, check, failure, media, answer.providerMs);
  }
  return finishCompleted(deps, check, provider ? applyReviewBand(result, provider) : result, media, answer.providerMs);
}

/** A PASS whose liveness score sits in the configured grey band goes to a person. */
export function applyReviewBand(result: CheckResult, provider: EnabledProvider): CheckResult {
  const band = provider.config.reviewBand;
  const score = result.liveness?.score;
  if (!band || result.decision !== 'PASS' || score === undefined) return result;
  if (score < band.low || score > band.high) return result;
  return {
    ...result,
    decision: 'REVIEW',
    reasons: [...result.reasons, reason('NEEDS_REVIEW', `liveness score ${score.toFixed(3)} is in the review band`)],
  };
}

function finishDetails(deps: ProcessUploadDeps, media: readonly MediaFacts[], providerMs?: number) {
  const now = deps.clock.now();
  return {
    media,
    at: now.toISOString(),
    mediaDueAt: epoch(now) + deps.policy.mediaRetentionSeconds,
    ...(providerMs !== undefined ? { providerMs } : {}),
  };
}

async function finishCompleted(
  deps: ProcessUploadDeps,
  check: Check,
  result: CheckResult,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  await deps.checks.complete(check.checkId, result, finishDetails(deps, media, providerMs));
  deps.log.info('Check completed', { checkId: check.checkId, decision: result.decision });
  await Promise.all([
    deps.audit.append({
      checkId: check.checkId,
      type: 'RESULT_RECORDED',
      detail: { status: 'COMPLETED', decision: result.decision, reasons: result.reasons.map((r) => r.code) },
    }),
    deleteMediaIfDue(deps, check),
  ]);
  return 'completed';
}

async function finishFailed(
  deps: ProcessUploadDeps,
  check: Check,
  failure: Reason,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  await deps.checks.fail(check.checkId, failure, finishDetails(deps, media, providerMs));
  deps.log.warn('Check failed', { checkId: check.checkId, reason: failure.code });
  await Promise.all([
    deps.audit.append({ checkId: check.checkId, type: 'CHECK_FAILED', detail: { status: 'FAILED', reason: failure.code } }),
    deleteMediaIfDue(deps, check),
  ]);
  return 'failed';
}

/** With no keep window the media goes as soon as the check is decided; otherwise the sweep deletes it later. */
async function deleteMediaIfDue(deps: ProcessUploadDeps, check: Check): Promise<void> {
  if (deps.policy.mediaRetentionSeconds > 0) return;
  try {
    await deleteCheckMedia(deps, check);
  } catch (error) {
    // The decision stands; the sweep retries the deletion (the check keeps its sweepAt).
    deps.log.error('Deleting media failed; the sweep will retry', { checkId: check.checkId, error: describe(error) });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
