// FPT.AI Liveness v3: multipart request builder and response parser (contract: README.md beside this file).
// The service answers HTTP 200 for every business outcome; the outcome is the body `code` (a
// string). Two body shapes exist for the same URL (native nested, flat `?v2_format=1`) and the
// parser reads both, so a proxy or account setting that flips the shape changes nothing.
import * as z from 'zod';
import type { Decision, MediaFacts } from '../../core/check';
import { GatewayError } from '../../core/errors';
import { reason, type Reason, type ReasonCode } from '../../core/reasons';
import { FILE_EXTENSIONS, MB, MIME_TYPES, type MediaFormat, type ProviderProfile } from '../../media/profiles';
import type { ProviderAdapter, ProviderHttpRequest, ProviderHttpResponse, ProviderMedia, ProviderVerdict } from '../provider';
import { redactBody } from '../redact';
import { fptLocalKit } from './local';
import { FPT_CODES, FPT_OK_CODE, fptCodeReason } from './codes';
import { answer, invalid, isRecord, type JsonRecord } from '../verdict';

export const FPT_DEFAULT_ENDPOINT = 'https://api.fpt.ai/dmp/liveness/v3';

export const fptSecretSchema = z.object({
  apiKey: z.string().min(1),
  endpoint: z.url({ protocol: /^https?$/ }).default(FPT_DEFAULT_ENDPOINT),
});
export type FptSecret = z.infer<typeof fptSecretSchema>;

// An HTTP header name (RFC 9110 token), so a typo fails at cold start rather than at fetch time.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const fptSettingsSchema = z
  .object({
    /** The docs' table says `api_key`, every sample sends `api-key`; proxies drop underscore headers. */
    authHeaderName: z.string().regex(HEADER_NAME).default('api-key'),
    /** Which body shape to ask for; the parser reads either. `flat` adds `?v2_format=1`. */
    responseFormat: z.enum(['native', 'flat']).default('native'),
    /**
     * `need_to_review` is undefined by FPT and seen together with `is_deepfake:true` (seed). When
     * true, a provider request for review wins over FAIL (a person looks before the user is
     * rejected); when false, FAIL stands and review only lifts an otherwise passing check.
     */
    needToReviewOverridesFail: z.boolean().default(true),
  })
  .strict();
export type FptSettings = z.infer<typeof fptSettingsSchema>;

const IMAGE_LIMITS = {
  kind: 'image',
  formats: ['jpeg', 'png'],
  maxBytes: 5 * MB,
  minLongSide: 800,
  minShortSide: 600,
} as const;

export const fptProfile: ProviderProfile = {
  partSets: [['video'], ['video', 'reference'], ['selfie'], ['selfie', 'reference']],
  defaultParts: ['video', 'reference'],
  limits: {
    video: {
      kind: 'video',
      formats: ['mp4', 'mov', 'mkv', 'webm'],
      maxBytes: 10 * MB,
      minLongSide: 800,
      minShortSide: 600,
      minDurationSeconds: 5,
      maxDurationSeconds: 10,
    },
    selfie: IMAGE_LIMITS,
    reference: IMAGE_LIMITS,
  },
};

/** The media handed to buildRequest cannot form an FPT request: a gateway bug, not a user error. */
export class FptRequestError extends GatewayError {}

// ---------------------------------------------------------------------------------------------
// Request

function isMediaFormat(value: string | undefined): value is MediaFormat {
  return value !== undefined && Object.hasOwn(MIME_TYPES, value);
}

function formatOf(facts: MediaFacts): MediaFormat {
  // The service checks the filename extension, so it must come from the detected content.
  if (!isMediaFormat(facts.container)) {
    throw new FptRequestError(`${facts.part}: no detected container (${facts.container ?? 'none'}) to name the file by`);
  }
  return facts.container;
}

// Blob wants ArrayBuffer-backed views; copy only when the bytes sit in a SharedArrayBuffer.
function blobOf(bytes: Uint8Array, type: string): Blob {
  const { buffer } = bytes;
  const view = buffer instanceof ArrayBuffer ? new Uint8Array(buffer, bytes.byteOffset, bytes.byteLength) : bytes.slice();
  return new Blob([view], { type });
}

