// The face pre-check of an attempt: before the provider is paid, each image part (selfie,
// reference) is shown to the embedded face detector, and a picture the provider would refuse
// anyway (no face, several faces, a face too small) ends the check RETRY at once, with no
// provider call. A quality gate only: it is not presentation-attack detection, and whether the
// face is live (or matches the ID photo) stays the provider's decision.
import type { PartName } from '../../check';
import { describeError } from '../../errors';
import type { FacePrecheckResult, JudgedPart } from '../../ports';
import type { Reason } from '../../reasons';
import type { ProcessUploadDeps } from './deps';

const IMAGE_PARTS: readonly PartName[] = ['selfie', 'reference'];

/**
 * Runs the pre-check on the image parts of `judged` (the bytes about to be sent) and audits one
 * FACE_PRECHECKED entry per part. Returns the refusal reasons, empty when the provider may be
 * called. Switched off (no `facePrecheck` port) it does nothing.
 */
export async function precheckFaces(
  deps: ProcessUploadDeps,
  checkId: string,
  provider: string,
  judged: readonly JudgedPart[],
): Promise<Reason[]> {
  const gate = deps.facePrecheck;
  if (!gate) return [];
  const images = judged.filter((item) => IMAGE_PARTS.includes(item.part));
  const results = await Promise.all(
    images.map(async ({ part, bytes, facts }) => {
      const started = performance.now();
      const result = await gate.check({ provider, part, bytes, facts }).catch((error: unknown): FacePrecheckResult => {
        // The gate only saves a call: when it cannot look, the provider decides as before.
        deps.log.error('Face pre-check failed; the provider decides', { checkId, part, error: describeError(error) });
        return { verdict: 'skipped', why: 'precheck-failed' };
      });
      const ms = Math.round(performance.now() - started);
      await deps.audit.append({
        checkId,
        type: 'FACE_PRECHECKED',
        detail: {
          part,
          verdict: result.verdict,
          ...(result.verdict === 'refuse' ? { reason: result.reason.code } : {}),
          ...(result.verdict === 'skipped' ? { why: result.why } : {}),
          ...result.audit,
          totalMs: ms,
        },
      });
      return result;
    }),
  );
  return results.flatMap((result) => (result.verdict === 'refuse' ? [result.reason] : []));
}
