// Verihubs face liveness error codes (the error envelope's code) and the FAIL_ON_n bitmask.
// Source: the vendor's published API page and what public clients show (README.md beside this file).
import type { CaptureReasonCode, MediaReasonCode, ReasonCode } from '../../core/reasons';

export type VerihubsErrorEntry =
  /** The picture cannot be judged: the user takes another one. */
  | { readonly handling: 'capture'; readonly meaning: string; readonly reason: CaptureReasonCode | MediaReasonCode }
  /**
   * Verihubs found our request invalid. The media checker runs first and the payload is ours, so
   * this is a gateway bug or a configuration error, never the user's fault.
   */
  | { readonly handling: 'invalid-request'; readonly meaning: string }
  | { readonly handling: 'quota'; readonly meaning: string }
  | { readonly handling: 'unavailable'; readonly meaning: string };

// A Map, not an object literal, so that a body code such as "constructor" cannot hit a prototype key.
export const VERIHUBS_ERROR_CODES: ReadonlyMap<string, VerihubsErrorEntry> = new Map<string, VerihubsErrorEntry>([
  // Spelled with a space on the liveness page and with an underscore on its sibling pages.
  ['INVALID PAYLOAD', { handling: 'invalid-request', meaning: 'no value in payload or empty string more than 1' }],
  ['INVALID_PAYLOAD', { handling: 'invalid-request', meaning: 'no value in payload or empty string more than 1' }],
  [
    'INVALID_PAYLOAD_IMAGE_MISSING',
    { handling: 'invalid-request', meaning: 'image is not standard Base64 / a URL, or is empty' },
  ],
  ['MISSING_PAYLOAD_IMAGE', { handling: 'invalid-request', meaning: 'missing payload image' }],
  // We never send a URL, so a fetch timeout cannot be about the user's picture.
  ['INVALID_PAYLOAD_IMAGE_TIMEOUT', { handling: 'invalid-request', meaning: 'timeout getting the image from a URL (15 s)' }],
  [
    'INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY',
    { handling: 'invalid-request', meaning: 'is_quality must be true if validate_quality is true' },
  ],
  [
    'INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY',
    { handling: 'invalid-request', meaning: 'is_attribute must be true if validate_attribute is true' },
  ],
  ['INVALID_PAYLOAD_IMAGE_SIZE', { handling: 'capture', meaning: 'image too large', reason: 'MEDIA_TOO_LARGE' }],
  [
    'INVALID_PAYLOAD_IMAGE_FORMAT',
    { handling: 'capture', meaning: 'image cannot be decoded or has an invalid extension', reason: 'UNSUPPORTED_FORMAT' },
  ],
  ['FACE_NOT_DETECTED', { handling: 'capture', meaning: 'face not detected from image', reason: 'NO_FACE' }],
  ['INSUFFICIENT_QUOTA_LIVENESS', { handling: 'quota', meaning: 'usage reached its liveness quota (testing mode)' }],
  ['INTERNAL_SERVER_ERROR', { handling: 'unavailable', meaning: 'internal server error' }],
]);

/** A known code, or any future `*_DEPENDENCY` (a flag combination Verihubs refuses: always ours to fix). */
export function verihubsErrorEntry(code: string): VerihubsErrorEntry | undefined {
  const entry = VERIHUBS_ERROR_CODES.get(code);
  if (entry) return entry;
  return code.endsWith('_DEPENDENCY') ? { handling: 'invalid-request', meaning: 'flag dependency not met' } : undefined;
}

/**
 * FAIL_ON_n bits. The liveness page lists n = 2…14 (attribute 2, quality 4, faces 8); its sibling
 * /v1/face/verify adds 1 = liveness, which this endpoint could send once `validate_liveness`
 * exists there. We never send that flag, but a bit 1 that arrives is read as that page defines it.
 */
export const FAIL_ON_BITS: readonly { readonly bit: number; readonly reason: ReasonCode }[] = [
  { bit: 1, reason: 'SPOOF_DETECTED' },
  { bit: 2, reason: 'FACE_ATTRIBUTE' },
  { bit: 4, reason: 'POOR_QUALITY' },
  { bit: 8, reason: 'MULTIPLE_FACES' },
];
const KNOWN_BITS = FAIL_ON_BITS.reduce((mask, { bit }) => mask | bit, 0);

export type FailOnReading =
  | { readonly kind: 'not-fail-on' }
  | { readonly kind: 'invalid'; readonly problem: string }
  | { readonly kind: 'fail-on'; readonly mask: number; readonly reasons: readonly ReasonCode[] };

/** Decodes `FAIL_ON_<n>` as a bitmask; a zero or unknown bit is a contract change, not a guess. */
export function decodeFailOn(code: string): FailOnReading {
  const match = /^FAIL_ON_(\d{1,4})$/.exec(code);
  if (!match) return { kind: 'not-fail-on' };
  const mask = Number(match[1]);
  if (mask === 0 || (mask & ~KNOWN_BITS) !== 0)
    return { kind: 'invalid', problem: `${code} has bits this gateway does not know` };
  return { kind: 'fail-on', mask, reasons: FAIL_ON_BITS.filter(({ bit }) => (mask & bit) !== 0).map(({ reason }) => reason) };
}
