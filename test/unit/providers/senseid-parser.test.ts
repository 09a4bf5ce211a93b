import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { senseidAdapter, senseidSettingsSchema, type SenseIdSettings } from '../../../src/providers/senseid/adapter';
import { SENSEID_CODES } from '../../../src/providers/senseid/codes';
import type { ProviderVerdict } from '../../../src/providers/provider';
import { outcome as verdictLine, resultOf } from './provider-test-kit';

type Fixtures = Record<string, Record<string, unknown>>;
const FIXTURES = JSON.parse(
  readFileSync(new URL('../../../src/providers/senseid/fixtures/responses.json', import.meta.url), 'utf8'),
) as Fixtures;
const REQUEST_ID = '3f0c6a2e-7b4d-4c1e-9a57-2b8e1f6d0c11';

const DEFAULTS: SenseIdSettings = senseidSettingsSchema.parse({});

function parse(body: unknown, status = 200, settings: SenseIdSettings = DEFAULTS): ProviderVerdict {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return senseidAdapter.parseResponse({ status, headers: { 'content-type': 'application/json' }, bodyText }, settings);
}

function fixture(name: string): Record<string, unknown> {
  const body = FIXTURES[name];
  if (!body) throw new Error(`no fixture ${name}`);
  return body;
}

// Parser tables show whether a failure would be retried.
const outcome = (verdict: ProviderVerdict) => verdictLine(verdict, { showRetryable: true });

