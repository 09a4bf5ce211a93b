// How strict the face pre-check is, per provider and part. Data, not code: a provider profile
// carries its `facePrecheck` object and a deployment may override it. The defaults are lenient on
// purpose: the gate must never refuse a picture the provider would have accepted, so each rule
// sits well inside what the provider documents (README, "Face pre-check (images)").
import type { ProviderId } from '../../core/check';

export type PrecheckPart = 'selfie' | 'reference';

export interface FacePrecheckThresholds {
  /**
   * A detection counts as a face at or above this BlazeFace score. Real faces in our fixtures score
   * 0.78–0.92; backdrop false positives and partial duplicates of one face score 0.2–0.4.
   */
  readonly minScore: number;
  /** Largest face box side over the picture's short side (orientation-free); 0 turns the rule off. */
  readonly minFaceRatio: number;
  /** Largest face box side in the picture's own pixels; 0 turns the rule off. */
  readonly minFacePixels: number;
}

export type FacePrecheckProfile = Readonly<Partial<Record<PrecheckPart, FacePrecheckThresholds>>>;

const MIN_SCORE = 0.5;

/**
 * An ID photo is often a photo of a card, where the face is a small part of the picture: only a
 * face too small for any matcher to compare (SenseID 4000, FPT 407 "no face in cmnd") is refused.
 */
const REFERENCE: FacePrecheckThresholds = { minScore: MIN_SCORE, minFaceRatio: 0, minFacePixels: 48 };

export const FACE_PRECHECK_DEFAULTS = {
  // FPT answers 410 no face, 408 more than one, 411 too small, and documents "face ≥ 30 % of the
  // frame" (older: 3/5). 15 % of the short side is below 30 % by any reading of that rule
  // (width, height or area), and BlazeFace's box (1.4 x the landmark spread) is close to a head.
  fpt: { selfie: { minScore: MIN_SCORE, minFaceRatio: 0.15, minFacePixels: 80 }, reference: REFERENCE },
  // SenseID takes a video and a photo; only the photo is an image. 4000 = no face in it.
  senseid: { reference: REFERENCE },
  // Verihubs: FACE_NOT_DETECTED and FAIL_ON_8 (number of faces); no documented size rule, so only
  // a face too small for any detector to judge is refused.
  verihubs: { selfie: { minScore: MIN_SCORE, minFaceRatio: 0.1, minFacePixels: 64 } },
} as const satisfies Readonly<Record<ProviderId, FacePrecheckProfile>>;

/**
 * A provider without an entry above (one added later, or a test's): only what every face matcher
 * refuses — no face, several faces, a face too small to compare. No share-of-frame rule, since
 * no provider's size rule is known for it.
 */
export const FACE_PRECHECK_FALLBACK: FacePrecheckProfile = { selfie: REFERENCE, reference: REFERENCE };

/**
 * The thresholds for a provider's part, looked up by provider id in FACE_PRECHECK_DEFAULTS, else
 * FACE_PRECHECK_FALLBACK. Undefined: this part is not pre-checked for this provider.
 */
export function facePrecheckThresholds(provider: ProviderId, part: PrecheckPart): FacePrecheckThresholds | undefined {
  const table: Readonly<Record<ProviderId, FacePrecheckProfile>> = FACE_PRECHECK_DEFAULTS;
  return (Object.hasOwn(table, provider) ? table[provider] : FACE_PRECHECK_FALLBACK)?.[part];
}
