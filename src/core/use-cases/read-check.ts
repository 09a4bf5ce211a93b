// GET /v1/checks/{id} (poll token) and GET /v1/checks/{id}/result (IAM).
import type { CheckResultResponse, CheckStatusResponse } from '../api-schemas';
import type { Check, DeepReadonly } from '../check';
import { CheckNotFoundError, UnauthorizedError } from '../errors';
import { pollTokenMatches } from '../poll-token';
import type { CheckRepository, Clock } from '../ports';
import type { Reason } from '../reasons';

/** What a frontend may see: no scores, no provider payload. */
export type CheckStatusView = DeepReadonly<CheckStatusResponse>;

/** The full normalised result, for the backend. */
export type CheckResultView = DeepReadonly<CheckResultResponse>;

function reasonsOf(check: Check): readonly Reason[] | undefined {
  if (check.result) return check.result.reasons;
  if (check.failure) return [check.failure];
  return undefined;
}

/**
 * The token is checked before existence is revealed: a missing or wrong token gets 401 whether or
 * not the check exists, and only a holder of the right token can learn anything about it.
 */
export async function getCheckStatus(
  checks: CheckRepository,
  clock: Clock,
  checkId: string | undefined,
  presentedToken: string | undefined,
): Promise<CheckStatusView> {
  if (!presentedToken || !checkId) throw new UnauthorizedError();
  const check = await live(checks, clock, checkId);
  // The token dies with the record, even while DynamoDB's TTL deletion lags behind.
  if (!check || !pollTokenMatches(presentedToken, check.pollTokenHash)) throw new UnauthorizedError();
  const reasons = reasonsOf(check);
  return {
    checkId: check.checkId,
    status: check.status,
    ...(check.result ? { decision: check.result.decision } : {}),
    ...(reasons ? { reasons } : {}),
    updatedAt: check.updatedAt,
  };
}

/** A check past its retention reads as gone, whether or not TTL has removed it yet. */
export async function live(checks: CheckRepository, clock: Clock, checkId: string): Promise<Check | undefined> {
  const check = await checks.get(checkId);
  return check && check.expiresAt > clock.now().getTime() / 1000 ? check : undefined;
}

export async function getCheckResult(checks: CheckRepository, clock: Clock, checkId: string): Promise<CheckResultView> {
  const check = await live(checks, clock, checkId);
  if (!check) throw new CheckNotFoundError();
  const result = check.result;
  const reasons = reasonsOf(check);
  return {
    checkId: check.checkId,
    status: check.status,
    provider: check.providerAnswer?.provider ?? check.provider,
    ...(check.providerAnswer?.attempts ? { attempts: check.providerAnswer.attempts } : {}),
    parts: check.parts,
    ...(check.externalRef !== undefined ? { externalRef: check.externalRef } : {}),
    ...(check.consent !== undefined ? { consent: check.consent } : {}),
    ...(result
      ? {
          decision: result.decision,
          liveness: result.liveness,
          deepfake: result.deepfake,
          faceMatch: result.faceMatch,
          quality: result.quality,
          attributes: result.attributes,
          providerRequestId: result.providerRequestId,
          ...(result.duplicateOf !== undefined ? { duplicateOf: result.duplicateOf } : {}),
        }
      : {}),
    ...(reasons ? { reasons } : {}),
    media: check.media ?? [],
    ...(check.mediaDeletedAt !== undefined ? { mediaDeletedAt: check.mediaDeletedAt } : {}),
    ...(check.review !== undefined ? { review: check.review } : {}),
    timings: {
      createdAt: check.createdAt,
      processingStartedAt: check.processingStartedAt,
      completedAt: check.completedAt,
      providerMs: check.providerMs,
    },
    updatedAt: check.updatedAt,
  };
}
