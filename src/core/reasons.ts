// One reason vocabulary for every provider. Messages are safe to show to the end user.
import * as z from 'zod';

export const MEDIA_REASONS = [
  'MEDIA_MISSING',
  'MEDIA_TOO_LARGE',
  'UNSUPPORTED_FORMAT',
  'MEDIA_CORRUPT',
  'RESOLUTION_TOO_LOW',
  'VIDEO_TOO_SHORT',
  'VIDEO_TOO_LONG',
] as const;

export const CAPTURE_REASONS = [
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_BLURRY',
  'FACE_OCCLUDED',
  'NO_FRONTAL_FACE',
  'FACE_OUT_OF_FRAME',
  'STILL_VIDEO',
  'POOR_QUALITY',
  'FACE_ATTRIBUTE',
  'REFERENCE_NO_FACE',
] as const;

export const VERDICT_REASONS = [
  'SPOOF_DETECTED',
  'DEEPFAKE_DETECTED',
  'FACE_MISMATCH',
  'NEEDS_REVIEW',
  'DUPLICATE_MEDIA',
] as const;

export const OPERATIONAL_REASONS = [
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_QUOTA_EXCEEDED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_RESPONSE_INVALID',
  'PROVIDER_REJECTED_REQUEST',
  'PROCESSING_FAILED',
] as const;

export type MediaReasonCode = (typeof MEDIA_REASONS)[number];
export type CaptureReasonCode = (typeof CAPTURE_REASONS)[number];
export type VerdictReasonCode = (typeof VERDICT_REASONS)[number];
export type OperationalReasonCode = (typeof OPERATIONAL_REASONS)[number];
export type ReasonCode = MediaReasonCode | CaptureReasonCode | VerdictReasonCode | OperationalReasonCode;

export const reasonCodeSchema = z.enum([...MEDIA_REASONS, ...CAPTURE_REASONS, ...VERDICT_REASONS, ...OPERATIONAL_REASONS]);

export const reasonSchema = z.object({
  code: reasonCodeSchema,
  message: z.string().describe('Safe to show to the end user'),
});
export type Reason = Readonly<z.infer<typeof reasonSchema>>;

const DEFAULT_MESSAGES: Record<ReasonCode, string> = {
  MEDIA_MISSING: 'An expected upload is missing.',
  MEDIA_TOO_LARGE: 'The file is too large.',
  UNSUPPORTED_FORMAT: 'The file type is not supported.',
  MEDIA_CORRUPT: 'The file is damaged or empty.',
  RESOLUTION_TOO_LOW: 'The picture resolution is too low.',
  VIDEO_TOO_SHORT: 'The video is too short.',
  VIDEO_TOO_LONG: 'The video is too long.',
  NO_FACE: 'No face was found.',
  MULTIPLE_FACES: 'More than one face was in view.',
  FACE_TOO_SMALL: 'The face is too small: move closer to the camera.',
  FACE_BLURRY: 'The face is blurry: hold still in good light.',
  FACE_OCCLUDED: 'The face is covered, too dark or too bright.',
  NO_FRONTAL_FACE: 'Look straight at the camera.',
  FACE_OUT_OF_FRAME: 'Keep your whole face inside the frame.',
  STILL_VIDEO: 'The video looks like a still picture.',
  POOR_QUALITY: 'The picture quality is too poor (blur, darkness or grayscale).',
  FACE_ATTRIBUTE: 'Remove mask, sunglasses, veil or hat.',
  REFERENCE_NO_FACE: 'No face was found in the ID photo.',
  SPOOF_DETECTED: 'The capture did not pass the liveness check.',
  DEEPFAKE_DETECTED: 'The capture did not pass the liveness check.',
  FACE_MISMATCH: 'The face does not match the ID photo.',
  NEEDS_REVIEW: 'The check needs a manual review.',
  DUPLICATE_MEDIA: 'This capture was already submitted; the check needs a manual review.',
  PROVIDER_AUTH_FAILED: 'The liveness service refused our credentials.',
  PROVIDER_QUOTA_EXCEEDED: 'The liveness service quota is exhausted.',
  PROVIDER_UNAVAILABLE: 'The liveness service could not be reached.',
  PROVIDER_RESPONSE_INVALID: 'The liveness service answered in an unexpected way.',
  PROVIDER_REJECTED_REQUEST: 'The liveness service rejected the request.',
  PROCESSING_FAILED: 'The check could not be processed.',
};

/** A reason with its standard message, or a specific one (e.g. naming the rule and the measured value). */
export function reason(code: ReasonCode, message?: string): Reason {
  return { code, message: message ?? DEFAULT_MESSAGES[code] };
}
