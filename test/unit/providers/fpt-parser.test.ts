import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckResult, Decision } from '../../../src/core/check';
import type { ReasonCode } from '../../../src/core/reasons';
import { fptAdapter, fptSettingsSchema, type FptSettings } from '../../../src/providers/fpt/adapter';
import { FPT_CODES } from '../../../src/providers/fpt/codes';
import type { ProviderVerdict } from '../../../src/providers/provider';

type Fixtures = Record<string, Record<string, unknown>>;
const loadFixtures = (name: string): Fixtures =>
  JSON.parse(readFileSync(new URL(`../../../src/providers/fpt/fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixtures;
const NATIVE = loadFixtures('native');
const FLAT = loadFixtures('flat');

const DEFAULTS: FptSettings = fptSettingsSchema.parse({});

function parse(
  body: unknown,
  settings: FptSettings = DEFAULTS,
  status = 200,
  headers: Record<string, string> = {},
): ProviderVerdict {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return fptAdapter.parseResponse({ status, headers: { 'content-type': 'application/json', ...headers }, bodyText }, settings);
}

function resultOf(verdict: ProviderVerdict): CheckResult {
  if (verdict.kind !== 'answer') throw new Error(`expected an answer, got failure ${verdict.reason.code}`);
  return verdict.result;
}

type Expected =
  | {
      readonly decision: Decision;
      readonly reasons: readonly ReasonCode[];
      readonly live?: boolean;
      readonly livenessScore?: number;
      readonly deepfakeScore?: number;
      readonly matched?: boolean;
      readonly faceMatchScore?: number;
    }
  | { readonly failure: ReasonCode; readonly retryable: boolean };

const LIVE_SCORE = 1 - 0.006677149;

const NATIVE_CASES: Readonly<Record<string, Expected>> = {
  pass_matched: {
    decision: 'PASS',
    reasons: [],
    live: true,
    livenessScore: LIVE_SCORE,
    deepfakeScore: 0.0016087113,
    matched: true,
    faceMatchScore: 93.41257810592651 / 100,
  },
  pass_without_cmnd: { decision: 'PASS', reasons: [], live: true, livenessScore: LIVE_SCORE },
  spoof_301: { decision: 'FAIL', reasons: ['SPOOF_DETECTED'], live: false, livenessScore: 1 - 0.9255054, matched: true },
  deepfake_302: { decision: 'FAIL', reasons: ['DEEPFAKE_DETECTED'], live: true, deepfakeScore: 0.99999964 },
  deepfake_302_needs_review: { decision: 'REVIEW', reasons: ['DEEPFAKE_DETECTED', 'FACE_MISMATCH', 'NEEDS_REVIEW'] },
  mismatch_303: {
    decision: 'FAIL',
    reasons: ['FACE_MISMATCH'],
    live: true,
    matched: false,
    faceMatchScore: 81.81878813647025 / 100,
  },
  reference_no_face_407: { decision: 'RETRY', reasons: ['REFERENCE_NO_FACE'], live: true },
  review_200: { decision: 'REVIEW', reasons: ['NEEDS_REVIEW'], live: true, livenessScore: 1 - 0.4123 },
  code_406: { decision: 'RETRY', reasons: ['FACE_OCCLUDED'] },
  code_408: { decision: 'RETRY', reasons: ['MULTIPLE_FACES'] },
  code_409: { failure: 'PROVIDER_REJECTED_REQUEST', retryable: false },
  code_410: { decision: 'RETRY', reasons: ['NO_FACE'] },
  code_411: { decision: 'RETRY', reasons: ['FACE_TOO_SMALL'] },
  code_412: { decision: 'RETRY', reasons: ['FACE_BLURRY'] },
  code_413: { decision: 'RETRY', reasons: ['STILL_VIDEO'] },
  code_422: { decision: 'RETRY', reasons: ['NO_FRONTAL_FACE'] },
  code_423: { decision: 'RETRY', reasons: ['FACE_OUT_OF_FRAME'] },
};

const FLAT_CASES: Readonly<Record<string, Expected>> = {
  seed_success_low_similarity: {
    decision: 'FAIL',
    reasons: ['FACE_MISMATCH'],
    live: true,
    matched: false,
    faceMatchScore: 1.8187788133647025 / 100,
  },
  seed_success_similarity_above_80_not_matched: {
    decision: 'FAIL',
    reasons: ['FACE_MISMATCH'],
    matched: false,
    faceMatchScore: 81.81878813647025 / 100,
  },
  seed_reference_no_face: { decision: 'RETRY', reasons: ['REFERENCE_NO_FACE'], live: true, livenessScore: LIVE_SCORE },
  seed_deepfake_needs_review: {
    decision: 'REVIEW',
    reasons: ['DEEPFAKE_DETECTED', 'FACE_MISMATCH', 'NEEDS_REVIEW'],
    deepfakeScore: 0.99999964,
  },
  seed_spoof: { decision: 'FAIL', reasons: ['SPOOF_DETECTED', 'FACE_MISMATCH'], live: false, livenessScore: 1 - 0.9255054 },
  pass_matched: {
    decision: 'PASS',
    reasons: [],
    live: true,
    livenessScore: LIVE_SCORE,
    deepfakeScore: 0.0016087113,
    matched: true,
    faceMatchScore: 93.41257810592651 / 100,
  },
  pass_without_cmnd: { decision: 'PASS', reasons: [], live: true },
  deepfake: { decision: 'FAIL', reasons: ['DEEPFAKE_DETECTED'], deepfakeScore: 0.99999964 },
  review: { decision: 'REVIEW', reasons: ['NEEDS_REVIEW'] },
  code_406: { decision: 'RETRY', reasons: ['FACE_OCCLUDED'] },
  seed_code_408: { decision: 'RETRY', reasons: ['MULTIPLE_FACES'] },
  seed_code_409: { failure: 'PROVIDER_REJECTED_REQUEST', retryable: false },
  seed_code_410: { decision: 'RETRY', reasons: ['NO_FACE'] },
  seed_code_411: { decision: 'RETRY', reasons: ['FACE_TOO_SMALL'] },
  seed_code_412: { decision: 'RETRY', reasons: ['FACE_BLURRY'] },
  seed_code_413: { decision: 'RETRY', reasons: ['STILL_VIDEO'] },
  code_422: { decision: 'RETRY', reasons: ['NO_FRONTAL_FACE'] },
  code_423: { decision: 'RETRY', reasons: ['FACE_OUT_OF_FRAME'] },
};

function title(expected: Expected): string {
  return 'failure' in expected
    ? `fails with ${expected.failure}`
    : `maps to ${expected.decision}${expected.reasons.length ? ` with ${expected.reasons.join(' + ')}` : ''}`;
}

function bodyCode(body: Record<string, unknown>): string {
  return String(body.code);
}

function checkCase(body: Record<string, unknown>, expected: Expected): void {
  const verdict = parse(body);
  if ('failure' in expected) {
    expect(verdict).toMatchObject({ kind: 'failure', reason: { code: expected.failure }, retryable: expected.retryable });
    return;
  }
  const result = resultOf(verdict);
  expect(result.decision).toBe(expected.decision);
  expect(result.reasons.map((r) => r.code)).toEqual(expected.reasons);
  if (expected.live !== undefined) expect(result.liveness?.live).toBe(expected.live);
  if (expected.livenessScore !== undefined) expect(result.liveness?.score).toBeCloseTo(expected.livenessScore, 9);
  if (expected.deepfakeScore !== undefined) expect(result.deepfake?.score).toBeCloseTo(expected.deepfakeScore, 9);
  if (expected.matched !== undefined) expect(result.faceMatch?.matched).toBe(expected.matched);
  if (expected.faceMatchScore !== undefined) expect(result.faceMatch?.score).toBeCloseTo(expected.faceMatchScore, 9);
  for (const r of result.reasons) expect(r.message.length).toBeGreaterThan(0);
}

describe('FPT parser, native v3 shape (every leaf a string)', () => {
  for (const [name, expected] of Object.entries(NATIVE_CASES)) {
    const body = NATIVE[name];
    it(`${title(expected)} for code ${body ? bodyCode(body) : '?'} (${name})`, () => {
      expect(body).toBeDefined();
      if (body) checkCase(body, expected);
    });
  }

  it('has a fixture for every documented code', () => {
    const codes = new Set(Object.values(NATIVE).map(bodyCode));
    expect([...FPT_CODES.keys()].filter((code) => !codes.has(code))).toEqual([]);
  });
});

describe('FPT parser, flat ?v2_format=1 shape (seed samples)', () => {
  for (const [name, expected] of Object.entries(FLAT_CASES)) {
    const body = FLAT[name];
    it(`${title(expected)} for code ${body ? bodyCode(body) : '?'} (${name})`, () => {
      expect(body).toBeDefined();
      if (body) checkCase(body, expected);
    });
  }

  it('has a fixture for every code the flat shape can carry (301–303 arrive as 200 + booleans)', () => {
    const codes = new Set<string>();
    for (const body of Object.values(FLAT)) {
      codes.add(bodyCode(body));
      const error = body.face_match_error;
      if (error && typeof error === 'object' && 'code' in error) codes.add(String(error.code));
    }
    const missing = [...FPT_CODES.keys()].filter((code) => !codes.has(code) && !['301', '302', '303'].includes(code));
    expect(missing).toEqual([]);
  });
});

describe('FPT parser, shape independence and settings', () => {
  it('gives the same result for the native and the flat form of the same answer', () => {
    expect(parse(NATIVE.pass_matched)).toEqual(parse(FLAT.pass_matched));
    expect(parse(NATIVE.pass_without_cmnd)).toEqual(parse(FLAT.pass_without_cmnd));
  });

  it('trusts isMatch:false even when similarity is above the 80 threshold', () => {
    const result = resultOf(parse(FLAT.seed_success_similarity_above_80_not_matched));
    expect(result.faceMatch).toEqual({ matched: false, score: expect.closeTo(0.818, 3) });
  });

  it('keeps FAIL over need_to_review when needToReviewOverridesFail is false', () => {
    const settings = fptSettingsSchema.parse({ needToReviewOverridesFail: false });
    const result = resultOf(parse(FLAT.seed_deepfake_needs_review, settings));
    expect(result.decision).toBe('FAIL');
    expect(result.reasons.map((r) => r.code)).toEqual(['DEEPFAKE_DETECTED', 'FACE_MISMATCH']);
  });

  it('still turns a passing check into REVIEW when needToReviewOverridesFail is false', () => {
    const settings = fptSettingsSchema.parse({ needToReviewOverridesFail: false });
    expect(resultOf(parse(NATIVE.review_200, settings)).decision).toBe('REVIEW');
  });

  it('ignores is_live:false on capture codes 411–413 (not a spoof verdict)', () => {
    const result = resultOf(parse(FLAT.seed_code_411));
    expect(result.liveness).toBeUndefined();
    expect(result.reasons.map((r) => r.code)).toEqual(['FACE_TOO_SMALL']);
  });

  it('accepts code as a number as well as a string', () => {
    expect(resultOf(parse({ ...FLAT.pass_matched, code: 200 })).decision).toBe('PASS');
    expect(resultOf(parse({ code: 408, message: 'request successful.', data: '2 faces' })).reasons[0]?.code).toBe(
      'MULTIPLE_FACES',
    );
  });

  it('follows a failing native sub-result even when the top-level code says 200', () => {
    const body = { ...NATIVE.pass_matched, liveness: { code: '408', message: 'More than one face' } };
    expect(resultOf(parse(body)).reasons.map((r) => r.code)).toEqual(['MULTIPLE_FACES']);
  });

  it('treats code 301 as a spoof even if is_live is missing', () => {
    const result = resultOf(
      parse({ code: '301', message: 'spoof', liveness: { code: '301', is_live: 'N/A', spoof_prob: 'N/A' } }),
    );
    expect(result).toMatchObject({ decision: 'FAIL', liveness: { live: false } });
    expect(result.liveness?.score).toBeUndefined();
  });

  it('sets providerRequestId from an x-request-id header or a request_id field', () => {
    expect(resultOf(parse(FLAT.pass_matched, DEFAULTS, 200, { 'x-request-id': 'req-123' })).providerRequestId).toBe('req-123');
    expect(resultOf(parse({ ...NATIVE.code_408, request_id: 'abc' })).providerRequestId).toBe('abc');
    expect(resultOf(parse(FLAT.pass_matched)).providerRequestId).toBeUndefined();
  });
});

describe('FPT parser, HTTP statuses and unreadable bodies', () => {
  it.each([401, 403])('maps HTTP %i to PROVIDER_AUTH_FAILED, not retryable', (status) => {
    expect(parse({ message: 'Invalid API key' }, DEFAULTS, status)).toMatchObject({
      kind: 'failure',
      reason: { code: 'PROVIDER_AUTH_FAILED' },
      retryable: false,
    });
  });

  it.each([429, 500, 502, 503, 504])('maps HTTP %i to PROVIDER_UNAVAILABLE, retryable', (status) => {
    expect(parse('<html>busy</html>', DEFAULTS, status)).toMatchObject({
      kind: 'failure',
      reason: { code: 'PROVIDER_UNAVAILABLE' },
      retryable: true,
    });
  });

  it.each([400, 404, 405, 413, 415])('maps HTTP %i to PROVIDER_REJECTED_REQUEST, not retryable', (status) => {
    expect(parse({}, DEFAULTS, status)).toMatchObject({
      kind: 'failure',
      reason: { code: 'PROVIDER_REJECTED_REQUEST' },
      retryable: false,
    });
  });

  it('maps a body that is not JSON to PROVIDER_RESPONSE_INVALID, retryable (a cut-off transfer)', () => {
    expect(parse('{"code": "200", "liveness": {"is_li')).toMatchObject({
      kind: 'failure',
      reason: { code: 'PROVIDER_RESPONSE_INVALID' },
      retryable: true,
    });
  });

  it.each([
    ['an unknown code', { code: '499', message: 'new thing' }],
    ['a missing code', { message: 'request successful.', is_live: true }],
    ['a code that is not a number', { code: 'constructor' }],
    ['a JSON array', [1, 2]],
    ['JSON null', null],
    ['a 200 without is_live', { code: '200', message: 'request successful.' }],
    ['an is_live that is not a boolean', { ...FLAT.pass_matched, is_live: 'maybe' }],
    ['a spoof probability that is not a number', { ...FLAT.pass_matched, prob: 'high' }],
    ['a spoof probability above 1', { ...FLAT.pass_matched, prob: '1.5' }],
    ['a similarity above 100', { ...FLAT.pass_matched, face_match: { isMatch: true, similarity: 180 } }],
    ['a similarity without isMatch', { ...FLAT.pass_matched, face_match: { similarity: 90 } }],
    ['a face-match error that is not a face-match outcome', { ...FLAT.pass_matched, face_match_error: { code: '413' } }],
    ['a liveness object of the wrong type', { code: '200', liveness: [] }],
  ])('maps %s to PROVIDER_RESPONSE_INVALID without throwing', (_name, body) => {
    expect(parse(body)).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_RESPONSE_INVALID' }, retryable: false });
  });

  it('maps an unexpected 2xx/3xx status without a usable body to a failure, never an exception', () => {
    expect(parse('', DEFAULTS, 204).kind).toBe('failure');
    expect(parse('', DEFAULTS, 302)).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_RESPONSE_INVALID' } });
  });

  it('caps the audited body and keeps short FPT bodies unchanged in content', () => {
    const body = JSON.stringify(NATIVE.pass_matched);
    expect(JSON.parse(fptAdapter.redactResponseBody(body))).toEqual(NATIVE.pass_matched);
    expect(fptAdapter.redactResponseBody('x '.repeat(10_000)).length).toBeLessThan(8_300);
  });
});