interface FormPart {
  readonly field: string;
  readonly filename: string;
  readonly media: ProviderMedia;
  readonly format: MediaFormat;
}

function formPart(field: string, stem: string, media: ProviderMedia): FormPart {
  const format = formatOf(media.facts);
  return { field, filename: `${stem}.${FILE_EXTENSIONS[format]}`, media, format };
}

function buildRequest(media: readonly ProviderMedia[], secret: FptSecret, settings: FptSettings): ProviderHttpRequest {
  const byPart = (name: ProviderMedia['part']) => media.filter((item) => item.part === name);
  const videos = byPart('video');
  const selfies = byPart('selfie');
  const references = byPart('reference');
  if (videos.length + selfies.length !== 1 || references.length > 1) {
    throw new FptRequestError(
      `FPT takes exactly one video or selfie and at most one reference; got ${media.map((m) => m.part).join(', ') || 'nothing'}`,
    );
  }
  const [video] = videos;
  const [selfie] = selfies;
  const [reference] = references;
  const parts: FormPart[] = [];
  if (video) parts.push(formPart('video', 'video', video));
  if (selfie) parts.push(formPart('selfies', 'selfie', selfie));
  if (reference) parts.push(formPart('cmnd', 'cmnd', reference));

  const form = new FormData();
  for (const part of parts) {
    form.append(part.field, blobOf(part.media.bytes, MIME_TYPES[part.format]), part.filename);
  }

  const url = new URL(secret.endpoint);
  if (settings.responseFormat === 'flat') url.searchParams.set('v2_format', '1');

  return {
    url: url.toString(),
    method: 'POST',
    // No content-type: fetch sets multipart/form-data with its boundary.
    headers: { [settings.authHeaderName]: secret.apiKey, accept: 'application/json' },
    body: form,
    auditSummary: {
      contentType: 'multipart/form-data',
      authHeader: settings.authHeaderName,
      responseFormat: settings.responseFormat,
      fields: parts.map((part) => ({
        name: part.field,
        filename: part.filename,
        contentType: MIME_TYPES[part.format],
        bytes: part.media.bytes.byteLength,
      })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Response

/** The body is not an FPT answer we can read. Internal: always turned into PROVIDER_RESPONSE_INVALID. */
class FptBodyError extends GatewayError {}

// "N/A" (native) or an absent key (flat) both mean "not applicable".
function isNotApplicable(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && ['', 'n/a', 'na'].includes(value.trim().toLowerCase()))
  );
}

function readBoolean(value: unknown, field: string): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (isNotApplicable(value)) return undefined;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  throw new FptBodyError(`${field} is not a boolean`);
}

function readNumber(value: unknown, field: string, min: number, max: number): number | undefined {
  if (isNotApplicable(value)) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number)) throw new FptBodyError(`${field} is not a number`);
  if (number < min || number > max) throw new FptBodyError(`${field} is outside ${min}–${max}`);
  return number;
}

// Public clients compare `code` with the number 200 and break; accept both spellings instead.
function readCode(value: unknown, field: string): string | undefined {
  if (isNotApplicable(value)) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return value.trim();
  throw new FptBodyError(`${field} is not a code`);
}

function readText(value: unknown): string | undefined {
  return typeof value === 'string' && !isNotApplicable(value) ? value : undefined;
}

/** Both shapes reduced to one. Every field is optional: which ones must be present depends on the code. */
interface FptFields {
  readonly code: string;
  readonly detail?: string;
  readonly livenessCode?: string;
  readonly isLive?: boolean;
  readonly spoofProb?: number;
  readonly needToReview?: boolean;
  readonly isDeepfake?: boolean;
  readonly deepfakeProb?: number;
  readonly faceMatchCode?: string;
  readonly isMatch?: boolean;
  readonly similarity?: number;
  readonly requestId?: string;
}

function firstDefined(...values: unknown[]): unknown {
  return values.find((value) => !isNotApplicable(value));
}