// Error bodies are sent with HTTP 400 by our guess; the parser must not care (200 or 400).
const TABLE: readonly (readonly [fixture: string, status: number, expected: string])[] = [
  ['pass', 200, 'PASS'],
  ['pass_without_status', 200, 'PASS'],
  ['pass_with_images', 200, 'PASS'],
  ['pass_at_threshold', 200, 'PASS'],
  ['mismatch', 200, 'FAIL FACE_MISMATCH'],
  ['hack', 200, 'FAIL SPOOF_DETECTED'],
  ['not_passed_without_status', 200, 'FAIL SPOOF_DETECTED'],
  ['short_time', 200, 'RETRY VIDEO_TOO_SHORT'],
  ['code_1200', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['code_2003', 400, 'RETRY RESOLUTION_TOO_LOW'],
  ['code_2004', 400, 'RETRY MEDIA_TOO_LARGE'],
  ['code_2005', 400, 'RETRY MEDIA_CORRUPT'],
  ['code_4000', 400, 'RETRY REFERENCE_NO_FACE'],
  ['code_4004', 400, 'RETRY FACE_OCCLUDED'],
  ['code_4007', 400, 'FAIL SPOOF_DETECTED'],
];

describe('SenseID parser: every documented outcome', () => {
  it('has a row for every code in the code table', () => {
    const codes = new Set(TABLE.map(([name]) => fixture(name).code));
    expect([...SENSEID_CODES.keys()].filter((code) => !codes.has(code))).toEqual([]);
  });

  for (const [name, status, expected] of TABLE) {
    it(`reads ${name} as ${expected}, whatever the HTTP status`, () => {
      expect(outcome(parse(fixture(name), status))).toBe(expected);
      expect(outcome(parse(fixture(name), status === 200 ? 400 : 200))).toBe(expected);
    });
  }

  it('keeps request_id as the provider request id on answers', () => {
    for (const name of ['pass', 'hack', 'short_time', 'code_2003', 'code_4007']) {
      expect(resultOf(parse(fixture(name))).providerRequestId).toBe(REQUEST_ID);
    }
  });
});

describe('SenseID parser: scores and thresholds', () => {
  it('passes with liveness from passed / liveness_score and the face match from verification_score', () => {
    expect(resultOf(parse(fixture('pass')))).toEqual({
      decision: 'PASS',
      reasons: [],
      liveness: { live: true, score: 0.9871 },
      faceMatch: { matched: true, score: 0.9342 },
      providerRequestId: REQUEST_ID,
    });
  });

  it('fails a live capture whose verification_score is below the threshold, and keeps the score', () => {
    expect(resultOf(parse(fixture('mismatch')))).toMatchObject({
      decision: 'FAIL',
      liveness: { live: true },
      faceMatch: { matched: false, score: 0.42 },
    });
  });

  it('uses the configured verificationThreshold, inclusive', () => {
    const strict = senseidSettingsSchema.parse({ verificationThreshold: 0.95 });
    expect(outcome(parse(fixture('pass'), 200, strict))).toBe('FAIL FACE_MISMATCH');
    const lax = senseidSettingsSchema.parse({ verificationThreshold: 0.4 });
    expect(outcome(parse(fixture('mismatch'), 200, lax))).toBe('PASS');
    expect(outcome(parse({ ...fixture('pass'), verification_score: 0.95 }, 200, strict))).toBe('PASS');
  });

  it('marks a hack as not live with its score, and a spoof code as not live without one', () => {
    expect(resultOf(parse(fixture('hack'))).liveness).toEqual({ live: false, score: 0.0734 });
    expect(resultOf(parse(fixture('code_4007'), 400)).liveness).toEqual({ live: false });
  });

  it('gives no liveness for short_time: the clip was not judged', () => {
    expect(resultOf(parse(fixture('short_time'))).liveness).toBeUndefined();
  });

  it('drops a liveness_score outside 0–1 instead of failing on a field marked "for reference only"', () => {
    expect(resultOf(parse({ ...fixture('pass'), liveness_score: 97.1 })).liveness).toEqual({ live: true });
  });

  it('reads code 4000 as NO_FACE when the setting says so', () => {
    const settings = senseidSettingsSchema.parse({ noFaceReason: 'NO_FACE' });
    expect(outcome(parse(fixture('code_4000'), 400, settings))).toBe('RETRY NO_FACE');
  });

  it('accepts a numeric string code from a re-serialising proxy', () => {
    expect(outcome(parse({ ...fixture('code_4004'), code: '4004' }, 400))).toBe('RETRY FACE_OCCLUDED');
  });
});

describe('SenseID parser: transport and contract problems', () => {
  it.each([
    [401, 'FAILED PROVIDER_AUTH_FAILED'],
    [403, 'FAILED PROVIDER_AUTH_FAILED'],
    [429, 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
    [500, 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
    [502, 'FAILED PROVIDER_UNAVAILABLE (retryable)'],
    [404, 'FAILED PROVIDER_REJECTED_REQUEST'],
    [411, 'FAILED PROVIDER_REJECTED_REQUEST'],
    [413, 'RETRY MEDIA_TOO_LARGE'],
  ])('maps HTTP %i with a non-SenseID body to %s', (status, expected) => {
    expect(outcome(parse('<html><body>proxy says no</body></html>', status))).toBe(expected);
  });

  it('retries a 2xx body that is not JSON (a cut-off transfer)', () => {
    expect(outcome(parse('{"code":1000,"passed":tr', 200))).toBe('FAILED PROVIDER_RESPONSE_INVALID (retryable)');
  });

  it.each([
    ['an unknown code', { code: 1234, message: 'new' }],
    ['a non-integer code', { code: 'x1000' }],
    ['no code', { passed: true }],
    ['passed missing', { code: 1000, liveness_score: 0.9 }],
    ['passed as a string', { code: 1000, passed: 'true', verification_score: 0.9 }],
    ['passed without verification_score', { code: 1000, passed: true, liveness_score: 0.9 }],
    ['verification_score above 1', { code: 1000, passed: true, verification_score: 93 }],
    ['verification_score as text', { code: 1000, passed: true, verification_score: 'high' }],
    ['an unknown liveness_status', { code: 1000, passed: false, liveness_status: 'deepfake' }],
    ['passed true with status hack', { code: 1000, passed: true, verification_score: 0.9, liveness_status: 'hack' }],
    ['passed false with status ok', { code: 1000, passed: false, liveness_status: 'ok' }],
    ['a JSON array', [1000]],
    ['JSON null', null],
  ])('reads %s as PROVIDER_RESPONSE_INVALID, never a throw or a guess', (_label, body) => {
    expect(outcome(parse(body))).toBe('FAILED PROVIDER_RESPONSE_INVALID');
  });

  it('says in the 1200 message that a wrong key or IV causes it too', () => {
    const verdict = parse(fixture('code_1200'), 400);
    expect(verdict.kind === 'failure' && verdict.reason.message).toMatch(/code 1200: invalid argument.*AES key or IV/);
  });
});

describe('SenseID redaction', () => {
  it('drops base64_image and base64_face_image by name, even short ones, and keeps the rest', () => {
    const redacted = JSON.parse(senseidAdapter.redactResponseBody(JSON.stringify(fixture('pass_with_images')))) as Record<
      string,
      unknown
    >;
    expect(redacted.base64_image).toMatch(/^\[removed \d+ chars\]$/);
    expect(redacted.base64_face_image).toMatch(/^\[removed \d+ chars\]$/);
    expect(redacted).toMatchObject({ code: 1000, passed: true, verification_score: 0.9342, request_id: REQUEST_ID });
  });

  it('redacts long Base64 runs in a body cut short, which JSON.parse cannot read', () => {
    const image = Buffer.alloc(3000, 7).toString('base64');
    const cut = `{"code":1000,"passed":true,"base64_image":"${image}`;
    const redacted = senseidAdapter.redactResponseBody(cut);
    expect(redacted).not.toContain(image.slice(0, 300));
    expect(redacted).toContain('"code":1000');
  });
});
