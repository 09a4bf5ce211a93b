// The processor: record each arriving part; when every declared part is there, exactly one
// invocation moves the check to PROCESSING, checks the media, calls the provider and stores the result.
import { createHash } from 'node:crypto';
import { allPartsReceived, PART_NAMES, type CheckResult, type MediaFacts, type PartName } from '../check';
import type { Log } from '../log';
import { mediaKey, type AuditLog, type CheckRepository, type Clock, type MediaStore, type SecretSource } from '../ports';
import { reason, type Reason } from '../reasons';
import { inspectPart, type Inspection, type RangeReader } from '../../media/inspect';
import { callProvider, type CallDeps } from '../../providers/call-provider';
import type { ProviderMedia } from '../../providers/provider';
import type { EnabledProvider, ProviderRegistry } from '../../providers/registry';

export interface ProcessUploadDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly secrets: SecretSource;
  readonly providers: ProviderRegistry;
  readonly clock: Clock;
  readonly log: Log;
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
  | 'ignored-key'
  | 'ignored-late'
  | 'waiting-for-parts'
  | 'already-started'
  | 'completed'
  | 'failed';

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
  if (!current || current.status !== 'AWAITING_UPLOAD') {
    deps.log.info('Part event ignored: check is not awaiting uploads', { checkId, part });
    if (current) await deps.audit.append({ checkId, type: 'PART_IGNORED', detail: { part, status: current.status } });
    return 'ignored-late';
  }
  const head = await deps.media.head(mediaKey(checkId, part));
  const at = deps.clock.now().toISOString();
  const received = {
    bytes: head?.bytes ?? event.bytes ?? 0,
    ...(head?.etag ?? event.etag ? { etag: head?.etag ?? event.etag } : {}),
    ...(head?.contentType ? { contentType: head.contentType } : {}),
    receivedAt: at,
  };
  const check = await deps.checks.recordPart(checkId, part, received);
  if (!check) {
    // A duplicate or late event, an undeclared part, or a check that is gone: nothing to do.
    deps.log.info('Part event ignored: check is not awaiting this part', { checkId, part });
    await deps.audit.append({ checkId, type: 'PART_IGNORED', detail: { part, bytes: received.bytes } });
    return 'ignored-late';
  }
  await deps.audit.append({ checkId, type: 'PART_RECEIVED', detail: { part, ...received } });
  if (!allPartsReceived(check)) return 'waiting-for-parts';
  if (!(await deps.checks.startProcessing(checkId, at))) return 'already-started';
  await deps.audit.append({ checkId, type: 'PROCESSING_STARTED', detail: { parts: check.parts } });

  const provider = deps.providers.get(check.provider);
  let media: MediaFacts[] = [];
  try {
    if (!provider) {
      return await finishFailed(deps, checkId, reason('PROCESSING_FAILED', `provider "${check.provider}" is no longer enabled`), media);
    }
    const inspections = await inspectAll(deps, checkId, check.parts, provider);
    media = inspections.map((inspection) => inspection.facts);
    const problems = inspections.flatMap((inspection) => (inspection.problem ? [inspection.problem] : []));
    await deps.audit.append({
      checkId,
      type: 'MEDIA_CHECKED',
      detail: { media, outcome: problems.length ? 'rejected' : 'accepted', problems },
    });
    if (problems.length > 0) {
      return await finishCompleted(deps, checkId, { decision: 'RETRY', reasons: problems }, media);
    }
    return await callAndRecord(deps, checkId, provider, check.parts, media);
  } catch (error) {
    // Never leave a check in PROCESSING because of an unexpected fault: end it as an operator problem.
    deps.log.error('Processing failed unexpectedly', { checkId, error: describe(error) });
    return finishFailed(deps, checkId, reason('PROCESSING_FAILED'), media);
  }
}

