// SenseID Private Cloud silent_image_verification (contract: README.md beside this file): one call judges a selfie
// video's liveness and compares it with a reference photo. The body is a urlencoded form whose
// two media fields are AES-256-GCM encrypted; the outcome is the body's integer `code`, whatever
// the HTTP status (the vendor does not say which status goes with which code).
import * as z from 'zod';
import { GatewayError } from '../../core/errors';
import { reason, type Reason } from '../../core/reasons';
import { MB, type PartLimits, type ProviderProfile } from '../../media/profiles';
import { isRetryableStatus } from '../call-provider';
import type { ProviderAdapter, ProviderHttpRequest, ProviderHttpResponse, ProviderMedia, ProviderVerdict } from '../provider';
import { redactBody } from '../redact';
import { senseidLocalKit } from './local';
import { SENSEID_CODES, SENSEID_LIVENESS_STATUSES, type SenseIdLivenessStatus } from './codes';
import { PRINTABLE_ASCII, SENSEID_IV_CHARS, SENSEID_KEY_CHARS, senseIdEncrypt } from './crypto';
import { answer, failure, invalid, isRecord, type JsonRecord } from '../verdict';

// An HTTP header name (RFC 9110 token), so a typo fails at cold start rather than at fetch time.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A header value fetch accepts: visible ASCII, spaces and tabs, no line breaks.
const HEADER_VALUE = /^[\t\x20-\x7e]+$/;

// Messages never include the value: zod would otherwise be the one place a key could leak into a log.
const asciiOfLength = (field: string, chars: number) =>
  z.string().refine((value) => value.length === chars && PRINTABLE_ASCII.test(value), {
    message: `${field} must be exactly ${chars} ASCII characters (used as bytes, not hex)`,
  });

export const senseidSecretSchema = z.object({
  /** Full URL, including /identity/silent_image_verification/stateless: the server is the operator's own. */
  endpoint: z.url({ protocol: /^https?$/ }),
  aesKey: asciiOfLength('aesKey', SENSEID_KEY_CHARS),
  aesIv: asciiOfLength('aesIv', SENSEID_IV_CHARS),
  /** Value for the auth header of the operator's front proxy, e.g. "Bearer xyz". SenseID itself has no auth. */
  authHeader: z
    .string()
    .refine((value) => HEADER_VALUE.test(value), { message: 'authHeader must be a non-empty single-line header value' })
    .optional(),
});
export type SenseIdSecret = z.infer<typeof senseidSecretSchema>;

export const senseidSettingsSchema = z
  .object({
    /** Header that carries the secret's `authHeader` (the front proxy decides its name). */
    authHeaderName: z.string().regex(HEADER_NAME).default('Authorization'),
    /** Our media checker accepts rotated (portrait, EXIF-rotated) captures, so the server should turn them. */
    autoRotate: z.boolean().default(true),
    /** Occlusion check: a covered face then comes back as 4004 (RETRY) instead of a weak verdict. */
    checkQuality: z.boolean().default(true),
    /** The gateway never needs the returned frames; they only cost bandwidth and are redacted anyway. */
    returnImage: z.boolean().default(false),
    returnFaceImage: z.boolean().default(false),
    /** Needed to tell `short_time` (RETRY) from `hack` (FAIL); without it every passed:false is a spoof. */
    returnStatus: z.boolean().default(true),
    /** verification_score at or above this matches. 0.7 ≈ 1 false accept in 10,000 (vendor table). */
    verificationThreshold: z.number().min(0).max(1).default(0.7),
    /**
     * Code 4000 says "no face detected in the image", and in this API "image" is the reference
     * photo (`encrypted_image`; 2003–2005 use the word for it too). Set NO_FACE if your server
     * proves to send 4000 for a video without a face.
     */
    noFaceReason: z.enum(['REFERENCE_NO_FACE', 'NO_FACE']).default('REFERENCE_NO_FACE'),
  })
  .strict();
export type SenseIdSettings = z.infer<typeof senseidSettingsSchema>;

const REFERENCE_LIMITS: PartLimits = {
  kind: 'image',
  formats: ['jpeg', 'png'],
  // Not documented (2004 only says "invalid content length"); 5 MB like the other providers' photos.
  maxBytes: 5 * MB,
  // The older manual's 8–5000 px.
  minShortSide: 8,
  maxLongSide: 5000,
};

export const senseidProfile: ProviderProfile = {
  partSets: [['video', 'reference']],
  defaultParts: ['video', 'reference'],
  limits: {
    video: {
      kind: 'video',
      formats: ['mp4', 'mov', 'mkv', 'webm'],
      // SenseID documents no video size limit. Base64 (+33 %) and percent-encoding (+6 %) make a
      // 20 MB video ~28 MB on the wire, which still fits common proxy and server body limits, and
      // a 2–10 s phone clip is far below it. Operators lower it with `limits.video.maxBytes`.
      maxBytes: 20 * MB,
      // `short_time` is "video shorter than 2 s": refused before the provider is paid.
      minDurationSeconds: 2,
    },
    reference: REFERENCE_LIMITS,
  },
};

