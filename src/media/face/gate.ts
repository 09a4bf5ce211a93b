// The FacePrecheck port on the embedded detector: picks the provider's thresholds, runs
// precheckImage on the bytes about to be sent and turns its answer into the domain's verdict.
// A quality gate, not presentation-attack detection: liveness stays the provider's decision.
import type { PartName } from '../../core/check';
import type { FacePrecheck, FacePrecheckRequest, FacePrecheckResult } from '../../core/ports';
import { reason } from '../../core/reasons';
import { FaceImageError } from './decode';
import { createFaceDetector, type FaceDetector } from './face-detector';
import { precheckImage } from './precheck';
import { facePrecheckThresholds, type FacePrecheckThresholds, type PrecheckPart } from './thresholds';

export interface FacePrecheckGateOptions {
  /** The detector; default: this process's shared one, loaded on first use. */
  readonly detector?: () => Promise<FaceDetector>;
  /** Default: facePrecheckThresholds (the per-provider table, with a fallback for unknown providers). */
  readonly thresholds?: (provider: string, part: PrecheckPart) => FacePrecheckThresholds | undefined;
}

const isImagePart = (part: PartName): part is PrecheckPart => part === 'selfie' || part === 'reference';

export function createFacePrecheck(options: FacePrecheckGateOptions = {}): FacePrecheck {
  const detector = options.detector ?? (() => createFaceDetector());
  const thresholdsFor = options.thresholds ?? facePrecheckThresholds;
  return {
    async check({ provider, part, bytes, facts }: FacePrecheckRequest): Promise<FacePrecheckResult> {
      if (!isImagePart(part)) return { verdict: 'skipped', why: 'not-an-image-part' };
      const thresholds = thresholdsFor(provider, part);
      if (!thresholds) return { verdict: 'skipped', why: 'no-rule-for-provider-part' };
      // A load failure throws: the caller logs it and lets the provider decide.
      const loaded = await detector();
      try {
        const result = await precheckImage(loaded, part, facts, bytes, thresholds);
        const audit = { ...result.detail, thresholds };
        return result.verdict === 'ok'
          ? { verdict: 'ok', audit }
          : { verdict: 'refuse', reason: reason(result.reason, result.message), audit };
      } catch (error) {
        if (!(error instanceof FaceImageError)) throw error;
        // Too many pixels to decode within the processor's memory: not checked here, the provider judges it.
        if (error.code === 'IMAGE_TOO_LARGE') return { verdict: 'skipped', why: 'image-too-large' };
        return { verdict: 'refuse', reason: reason('MEDIA_CORRUPT', `${part}: ${error.message}`), audit: { error: error.code } };
      }
    },
  };
}
