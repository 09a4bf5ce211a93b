// Verihubs Face Liveness (contract: README.md beside this file): passive liveness of one still selfie, JSON in and
// out, `App-ID` / `API-Key` headers. Business refusals of the picture come back as HTTP 200 with
// FAIL_ON_n (a bitmask) or as HTTP 400 codes. The success body's field names are unknown and
// live in ./response-mapping.ts only.
import * as z from 'zod';
import type { CheckResult } from '../../core/check';
import { GatewayError } from '../../core/errors';
import { reason } from '../../core/reasons';
import { MB, type ProviderProfile } from '../../media/profiles';
import { isRetryableStatus } from '../call-provider';
import type { ProviderAdapter, ProviderHttpRequest, ProviderHttpResponse, ProviderMedia, ProviderVerdict } from '../provider';
import { redactBody } from '../redact';
import { verihubsLocalKit } from './local';
import { decodeFailOn, verihubsErrorEntry } from './codes';
import { readError, readExtras, readSuccess, verihubsMappingSchema, type VerihubsReading } from './response-mapping';
import { answer, failure, invalid, isRecord } from '../verdict';

export const VERIHUBS_DEFAULT_ENDPOINT = 'https://api.verihubs.com/v1/face/liveness';

// A header value fetch accepts: visible ASCII, spaces and tabs, no line breaks.
const headerValue = (field: string) =>
  z.string().refine((value) => /^[\t\x20-\x7e]+$/.test(value), { message: `${field} must be a non-empty single-line value` });

export const verihubsSecretSchema = z.object({
  appId: headerValue('appId'),
  apiKey: headerValue('apiKey'),
  endpoint: z.url({ protocol: /^https?$/ }).default(VERIHUBS_DEFAULT_ENDPOINT),
});
export type VerihubsSecret = z.infer<typeof verihubsSecretSchema>;

export const verihubsSettingsSchema = z
  .object({
    /** Compute blur / dark / grayscale (vendor default true). */
    isQuality: z.boolean().default(true),
    /** Detect sunglasses / mask / veil / hat (vendor default true). */
    isAttribute: z.boolean().default(true),
    /** Refuse blurry / dark / grayscale pictures with FAIL_ON_4. The vendor "highly recommends" true; its default is false. */
    validateQuality: z.boolean().default(false),
    /** Refuse sunglasses / mask with FAIL_ON_2. */
    validateAttribute: z.boolean().default(false),
    /** Refuse pictures with more than one face with FAIL_ON_8. */
    validateNface: z.boolean().default(false),
    responseMapping: verihubsMappingSchema.prefault({}),
  })
  .strict()
  .superRefine((settings, ctx) => {
    // Verihubs refuses these combinations with *_VALIDATION_DEPENDENCY on every call: fail at cold start instead.
    if (settings.validateQuality && !settings.isQuality) {
      ctx.addIssue({
        code: 'custom',
        path: ['validateQuality'],
        message: 'validateQuality needs isQuality: Verihubs refuses validate_quality without is_quality',
      });
    }
    if (settings.validateAttribute && !settings.isAttribute) {
      ctx.addIssue({
        code: 'custom',
        path: ['validateAttribute'],
        message: 'validateAttribute needs isAttribute: Verihubs refuses validate_attribute without is_attribute',
      });
    }
  });
export type VerihubsSettings = z.infer<typeof verihubsSettingsSchema>;

export const verihubsProfile: ProviderProfile = {
  partSets: [['selfie']],
  defaultParts: ['selfie'],
  limits: {
    // "JPEG, JPG, PNG, max 5MB"; the testing-mode image that fails is "> 5MiB", so MiB it is.
    selfie: { kind: 'image', formats: ['jpeg', 'png'], maxBytes: 5 * MB },
  },
};

/** The media handed to buildRequest cannot form a Verihubs request: a gateway bug, not a user error. */
export class VerihubsRequestError extends GatewayError {}

// ---------------------------------------------------------------------------------------------
// Request