async function inspectAll(
  deps: ProcessUploadDeps,
  checkId: string,
  parts: readonly PartName[],
  provider: EnabledProvider,
): Promise<Inspection[]> {
  return Promise.all(
    parts.map(async (part): Promise<Inspection> => {
      const key = mediaKey(checkId, part);
      const head = await deps.media.head(key);
      if (!head) return { facts: { part, bytes: 0 }, problem: reason('MEDIA_MISSING', `${part}: the upload is missing`) };
      const limits = provider.profile.limits[part];
      if (!limits) return { facts: { part, bytes: head.bytes }, problem: reason('UNSUPPORTED_FORMAT', `${part}: not taken by ${provider.id}`) };
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
  checkId: string,
  provider: EnabledProvider,
  parts: readonly PartName[],
  media: readonly MediaFacts[],
): Promise<ProcessOutcome> {
  let secret: unknown;
  try {
    const raw = await deps.secrets.getJson(provider.config.secretId);
    const parsed = provider.adapter.secretSchema.safeParse(raw);
    if (!parsed.success) throw new Error('secret does not match the provider secret shape');
    secret = parsed.data;
  } catch (error) {
    // The error text may describe the secret's shape, never its value; still keep it out of the audit.
    deps.log.error('Provider secret unavailable', { checkId, provider: provider.id, error: describe(error) });
    return finishFailed(deps, checkId, reason('PROVIDER_AUTH_FAILED', `The ${provider.id} credentials are missing or malformed.`), media);
  }

  const providerMedia: ProviderMedia[] = await Promise.all(
    parts.map(async (part) => {
      const bytes = await deps.media.readAll(mediaKey(checkId, part));
      const measured = media.find((fact) => fact.part === part) ?? { part, bytes: bytes.length };
      return { part, bytes, facts: { ...measured, sha256: createHash('sha256').update(bytes).digest('hex') } };
    }),
  );
  // The digest of exactly what the provider judged goes into the result.
  const judgedMedia = providerMedia.map((item) => item.facts);
  const request = provider.adapter.buildRequest(providerMedia, secret, provider.settings);
  const outcome = await callProvider(
    provider.adapter,
    request,
    provider.settings,
    provider.config,
    (type, detail) => deps.audit.append({ checkId, type, detail }),
    deps.http,
  );
  if (outcome.verdict.kind === 'failure') {
    return finishFailed(deps, checkId, outcome.verdict.reason, judgedMedia, outcome.providerMs);
  }
  const result = outcome.verdict.result;
  if (parts.includes('reference') && result.decision === 'PASS' && !result.faceMatch) {
    // PASS means "live and matched" when a reference was given; an answer without a comparison cannot pass.
    const failure = reason('PROVIDER_RESPONSE_INVALID', `The ${provider.id} answer has no face comparison although a reference was sent.`);
    return finishFailed(deps, checkId, failure, judgedMedia, outcome.providerMs);
  }
  return finishCompleted(deps, checkId, applyReviewBand(result, provider), judgedMedia, outcome.providerMs);
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

async function finishCompleted(
  deps: ProcessUploadDeps,
  checkId: string,
  result: CheckResult,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  await deps.checks.complete(checkId, result, media, deps.clock.now().toISOString(), providerMs);
  await deps.audit.append({
    checkId,
    type: 'RESULT_RECORDED',
    detail: { status: 'COMPLETED', decision: result.decision, reasons: result.reasons.map((r) => r.code) },
  });
  deps.log.info('Check completed', { checkId, decision: result.decision });
  return 'completed';
}

async function finishFailed(
  deps: ProcessUploadDeps,
  checkId: string,
  failure: Reason,
  media: readonly MediaFacts[],
  providerMs?: number,
): Promise<ProcessOutcome> {
  await deps.checks.fail(checkId, failure, media, deps.clock.now().toISOString(), providerMs);
  await deps.audit.append({ checkId, type: 'CHECK_FAILED', detail: { status: 'FAILED', reason: failure.code } });
  deps.log.warn('Check failed', { checkId, reason: failure.code });
  return 'failed';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