function readFields(body: JsonRecord, headers: Readonly<Record<string, string>>): FptFields {
  const code = readCode(body.code, 'code');
  if (code === undefined) throw new FptBodyError('code is missing');
  // Native nests the liveness result; flat keeps it at the top level (with `prob` for spoof_prob).
  const liveness = isRecord(body.liveness) ? body.liveness : {};
  const faceMatch = isRecord(body.face_match) ? body.face_match : {};
  const faceMatchError = isRecord(body.face_match_error) ? body.face_match_error : {};
  const requestId = readText(firstDefined(body.request_id, body.requestId, headers['x-request-id']));
  return {
    code,
    detail: readText(firstDefined(body.data, liveness.message, body.message)),
    livenessCode: readCode(liveness.code, 'liveness.code'),
    isLive: readBoolean(firstDefined(liveness.is_live, body.is_live), 'is_live'),
    spoofProb: readNumber(firstDefined(liveness.spoof_prob, body.spoof_prob, body.prob), 'spoof_prob', 0, 1),
    needToReview: readBoolean(firstDefined(liveness.need_to_review, body.need_to_review), 'need_to_review'),
    isDeepfake: readBoolean(firstDefined(liveness.is_deepfake, body.is_deepfake), 'is_deepfake'),
    deepfakeProb: readNumber(firstDefined(liveness.deepfake_prob, body.deepfake_prob), 'deepfake_prob', 0, 1),
    faceMatchCode: readCode(firstDefined(faceMatchError.code, faceMatch.code), 'face_match.code'),
    isMatch: readBoolean(firstDefined(faceMatch.isMatch, faceMatch.is_match), 'face_match.isMatch'),
    similarity: readNumber(faceMatch.similarity, 'face_match.similarity', 0, 100),
    ...(requestId ? { requestId } : {}),
  };
}

/**
 * Native copies the failing sub-result to the top; if it ever does not, a failing liveness
 * sub-result still counts. Face-match sub-codes are read by `judge`: they concern the reference
 * photo, so they must not be taken for a verdict on the video.
 */
