// POST /v1/checks: create the check, its presigned upload forms and its poll token.
import { randomUUID } from 'node:crypto';
import type { DeepReadonly, PartName } from '../check';
import type { CreateCheckRequest, CreateCheckResponse, UploadInstructionsView } from '../api-schemas';
import { AttemptLimitError, ValidationError } from '../errors';
import { newPollToken } from '../poll-token';
import {
  mediaKey,
  type ApplicantAttempts,
  type AuditLog,
  type CheckRepository,
  type Clock,
  type ProviderCatalog,
  type UploadSigner,
} from '../ports';

export interface CreateCheckDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly signer: UploadSigner;
  readonly providers: ProviderCatalog;
  readonly clock: Clock;
  readonly uploadExpirySeconds: number;
  readonly checkRetentionDays: number;
  /** How long after the forms expire a check with missing uploads is expired by the sweep. */
  readonly uploadGraceSeconds: number;
  /** The per-applicant attempt cap; absent (or a cap of 0) counts nothing. */
  readonly attemptCap?: {
    readonly attempts: ApplicantAttempts;
    readonly maxAttemptsPerApplicant: number;
    readonly attemptWindowHours: number;
  };
}

export type CreatedCheck = DeepReadonly<CreateCheckResponse>;

/**
 * `applicant` is who the attempt cap counts: the operator's externalRef, or (behind a JWT
 * authoriser) the token's subject. Without one nothing is counted.
 */
export async function createCheck(
  deps: CreateCheckDeps,
  request: CreateCheckRequest,
  applicant: string | undefined = request.externalRef,
): Promise<CreatedCheck> {
  const providerId = request.provider ?? deps.providers.defaultProvider;
  const provider = deps.providers.get(providerId);
  if (!provider) {
    throw new ValidationError(`provider "${providerId}" is not enabled here; enabled: ${deps.providers.enabled.join(', ')}`);
  }
  const parts = request.parts ?? provider.defaultParts;
  if (!provider.partSets.some((set) => samePartSet(set, parts))) {
    const allowed = provider.partSets.map((set) => `[${set.join(', ')}]`).join(' or ');
    throw new ValidationError(`provider "${providerId}" cannot take parts [${parts.join(', ')}]; it takes ${allowed}`);
  }

  const now = deps.clock.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  // After validation (a refused request is not an attempt), before anything is created.
  const cap = deps.attemptCap;
  if (cap && cap.maxAttemptsPerApplicant > 0 && applicant !== undefined) {
    const taken = await cap.attempts.take(applicant, {
      cap: cap.maxAttemptsPerApplicant,
      windowSeconds: cap.attemptWindowHours * 3600,
      now: nowSeconds,
    });
    if (!taken.allowed) throw new AttemptLimitError(taken.retryAfterSeconds);
  }
  const checkId = randomUUID();
  const { token, hash } = newPollToken();
  const uploadExpiresAt = nowSeconds + deps.uploadExpirySeconds;

  const uploads: Partial<Record<PartName, UploadInstructionsView>> = {};
  for (const part of parts) {
    const rule = provider.uploadRules[part];
    if (!rule) throw new ValidationError(`provider "${providerId}" has no limits for part "${part}"`);
    const form = await deps.signer.presignPost({
      key: mediaKey(checkId, part),
      maxBytes: rule.maxBytes,
      contentTypePrefix: rule.contentTypePrefix,
      expiresInSeconds: deps.uploadExpirySeconds,
    });
    uploads[part] = { url: form.url, fields: form.fields, maxBytes: rule.maxBytes, contentTypes: [...rule.contentTypes] };
  }

  await deps.checks.create({
    checkId,
    provider: provider.id,
    parts,
    ...(request.externalRef !== undefined ? { externalRef: request.externalRef } : {}),
    ...(request.consent !== undefined ? { consent: request.consent } : {}),
    pollTokenHash: hash,
    createdAt: now.toISOString(),
    uploadExpiresAt,
    expiresAt: nowSeconds + deps.checkRetentionDays * 86_400,
    sweepAt: uploadExpiresAt + deps.uploadGraceSeconds,
  });
  await deps.audit.append({
    checkId,
    type: 'CHECK_CREATED',
    detail: {
      provider: provider.id,
      parts,
      uploadExpiresAt,
      hasExternalRef: request.externalRef !== undefined,
      ...(request.consent !== undefined ? { consent: request.consent } : {}),
    },
  });

  return {
    checkId,
    status: 'AWAITING_UPLOAD',
    provider: provider.id,
    parts,
    uploads,
    pollToken: token,
    expiresAt: new Date(uploadExpiresAt * 1000).toISOString(),
  };
}

function samePartSet(a: readonly PartName[], b: readonly PartName[]): boolean {
  return a.length === b.length && a.every((part) => b.includes(part));
}
