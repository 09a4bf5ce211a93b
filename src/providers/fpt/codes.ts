// FPT.AI Liveness v3 business codes (the body's `code`, always a string on the wire) and what
// each means for a check. Source: the vendor's published API page and what public clients show (README.md beside this file).
import type { CaptureReasonCode, ReasonCode, VerdictReasonCode } from '../../core/reasons';

export type FptCodeEntry =
  /**
   * The provider judged the person: read the liveness / deepfake / face-match fields. `reason` is
   * what the code itself asserts, added even when the fields are "N/A".
   */
  | {
      readonly handling: 'judged';
      readonly meaning: string;
      readonly reason?: VerdictReasonCode | 'REFERENCE_NO_FACE';
    }
  /** The capture cannot be judged: the user records again. */
  | { readonly handling: 'capture'; readonly meaning: string; readonly reason: CaptureReasonCode }
  /**
   * The provider found our request invalid (no video, wrong extension). The media checker runs
   * before the call, so this is a gateway bug or a contract change, never the user's fault.
   */
  | { readonly handling: 'invalid-request'; readonly meaning: string };

// A Map, not an object literal, so that a body `code` such as "constructor" cannot hit a prototype key.
export const FPT_CODES: ReadonlyMap<string, FptCodeEntry> = new Map<string, FptCodeEntry>([
  ['200', { handling: 'judged', meaning: 'No error, see the result fields' }],
  ['301', { handling: 'judged', meaning: 'Spoof: the face is not live', reason: 'SPOOF_DETECTED' }],
  ['302', { handling: 'judged', meaning: 'Deepfake detected', reason: 'DEEPFAKE_DETECTED' }],
  ['303', { handling: 'judged', meaning: 'The face does not match the document', reason: 'FACE_MISMATCH' }],
  // Reported inside face_match / face_match_error: the video itself was judged, the ID photo was not usable.
  ['407', { handling: 'judged', meaning: 'No face in the reference photo (cmnd)', reason: 'REFERENCE_NO_FACE' }],
  ['406', { handling: 'capture', meaning: 'Face quality too poor (covered, dark, bright)', reason: 'FACE_OCCLUDED' }],
  ['408', { handling: 'capture', meaning: 'More than one face in the video', reason: 'MULTIPLE_FACES' }],
  ['409', { handling: 'invalid-request', meaning: 'No video uploaded, wrong extension or invalid input' }],
  ['410', { handling: 'capture', meaning: 'No face in the video, or the face was lost', reason: 'NO_FACE' }],
  ['411', { handling: 'capture', meaning: 'The face is too small', reason: 'FACE_TOO_SMALL' }],
  ['412', { handling: 'capture', meaning: 'The face is too blurry', reason: 'FACE_BLURRY' }],
  ['413', { handling: 'capture', meaning: 'The video is a still image', reason: 'STILL_VIDEO' }],
  ['422', { handling: 'capture', meaning: 'No frontal face', reason: 'NO_FRONTAL_FACE' }],
  ['423', { handling: 'capture', meaning: 'The face is out of the frame', reason: 'FACE_OUT_OF_FRAME' }],
]);

export const FPT_OK_CODE = '200';

/** The reason a code asserts by itself, if any. */
export function fptCodeReason(code: string): ReasonCode | undefined {
  const entry = FPT_CODES.get(code);
  return entry && entry.handling !== 'invalid-request' ? entry.reason : undefined;
}
