// What a provider answer means for the check, as pure rules: no ports, no clock.
import type { Check, CheckResult, ProviderAnswer } from '../../check';
import type { ReviewBand } from '../../ports';
import { reason, type Reason } from '../../reasons';

export type Decided =
  { readonly kind: 'completed'; readonly result: CheckResult } | { readonly kind: 'failed'; readonly failure: Reason };

/**
 * The check's outcome from the provider's answer. PASS means "live and matched" when a reference
 * was given: an answer without a face comparison then cannot pass. A PASS in the review band goes
 * to a person.
 */
export function decide(
  check: Pick<Check, 'parts' | 'provider'>,
  answer: ProviderAnswer,
  policy: { readonly reviewBand?: ReviewBand } | undefined,
): Decided {
  if (answer.kind === 'failure') return { kind: 'failed', failure: answer.reason };
  const result = answer.result;
  if (check.parts.includes('reference') && result.decision === 'PASS' && !result.faceMatch) {
    const failure = reason(
      'PROVIDER_RESPONSE_INVALID',
      `The ${check.provider} answer has no face comparison although a reference was sent.`,
    );
    return { kind: 'failed', failure };
  }
  return { kind: 'completed', result: policy ? applyReviewBand(result, policy) : result };
}

/** A PASS whose liveness score sits in the configured grey band goes to a person. */
export function applyReviewBand(result: CheckResult, provider: { readonly reviewBand?: ReviewBand }): CheckResult {
  const band = provider.reviewBand;
  const score = result.liveness?.score;
  if (!band || result.decision !== 'PASS' || score === undefined) return result;
  if (score < band.low || score > band.high) return result;
  return {
    ...result,
    decision: 'REVIEW',
    reasons: [...result.reasons, reason('NEEDS_REVIEW', `liveness score ${score.toFixed(3)} is in the review band`)],
  };
}
