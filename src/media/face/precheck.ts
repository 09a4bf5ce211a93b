// The face pre-check of an image part: a quality gate that saves a provider call (and the user a
// wasted attempt) when the picture plainly has no usable face. It is NOT presentation-attack
// detection: a printed photo or a screen passes it; whether the face is live is the provider's
// decision alone.
import type { MediaFacts } from '../../core/check';
import type { CaptureReasonCode } from '../../core/reasons';
import { reason } from '../../core/reasons';
import { FACE_MODEL, type DetectedFace, type FaceDetector } from './face-detector';
import type { FacePrecheckThresholds } from './thresholds';

export type PrecheckPart = 'selfie' | 'reference';

export type PrecheckRefusal = Extract<CaptureReasonCode, 'NO_FACE' | 'REFERENCE_NO_FACE' | 'MULTIPLE_FACES' | 'FACE_TOO_SMALL'>;

/** For the audit trail: what was measured, never the picture. */
export interface PrecheckDetail {
  /** Faces at or above the thresholds' minScore. */
  readonly faces: number;
  /** Largest face box side over the image's short side (0 when no face). */
  readonly largestFaceRatio: number;
  /** Largest face box side in the image's own pixels (0 when no face). */
  readonly largestFacePixels: number;
  readonly ms: number;
  readonly model: typeof FACE_MODEL;
  readonly version: string;
}

export type PrecheckResult =
  | { readonly verdict: 'ok'; readonly detail: PrecheckDetail }
  | { readonly verdict: 'refuse'; readonly reason: PrecheckRefusal; readonly message: string; readonly detail: PrecheckDetail };

/**
 * Looks for exactly one face big enough for the provider's rule. Throws FaceImageError when the
 * picture cannot be looked at (its code says how to map it).
 */
export async function precheckImage(
  detector: FaceDetector,
  part: PrecheckPart,
  facts: Pick<MediaFacts, 'contentType'>,
  bytes: Uint8Array,
  thresholds: FacePrecheckThresholds,
): Promise<PrecheckResult> {
  const detection = await detector.detectFaces(bytes, facts.contentType ? { contentType: facts.contentType } : {});
  const faces = distinctFaces(detection.faces.filter((face) => face.score >= thresholds.minScore));
  const shortSide = Math.min(detection.width, detection.height);
  const largest = faces[0];
  const largestFacePixels = largest ? Math.round(faceSidePixels(largest, detection.width, detection.height)) : 0;
  const detail: PrecheckDetail = {
    faces: faces.length,
    largestFaceRatio: round3(largestFacePixels / shortSide),
    largestFacePixels,
    ms: detection.ms,
    model: FACE_MODEL,
    version: detector.version,
  };
  const refuse = (code: PrecheckRefusal, message: string): PrecheckResult => ({
    verdict: 'refuse',
    reason: code,
    message: reason(code, message).message,
    detail,
  });
  // The gate decides only what the provider would also refuse (FPT 407/408/410/411, Verihubs
  // FACE_NOT_DETECTED / FAIL_ON_8, SenseID 4000); liveness stays with the provider.
  if (!largest) {
    return part === 'reference'
      ? refuse('REFERENCE_NO_FACE', 'reference: no face was found in the ID photo')
      : refuse('NO_FACE', `${part}: no face was found`);
  }
  if (faces.length > 1) return refuse('MULTIPLE_FACES', `${part}: ${faces.length} faces were found, one is expected`);
  if (detail.largestFaceRatio < thresholds.minFaceRatio) {
    return refuse(
      'FACE_TOO_SMALL',
      `${part}: the face spans ${pct(detail.largestFaceRatio)} of the picture's short side, at least ${pct(thresholds.minFaceRatio)} is needed`,
    );
  }
  if (largestFacePixels < thresholds.minFacePixels) {
    return refuse(
      'FACE_TOO_SMALL',
      `${part}: the face is ${largestFacePixels} px across, at least ${thresholds.minFacePixels} px is needed`,
    );
  }
  return { verdict: 'ok', detail };
}

/** The detector sometimes returns a weaker box on part of a face it already found: count that face once. */
function distinctFaces(faces: readonly DetectedFace[]): DetectedFace[] {
  const kept: DetectedFace[] = [];
  for (const face of [...faces].sort((a, b) => area(b) - area(a))) {
    const cx = face.box.x + face.box.w / 2;
    const cy = face.box.y + face.box.h / 2;
    const inside = kept.some(({ box }) => cx >= box.x && cx <= box.x + box.w && cy >= box.y && cy <= box.y + box.h);
    if (!inside) kept.push(face);
  }
  return kept;
}

const area = (face: DetectedFace): number => face.box.w * face.box.h;
const faceSidePixels = (face: DetectedFace, width: number, height: number): number =>
  Math.max(face.box.w * width, face.box.h * height);
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const pct = (ratio: number): string => `${Math.round(ratio * 100)} %`;
