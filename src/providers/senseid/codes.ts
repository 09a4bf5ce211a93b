// SenseID silent_image_verification response codes (the body's integer `code`) and what each
// means for a check. Source: the vendor's published API page and what public clients show (README.md beside this file). The HTTP status is not
// read for these: the vendor lists statuses without saying which code comes with which.
import type { CaptureReasonCode, MediaReasonCode } from '../../core/reasons';

export type SenseIdCodeEntry =
  /** 1000: the answer carries `passed` and the scores. */
  | { readonly handling: 'judged'; readonly meaning: string }
  /** The capture cannot be judged: the user records or photographs again. */
  | { readonly handling: 'capture'; readonly meaning: string; readonly reason: CaptureReasonCode | MediaReasonCode }
  /** 4000: no face found; which part it concerns is a setting (see the README). */
  | { readonly handling: 'no-face'; readonly meaning: string }
  /** The provider judged the capture a spoof. */
  | { readonly handling: 'spoof'; readonly meaning: string }
  /**
   * Our request was malformed. The media checker runs first and the encoding is ours, so this is
   * a gateway bug or a configuration error (an AES key/IV other than the server's gives 1200 too).
   */
  | { readonly handling: 'invalid-request'; readonly meaning: string };

// A Map keyed by number: a body code can never hit an object prototype key.
export const SENSEID_CODES: ReadonlyMap<number, SenseIdCodeEntry> = new Map<number, SenseIdCodeEntry>([
  [1000, { handling: 'judged', meaning: 'Success: see passed, liveness_score, verification_score' }],
  [1200, { handling: 'invalid-request', meaning: 'invalid argument (also a ciphertext made with another AES key/IV)' }],
  // Pixels, not bytes. Our checker enforces the documented 8–5000 px, so a 2003 means the
  // server is configured stricter; a too-small picture is the only case a user can fix.
  [2003, { handling: 'capture', meaning: 'invalid image size (width/height in pixels)', reason: 'RESOLUTION_TOO_LOW' }],
  [2004, { handling: 'capture', meaning: 'invalid content length (image file size)', reason: 'MEDIA_TOO_LARGE' }],
  // Our checker has already recognised the file as JPEG/PNG, both of which SenseID takes; what
  // is left of "invalid image type or corrupted" is a damaged file.
  [2005, { handling: 'capture', meaning: 'invalid image type or corrupted', reason: 'MEDIA_CORRUPT' }],
  [4000, { handling: 'no-face', meaning: 'detection failed: no face detected in the image' }],
  [4004, { handling: 'capture', meaning: 'face occlusion (eyes, nose or mouth covered)', reason: 'FACE_OCCLUDED' }],
  [4007, { handling: 'spoof', meaning: 'liveness silent check failed' }],
]);

/** `liveness_status` values (only sent with return_status=true). */
export const SENSEID_LIVENESS_STATUSES = ['ok', 'hack', 'short_time'] as const;
export type SenseIdLivenessStatus = (typeof SENSEID_LIVENESS_STATUSES)[number];