/** The media handed to buildRequest cannot form a SenseID request: a gateway bug, not a user error. */
export class SenseIdRequestError extends GatewayError {}

// ---------------------------------------------------------------------------------------------
// Request

// Base64 uses only A–Z a–z 0–9 + / =; the three symbols are the ones a form body must escape.
const PERCENT: Readonly<Record<string, string>> = { '+': '%2B', '/': '%2F', '=': '%3D' };

/** Base64 → form value. Equivalent to URLSearchParams encoding, without walking 30 MB char by char in JS. */
export function formEncodeBase64(base64: string): string {
  return base64.replace(/[+/=]/g, (char) => PERCENT[char] ?? char);
}

function only(media: readonly ProviderMedia[], part: ProviderMedia['part']): ProviderMedia {
  const found = media.filter((item) => item.part === part);
  const [first] = found;
  if (found.length !== 1 || !first) {
    throw new SenseIdRequestError(
      `SenseID takes exactly one video and one reference; got ${media.map((m) => m.part).join(', ') || 'nothing'}`,
    );
  }
  return first;
}

function buildRequest(media: readonly ProviderMedia[], secret: SenseIdSecret, settings: SenseIdSettings): ProviderHttpRequest {
  if (media.length !== 2) {
    throw new SenseIdRequestError(
      `SenseID takes exactly one video and one reference; got ${media.map((m) => m.part).join(', ') || 'nothing'}`,
    );
  }
  const video = only(media, 'video');
  const reference = only(media, 'reference');
  const encrypted = [
    { name: 'encrypted_video', media: video },
    { name: 'encrypted_image', media: reference },
  ].map(({ name, media: item }) => ({
    name,
    plainBytes: item.bytes.byteLength,
    value: formEncodeBase64(senseIdEncrypt(item.bytes, secret.aesKey, secret.aesIv).toString('base64')),
  }));
  const flags = {
    auto_rotate: settings.autoRotate,
    check_quality: settings.checkQuality,
    return_image: settings.returnImage,
    return_face_image: settings.returnFaceImage,
    return_status: settings.returnStatus,
  };
  const body = [
    ...encrypted.map((field) => `${field.name}=${field.value}`),
    ...Object.entries(flags).map(([name, value]) => `${name}=${value ? 'true' : 'false'}`),
  ].join('&');

  return {
    url: secret.endpoint,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(secret.authHeader !== undefined ? { [settings.authHeaderName]: secret.authHeader } : {}),
    },
    body,
    auditSummary: {
      contentType: 'application/x-www-form-urlencoded',
      encryption: 'AES-256-GCM, ciphertext and 16-byte tag, Base64',
      fields: encrypted.map((field) => ({ name: field.name, plainBytes: field.plainBytes, sentChars: field.value.length })),
      flags,
      ...(secret.authHeader !== undefined ? { authHeader: settings.authHeaderName } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Response

/** The body is not a SenseID answer we can read. Internal: always turned into PROVIDER_RESPONSE_INVALID. */
class SenseIdBodyError extends GatewayError {}

// The vendor says int; a proxy that re-serialises may make it a string.
function readCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function readScore(body: JsonRecord, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SenseIdBodyError(`${field} is not a number`);
  return value;
}

function readStatus(body: JsonRecord): SenseIdLivenessStatus | undefined {
  const value = body.liveness_status;
  if (value === undefined || value === null) return undefined;
  const found = SENSEID_LIVENESS_STATUSES.find((status) => status === value);
  // An unknown status is a contract change worth seeing, not something to guess a verdict for.
  if (!found) throw new SenseIdBodyError('liveness_status is not ok, hack or short_time');
  return found;
}

function readRequestId(body: JsonRecord): { providerRequestId?: string } {
  const id = body.request_id;
  return typeof id === 'string' && id.trim() !== '' ? { providerRequestId: id.trim().slice(0, 128) } : {};
}

// Provider text reaches an operator-facing message only, and only a short printable part of it.
function shortDetail(detail: unknown): string {
  if (typeof detail !== 'string') return '';
  const printable = detail
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim()
    .slice(0, 120);
  return printable ? `: ${printable}` : '';
}

function judge(body: JsonRecord, settings: SenseIdSettings): ProviderVerdict {
  const passed = body.passed;
  if (typeof passed !== 'boolean') throw new SenseIdBodyError('passed is not a boolean');
  const status = readStatus(body);
  // "for reference only": kept for the result and review band when it is a 0–1 score, never decisive.
  const livenessScore = readScore(body, 'liveness_score');
  const score = livenessScore !== undefined && livenessScore >= 0 && livenessScore <= 1 ? { score: livenessScore } : {};
  const requestId = readRequestId(body);

  if (!passed) {
    if (status === 'ok') throw new SenseIdBodyError('passed is false but liveness_status is ok');
    if (status === 'short_time') {
      // Not a verdict on the person: the clip was too short to judge.
      return answer({
        decision: 'RETRY',
        reasons: [reason('VIDEO_TOO_SHORT', 'The video is too short: record at least 2 seconds.')],
        ...requestId,
      });
    }
    // `hack`, or no status at all (return_status=false): the server judged the capture not live.
    return answer({ decision: 'FAIL', reasons: [reason('SPOOF_DETECTED')], liveness: { live: false, ...score }, ...requestId });
  }

  if (status !== undefined && status !== 'ok') throw new SenseIdBodyError(`passed is true but liveness_status is ${status}`);
  const verification = readScore(body, 'verification_score');
  if (verification === undefined) throw new SenseIdBodyError('passed is true but verification_score is missing');
  if (verification < 0 || verification > 1) throw new SenseIdBodyError('verification_score is outside 0–1');
  const matched = verification >= settings.verificationThreshold;
  const reasons: Reason[] = matched ? [] : [reason('FACE_MISMATCH')];
  return answer({
    decision: matched ? 'PASS' : 'FAIL',
    reasons,
    liveness: { live: true, ...score },
    faceMatch: { matched, score: verification },
    ...requestId,
  });
}

function parseBody(status: number, body: JsonRecord, settings: SenseIdSettings): ProviderVerdict {
  const code = readCode(body.code);
  if (code === undefined) return invalid(`SenseID answered HTTP ${status} with a code that is not an integer`);
  const entry = SENSEID_CODES.get(code);
  if (!entry) return invalid(`SenseID answered with unknown code ${code}`);
  const requestId = readRequestId(body);
  switch (entry.handling) {
    case 'judged':
      return judge(body, settings);
    case 'capture':
      return answer({ decision: 'RETRY', reasons: [reason(entry.reason)], ...requestId });
    case 'no-face':
      return answer({ decision: 'RETRY', reasons: [reason(settings.noFaceReason)], ...requestId });
    case 'spoof':
      return answer({ decision: 'FAIL', reasons: [reason('SPOOF_DETECTED')], liveness: { live: false }, ...requestId });
    case 'invalid-request':
      return failure(
        'PROVIDER_REJECTED_REQUEST',
        `SenseID rejected the request as invalid (code ${code}${shortDetail(body.message)}); a wrong AES key or IV gives this too`,
      );
  }
}

function parseResponse(response: ProviderHttpResponse, settings: SenseIdSettings): ProviderVerdict {
  const { status } = response;
  // SenseID has no auth of its own: a 401/403 comes from the operator's front proxy.
  if (status === 401 || status === 403) {
    return failure('PROVIDER_AUTH_FAILED', `The SenseID front proxy refused the request (HTTP ${status}); check authHeader`);
  }
  if (isRetryableStatus(status)) return failure('PROVIDER_UNAVAILABLE', `SenseID answered HTTP ${status}`, true);
  if (status < 200 || (status >= 300 && status < 400)) return invalid(`SenseID answered HTTP ${status}`);

  let body: unknown;
  try {
    body = JSON.parse(response.bodyText);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && body.code !== undefined) {
    try {
      return parseBody(status, body, settings);
    } catch (error) {
      if (error instanceof SenseIdBodyError) return invalid(`SenseID answer could not be read: ${error.message}`);
      throw error;
    }
  }
  // No SenseID body: the HTTP status is all there is.
  if (status === 413) {
    // The server's or proxy's body limit is below our video limit: a smaller capture gets through.
    return answer({
      decision: 'RETRY',
      reasons: [reason('MEDIA_TOO_LARGE', 'The upload is too large for the liveness service: record a shorter video.')],
    });
  }
  if (status >= 400) return failure('PROVIDER_REJECTED_REQUEST', `SenseID answered HTTP ${status}`);
  // A cut-off or garbled 2xx body is a transport fault, not an answer: worth another try.
  if (body === undefined) return invalid('SenseID answered with a body that is not JSON', true);
  return invalid('SenseID answered with JSON that is not a SenseID answer');
}

/** Fields that carry images when return_image / return_face_image are on. */
const MEDIA_FIELDS = ['base64_image', 'base64_face_image'] as const;

/** Drops the returned frames by name (even short ones redactBody would keep), then caps and redacts the rest. */
export function redactSenseIdBody(bodyText: string): string {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return redactBody(bodyText);
  }
  if (!isRecord(body)) return redactBody(bodyText);
  const copy: Record<string, unknown> = { ...body };
  for (const field of MEDIA_FIELDS) {
    const value = copy[field];
    if (value !== undefined) copy[field] = `[removed ${typeof value === 'string' ? value.length : 0} chars]`;
  }
  return redactBody(JSON.stringify(copy));
}

export const senseidAdapter: ProviderAdapter<SenseIdSecret, SenseIdSettings> = {
  id: 'senseid',
  secretExample: '{"endpoint": "https://...", "aesKey": "...", "aesIv": "...", "authHeader"?: "..."}',
  local: senseidLocalKit,
  secretSchema: senseidSecretSchema,
  settingsSchema: senseidSettingsSchema,
  profile: senseidProfile,
  buildRequest,
  parseResponse,
  redactResponseBody: redactSenseIdBody,
};