function buildRequest(media: readonly ProviderMedia[], secret: VerihubsSecret, settings: VerihubsSettings): ProviderHttpRequest {
  const [selfie] = media;
  if (media.length !== 1 || !selfie || selfie.part !== 'selfie') {
    throw new VerihubsRequestError(`Verihubs takes exactly one selfie; got ${media.map((m) => m.part).join(', ') || 'nothing'}`);
  }
  const flags = {
    is_quality: settings.isQuality,
    is_attribute: settings.isAttribute,
    validate_quality: settings.validateQuality,
    validate_attribute: settings.validateAttribute,
    validate_nface: settings.validateNface,
  };
  // Plain Base64, no data: prefix (the API reads a prefix as a malformed image).
  const image = Buffer.from(selfie.bytes.buffer, selfie.bytes.byteOffset, selfie.bytes.byteLength).toString('base64');
  return {
    url: secret.endpoint,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'App-ID': secret.appId,
      'API-Key': secret.apiKey,
    },
    body: JSON.stringify({ image, ...flags }),
    auditSummary: {
      contentType: 'application/json',
      authHeaders: ['App-ID', 'API-Key'],
      fields: [
        {
          name: 'image',
          encoding: 'base64',
          plainBytes: selfie.bytes.byteLength,
          sentChars: image.length,
          format: selfie.facts.container ?? 'unknown',
        },
      ],
      flags,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Response

// Provider text reaches an operator-facing message only, and only a short printable part of it.
function printable(text: string | undefined, max = 80): string {
  return (text ?? '')
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim()
    .slice(0, max);
}

function extrasOf(reading: Omit<VerihubsReading, 'live' | 'score'>): Partial<CheckResult> {
  return {
    ...(reading.quality ? { quality: reading.quality } : {}),
    ...(reading.attributes ? { attributes: reading.attributes } : {}),
    ...(reading.referenceId ? { providerRequestId: reading.referenceId } : {}),
  };
}

/** A 2xx answer: FAIL_ON_n, or the liveness judgement. */
function parseSuccess(body: unknown, settings: VerihubsSettings): ProviderVerdict {
  const mapping = settings.responseMapping;
  const error = readError(body, mapping);
  if (error.code !== undefined) {
    const failOn = decodeFailOn(error.code);
    if (failOn.kind === 'invalid') return invalid(`Verihubs answered ${failOn.problem}`);
    if (failOn.kind === 'not-fail-on') return invalid(`Verihubs answered HTTP 200 with error code ${printable(error.code, 60)}`);
    const reasons = failOn.reasons.map((code) => reason(code));
    // A spoof bit is a verdict on the person; the other bits only say the picture cannot be judged.
    const spoof = failOn.reasons.includes('SPOOF_DETECTED');
    return answer({
      decision: spoof ? 'FAIL' : 'RETRY',
      reasons,
      ...(spoof ? { liveness: { live: false } } : {}),
      ...extrasOf(readExtras(body, mapping)),
    });
  }
  const reading = readSuccess(body, mapping);
  if (!reading.ok) return invalid(`Verihubs answer does not fit the response mapping: ${reading.problem}`);
  const { live, score } = reading.value;
  return answer({
    decision: live ? 'PASS' : 'FAIL',
    reasons: live ? [] : [reason('SPOOF_DETECTED')],
    liveness: { live, ...(score !== undefined ? { score } : {}) },
    ...extrasOf(reading.value),
  });
}

function parseError(status: number, body: unknown, settings: VerihubsSettings): ProviderVerdict {
  const error = readError(body, settings.responseMapping);
  const code = error.code;
  const entry = code !== undefined ? verihubsErrorEntry(code) : undefined;
  const named = code !== undefined ? ` ${printable(code, 60)}` : '';
  if (status === 403 && entry?.handling === 'quota') {
    return failure('PROVIDER_QUOTA_EXCEEDED', 'The Verihubs liveness quota is used up (INSUFFICIENT_QUOTA_LIVENESS)');
  }
  if (status === 401 || status === 403)
    return failure('PROVIDER_AUTH_FAILED', `Verihubs refused the App-ID / API-Key (HTTP ${status}${named})`);
  if (isRetryableStatus(status)) return failure('PROVIDER_UNAVAILABLE', `Verihubs answered HTTP ${status}${named}`, true);
  if (entry?.handling === 'capture') return answer({ decision: 'RETRY', reasons: [reason(entry.reason)] });
  if (status === 413) {
    // A body limit in front of the API, below the 5 MB the API states: a smaller picture gets through.
    return answer({ decision: 'RETRY', reasons: [reason('MEDIA_TOO_LARGE')] });
  }
  // Any other 4xx refuses our request, whether or not we know its code.
  const detail = printable(error.message);
  return failure(
    'PROVIDER_REJECTED_REQUEST',
    `Verihubs rejected the request (HTTP ${status}${named}${detail ? `: ${detail}` : ''})`,
  );
}

function parseResponse(response: ProviderHttpResponse, settings: VerihubsSettings): ProviderVerdict {
  const { status } = response;
  let body: unknown;
  let isJson = true;
  try {
    body = JSON.parse(response.bodyText);
  } catch {
    isJson = false;
  }
  if (status >= 200 && status < 300) {
    // A cut-off or garbled body is a transport fault (proxy, dropped connection), not an answer: worth another try.
    if (!isJson) return invalid('Verihubs answered with a body that is not JSON', true);
    if (!isRecord(body)) return invalid('Verihubs answered with JSON that is not an object');
    return parseSuccess(body, settings);
  }
  if (status >= 400) return parseError(status, isJson ? body : undefined, settings);
  return invalid(`Verihubs answered HTTP ${status}`);
}

export const verihubsAdapter: ProviderAdapter<VerihubsSecret, VerihubsSettings> = {
  id: 'verihubs',
  secretExample: '{"appId": "...", "apiKey": "...", "endpoint"?: "https://..."}',
  local: verihubsLocalKit,
  secretSchema: verihubsSecretSchema,
  settingsSchema: verihubsSettingsSchema,
  profile: verihubsProfile,
  buildRequest,
  parseResponse,
  // No documented media in the answer; the Base64 guard and the cap protect the audit from a changed contract.
  redactResponseBody: (bodyText) => redactBody(bodyText),
};
