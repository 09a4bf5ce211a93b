// Checks the provider sends to human review, made over real HTTP against the local stack's FPT
// simulator (the scenario marker in the video asks it for `need_to_review`).
import type { LocalStackOptions } from '../../local/stack';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { createCheck, fixture, uploadOk, waitForEnd } from './api-client';

export const REVIEW_VIDEO = withScenarioMarker(fixture('face_moving.mp4'), 'mp4', 'review');
export const ID_PHOTO = fixture('id_astronaut_1024.jpg');

/**
 * A stack for the review page: any free port; the same fixture uploaded again is not a replay; no
 * face pre-check of the ID photo (not what is reviewed here, and slow); no sweep deleting media.
 */
export const REVIEW_STACK_OPTIONS: LocalStackOptions = {
  port: 0,
  env: { DUPLICATE_MEDIA_CHECK: 'off' },
  config: { facePrecheck: false },
  sweepIntervalMs: 0,
};

/** A video-and-ID-photo check that ended COMPLETED / REVIEW; its checkId. */
export async function createReviewCheck(apiUrl: string, externalRef: string): Promise<string> {
  const check = await createCheck(apiUrl, { provider: 'fpt', parts: ['video', 'reference'], externalRef });
  const video = check.uploads.video;
  const reference = check.uploads.reference;
  if (!video || !reference) throw new Error('missing upload forms');
  await Promise.all([uploadOk(video, REVIEW_VIDEO, 'video/mp4'), uploadOk(reference, ID_PHOTO, 'image/jpeg')]);
  const end = await waitForEnd(apiUrl, check.checkId);
  if (end.decision !== 'REVIEW') throw new Error(`expected a REVIEW decision, got ${JSON.stringify(end)}`);
  return check.checkId;
}