function effectiveCode(fields: FptFields): string {
  if (fields.code === FPT_OK_CODE && fields.livenessCode !== undefined) return fields.livenessCode;
  return fields.code;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

const FAIL_REASONS: readonly ReasonCode[] = ['SPOOF_DETECTED', 'DEEPFAKE_DETECTED', 'FACE_MISMATCH'];

function judge(code: string, fields: FptFields, settings: FptSettings): ProviderVerdict {
  const asserted = new Set<ReasonCode>();
  const codeReason = fptCodeReason(code);
  if (codeReason) asserted.add(codeReason);
  if (fields.faceMatchCode !== undefined && fields.faceMatchCode !== FPT_OK_CODE) {
    const subReason = fptCodeReason(fields.faceMatchCode);
    if (subReason !== 'REFERENCE_NO_FACE' && subReason !== 'FACE_MISMATCH') {
      return invalid(`FPT face_match code ${fields.faceMatchCode} is not a face-match outcome`);
    }
    asserted.add(subReason);
  }

  // The code wins over a contradicting field: a 301 is a spoof whatever is_live says.
  const live = asserted.has('SPOOF_DETECTED') ? false : fields.isLive;
  if (live === undefined && code === FPT_OK_CODE) return invalid('FPT answered 200 without is_live');
  const deepfakeDetected = asserted.has('DEEPFAKE_DETECTED') ? true : fields.isDeepfake;
  // isMatch is FPT's own decision (threshold 80, and a seed sample shows 81.8 with isMatch:false): never recompute it.
  const matched = asserted.has('FACE_MISMATCH') ? false : fields.isMatch;
  if (matched === undefined && fields.similarity !== undefined) return invalid('FPT gave a similarity without isMatch');

  const found: ReasonCode[] = [];
  if (live === false) found.push('SPOOF_DETECTED');
  if (deepfakeDetected === true) found.push('DEEPFAKE_DETECTED');
  if (matched === false) found.push('FACE_MISMATCH');
  if (asserted.has('REFERENCE_NO_FACE')) found.push('REFERENCE_NO_FACE');

  const failing = found.some((item) => FAIL_REASONS.includes(item));
  const review = fields.needToReview === true;
  let decision: Decision;
  if (failing) decision = review && settings.needToReviewOverridesFail ? 'REVIEW' : 'FAIL';
  else if (review) decision = 'REVIEW';
  else if (found.includes('REFERENCE_NO_FACE')) decision = 'RETRY';
  else decision = 'PASS';
  const reasons: Reason[] = found.map((code) => reason(code));
  if (decision === 'REVIEW') reasons.push(reason('NEEDS_REVIEW'));

  return answer({
    decision,
    reasons,
    ...(live !== undefined
      ? { liveness: { live, ...(fields.spoofProb !== undefined ? { score: clamp01(1 - fields.spoofProb) } : {}) } }
      : {}),
    ...(deepfakeDetected !== undefined
      ? {
          deepfake: {
            detected: deepfakeDetected,
            ...(fields.deepfakeProb !== undefined ? { score: fields.deepfakeProb } : {}),
          },
        }
      : {}),
    ...(matched !== undefined
      ? {
          faceMatch: {
            matched,
            ...(fields.similarity !== undefined ? { score: clamp01(fields.similarity / 100) } : {}),
          },
        }
      : {}),
    ...(fields.requestId ? { providerRequestId: fields.requestId } : {}),
  });
}

// Provider text reaches an operator-facing message only, and only a short printable part of it.
function shortDetail(detail: string | undefined): string {
  if (!detail) return '';
  const printable = detail
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim()
    .slice(0, 120);
  return printable ? `: ${printable}` : '';
}

function parseBody(bodyText: string, headers: Readonly<Record<string, string>>, settings: FptSettings): ProviderVerdict {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // A cut-off or garbled body is a transport fault (proxy, dropped connection), not an answer: worth another try.
    return {
      kind: 'failure',
      reason: reason('PROVIDER_RESPONSE_INVALID', 'FPT answered with a body that is not JSON'),
      retryable: true,
    };
  }
  if (!isRecord(body)) return invalid('FPT answered with JSON that is not an object');
  let fields: FptFields;
  try {
    fields = readFields(body, headers);
  } catch (error) {
    if (error instanceof FptBodyError) return invalid(`FPT answer could not be read: ${error.message}`);
    throw error;
  }
  const code = effectiveCode(fields);
  const entry = FPT_CODES.get(code);
  if (!entry) return invalid(`FPT answered with unknown code ${code}`);
  switch (entry.handling) {
    case 'judged':
      return judge(code, fields, settings);
    case 'capture':
      return answer({
        decision: 'RETRY',
        reasons: [reason(entry.reason)],
        ...(fields.requestId ? { providerRequestId: fields.requestId } : {}),
      });
    case 'invalid-request':
      return {
        kind: 'failure',
        reason: reason(
          'PROVIDER_REJECTED_REQUEST',
          `FPT rejected the request as invalid (code ${code}${shortDetail(fields.detail)})`,
        ),
        retryable: false,
      };
  }
}

function parseResponse(response: ProviderHttpResponse, settings: FptSettings): ProviderVerdict {
  const { status } = response;
  if (status === 401 || status === 403) {
    return {
      kind: 'failure',
      reason: reason('PROVIDER_AUTH_FAILED', `FPT refused the API key (HTTP ${status})`),
      retryable: false,
    };
  }
  if (status === 429 || status >= 500) {
    return { kind: 'failure', reason: reason('PROVIDER_UNAVAILABLE', `FPT answered HTTP ${status}`), retryable: true };
  }
  if (status >= 400) {
    return { kind: 'failure', reason: reason('PROVIDER_REJECTED_REQUEST', `FPT answered HTTP ${status}`), retryable: false };
  }
  if (status < 200 || status >= 300) return invalid(`FPT answered HTTP ${status}`);
  return parseBody(response.bodyText, response.headers, settings);
}

export const fptAdapter: ProviderAdapter<FptSecret, FptSettings> = {
  id: 'fpt',
  secretExample: '{"apiKey": "...", "endpoint"?: "https://..."}',
  local: fptLocalKit,
  secretSchema: fptSecretSchema,
  settingsSchema: fptSettingsSchema,
  profile: fptProfile,
  buildRequest,
  parseResponse,
  // FPT bodies carry no media; the cap and Base64 guard protect the audit from a changed contract.
  redactResponseBody: (bodyText) => redactBody(bodyText),
};
