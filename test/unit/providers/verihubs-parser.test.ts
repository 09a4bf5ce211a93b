import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProviderVerdict } from '../../../src/providers/provider';
import { verihubsAdapter, verihubsSettingsSchema, type VerihubsSettings } from '../../../src/providers/verihubs/adapter';
import { VERIHUBS_ERROR_CODES, decodeFailOn } from '../../../src/providers/verihubs/codes';
import { outcome as verdictLine, resultOf } from './provider-test-kit';

const OTHERS = JSON.parse(
  readFileSync(new URL('../../../src/providers/verihubs/fixtures/other-answers.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>;
const SUCCESS = JSON.parse(
  readFileSync(new URL('../../../src/providers/verihubs/fixtures/success.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const DEFAULTS: VerihubsSettings = verihubsSettingsSchema.parse({});

function parse(body: unknown, status = 200, settings: VerihubsSettings = DEFAULTS): ProviderVerdict {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return verihubsAdapter.parseResponse({ status, headers: { 'content-type': 'application/json' }, bodyText }, settings);
}

function other(name: string): Record<string, unknown> {
  const body = OTHERS[name];
  if (!body) throw new Error(`no fixture ${name}`);
  return body;
}

// Parser tables show whether a failure would be retried.
const outcome = (verdict: ProviderVerdict) => verdictLine(verdict, { showRetryable: true });

const errorBody = (code: string) => ({ message: code.toLowerCase(), error_code: code });

describe('Verihubs FAIL_ON_n is a bitmask', () => {
  it.each([
    ['FAIL_ON_2', 'RETRY FACE_ATTRIBUTE'],
    ['FAIL_ON_4', 'RETRY POOR_QUALITY'],
    ['FAIL_ON_6', 'RETRY FACE_ATTRIBUTE POOR_QUALITY'],
    ['FAIL_ON_8', 'RETRY MULTIPLE_FACES'],
    ['FAIL_ON_10', 'RETRY FACE_ATTRIBUTE MULTIPLE_FACES'],
    ['FAIL_ON_12', 'RETRY POOR_QUALITY MULTIPLE_FACES'],
    ['FAIL_ON_14', 'RETRY FACE_ATTRIBUTE POOR_QUALITY MULTIPLE_FACES'],
    // Bit 1 is "liveness" on the sibling /v1/face/verify page: a verdict, so FAIL.
    ['FAIL_ON_1', 'FAIL SPOOF_DETECTED'],
    ['FAIL_ON_3', 'FAIL SPOOF_DETECTED FACE_ATTRIBUTE'],
  ])('reads %s with HTTP 200 as %s', (code, expected) => {
    expect(outcome(parse(errorBody(code)))).toBe(expected);
  });

  it.each(['FAIL_ON_0', 'FAIL_ON_16', 'FAIL_ON_18', 'FAIL_ON_x', 'FAIL_ON_', 'NOT_A_CODE'])(
    'reads %s with HTTP 200 as PROVIDER_RESPONSE_INVALID: an unknown bit is a contract change',
    (code) => {
      expect(outcome(parse(errorBody(code)))).toBe('FAILED PROVIDER_RESPONSE_INVALID');
    },
  );

  it('decodes the mask without the parser', () => {
    expect(decodeFailOn('FAIL_ON_6')).toEqual({ kind: 'fail-on', mask: 6, reasons: ['FACE_ATTRIBUTE', 'POOR_QUALITY'] });
    expect(decodeFailOn('FACE_NOT_DETECTED')).toEqual({ kind: 'not-fail-on' });
  });

  it('keeps the quality and attribute flags a FAIL_ON body carries', () => {
    const result = resultOf(parse(other('fail_on_6')));
    expect(result).toMatchObject({
      decision: 'RETRY',
      quality: { blur: true, blur_score: 0.8731 },
      attributes: { mask: true, faceCount: 1 },
      providerRequestId: 'b1c9e4f2-58a3-4d0b-8e6f-0f7a2d93c4e5',
    });
    expect(result.liveness).toBeUndefined();
  });
});

describe('Verihubs error codes', () => {
  const TABLE: readonly (readonly [status: number, code: string, expected: string])[] = [
    [400, 'INVALID PAYLOAD', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_IMAGE_MISSING', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'MISSING_PAYLOAD_IMAGE', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_IMAGE_TIMEOUT', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_LIVENESS_VALIDATION_DEPENDENCY', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [400, 'INVALID_PAYLOAD_IMAGE_SIZE', 'RETRY MEDIA_TOO_LARGE'],
    [400, 'INVALID_PAYLOAD_IMAGE_FORMAT', 'RETRY UNSUPPORTED_FORMAT'],
    [400, 'FACE_NOT_DETECTED', 'RETRY NO_FACE'],
    [400, 'SOMETHING_NEW', 'FAILED PROVIDER_REJECTED_REQUEST'],
    [403, 'INSUFFICIENT_QUOTA_LIVENESS', 'FAILED PROVIDER_QUOTA_EXCEEDED'],
    [403, 'FORBIDDEN', 'FAILED PROVIDER_AUTH_FAILED'],
    [401, 'UNAUTHORIZED', 'FAILED PROVIDER_AUTH_FAILED'],
    [500, 'INTERNAL_SERVER_ERROR', 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
    [503, 'SERVICE_UNAVAILABLE', 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
    [429, 'TOO_MANY_REQUESTS', 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
  ];

  it('has a row for every documented code', () => {
    const covered = new Set(TABLE.map(([, code]) => code));
    expect([...VERIHUBS_ERROR_CODES.keys()].filter((code) => !covered.has(code))).toEqual([]);
  });

  for (const [status, code, expected] of TABLE) {
    it(`reads HTTP ${status} ${code} as ${expected}`, () => {
      expect(outcome(parse(errorBody(code), status))).toBe(expected);
    });
  }

  it('never retries a quota refusal: it will not clear within the call budget', () => {
    const verdict = parse(other('quota'), 403);
    expect(verdict).toMatchObject({ kind: 'failure', retryable: false, reason: { code: 'PROVIDER_QUOTA_EXCEEDED' } });
  });

  it.each([
    [400, 'FAILED PROVIDER_REJECTED_REQUEST'],
    [401, 'FAILED PROVIDER_AUTH_FAILED'],
    [403, 'FAILED PROVIDER_AUTH_FAILED'],
    [404, 'FAILED PROVIDER_REJECTED_REQUEST'],
    [413, 'RETRY MEDIA_TOO_LARGE'],
    [502, 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
  ])('reads HTTP %i with a non-JSON body as %s', (status, expected) => {
    expect(outcome(parse('<html>gateway</html>', status))).toBe(expected);
  });

  it('names the code and a short printable message for the operator', () => {
    const verdict = parse(
      { message: 'no value in payload\u0000 or empty string more than 1', error_code: 'INVALID PAYLOAD' },
      400,
    );
    expect(verdict.kind === 'failure' && verdict.reason.message).toBe(
      'Verihubs rejected the request (HTTP 400 INVALID PAYLOAD: no value in payload  or empty string more than 1)',
    );
  });
});

describe('Verihubs success answers', () => {
  it('passes the fixture success body with its liveness score, flags and reference id', () => {
    expect(resultOf(parse(SUCCESS))).toEqual({
      decision: 'PASS',
      reasons: [],
      liveness: { live: true, score: 0.9731 },
      quality: { blur: false, dark: false, grayscale: false, blur_score: 0.0213, dark_score: 0.0472 },
      attributes: { sunglasses: false, mask: false, veil: false, hat: false, faceCount: 1 },
      providerRequestId: 'b1c9e4f2-58a3-4d0b-8e6f-0f7a2d93c4e5',
    });
  });

  it('fails a spoof label with SPOOF_DETECTED', () => {
    expect(resultOf(parse(other('spoof')))).toMatchObject({
      decision: 'FAIL',
      reasons: [{ code: 'SPOOF_DETECTED' }],
      liveness: { live: false, score: 0.0412 },
    });
  });

  it('retries a body that is not JSON (cut off), and refuses other shapes without retrying or throwing', () => {
    expect(outcome(parse('{"liveness":{"status":"LI'))).toBe('FAILED PROVIDER_RESPONSE_INVALID (retryable)');
    const shapes: readonly string[] = [
      'null',
      '[]',
      '"plain text in JSON"',
      '42',
      '{}',
      '{"liveness":{}}',
      '{"liveness":{"status":"MAYBE"}}',
      '{"liveness":{"status":7}}',
      '{"liveness":{"status":"LIVE","probability":"high"}}',
      '{"liveness":{"status":"LIVE","probability":97}}',
      '{"liveness":"LIVE"}',
      // Own "__proto__" key from JSON.parse: the path walker must not reach through it.
      '{"__proto__":{"liveness":{"status":"LIVE"}}}',
      '{"error_code":42}',
    ];
    for (const shape of shapes) {
      expect(outcome(parse(shape)), shape).toBe('FAILED PROVIDER_RESPONSE_INVALID');
    }
  });

  it('answers 1xx/3xx statuses as invalid', () => {
    expect(outcome(parse(SUCCESS, 302))).toBe('FAILED PROVIDER_RESPONSE_INVALID');
  });

  it('passes an answer without probability, quality or attributes: only the label is required', () => {
    expect(resultOf(parse({ liveness: { status: 'live' } }))).toEqual({
      decision: 'PASS',
      reasons: [],
      liveness: { live: true },
    });
  });
});
