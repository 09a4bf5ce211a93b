// The Verihubs response mapping: the only code that knows the (unpublished) field names. The
// fixture test is the one to rerun when fixtures/success.json is replaced with real sandbox output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verihubsAdapter, verihubsSettingsSchema } from '../../../src/providers/verihubs/adapter';
import {
  DEFAULT_VERIHUBS_MAPPING,
  readError,
  readSuccess,
  valueAt,
  verihubsMappingSchema,
  writeBody,
  type VerihubsMapping,
} from '../../../src/providers/verihubs/response-mapping';

const SUCCESS_FIXTURE = JSON.parse(
  readFileSync(new URL('../../../src/providers/verihubs/fixtures/success.json', import.meta.url), 'utf8'),
) as unknown;

describe('Verihubs success fixture (replace it with real sandbox output, then make this pass)', () => {
  it('reads as a live person with a 0–1 score under the default mapping', () => {
    const reading = readSuccess(SUCCESS_FIXTURE, DEFAULT_VERIHUBS_MAPPING);
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    expect(reading.value.live).toBe(true);
    expect(reading.value.score).toBeGreaterThanOrEqual(0);
    expect(reading.value.score).toBeLessThanOrEqual(1);
  });

  it('passes end to end through the adapter', () => {
    const verdict = verihubsAdapter.parseResponse(
      { status: 200, headers: {}, bodyText: JSON.stringify(SUCCESS_FIXTURE) },
      verihubsSettingsSchema.parse({}),
    );
    expect(verdict).toMatchObject({ kind: 'answer', result: { decision: 'PASS', liveness: { live: true } } });
  });
});

describe('Verihubs mapping settings', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_VERIHUBS_MAPPING).toEqual({
      livenessStatus: 'liveness.status',
      liveValues: ['LIVE', 'REAL', 'GENUINE'],
      spoofValues: ['SPOOF', 'FAKE', 'NOT_LIVE'],
      livenessProbability: 'liveness.probability',
      probabilityOf: 'live',
      quality: 'image_quality',
      attributes: 'attributes',
      faceCount: 'nface',
      referenceId: 'reference_id',
      errorCode: 'error_code',
      errorMessage: 'message',
    });
  });

  it.each([
    [{ livenessStatus: 'data..status' }, /dot-separated/],
    [{ livenessStatus: 'data[0].status' }, /dot-separated/],
    [{ liveValues: [] }, /liveValues/],
    [{ liveValues: ['LIVE'], spoofValues: ['live'] }, /labels both live and spoof: live/],
    [{ probabilityOf: 'maybe' }, /probabilityOf/],
    [{ unknownField: 'x' }, /unknownField|Unrecognized/],
  ])('refuses %j', (mapping, message) => {
    const parsed = verihubsSettingsSchema.safeParse({ responseMapping: mapping });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });

  it('fills defaults for the fields a partial mapping leaves out', () => {
    const settings = verihubsSettingsSchema.parse({ responseMapping: { livenessStatus: 'result.label' } });
    expect(settings.responseMapping).toEqual({ ...DEFAULT_VERIHUBS_MAPPING, livenessStatus: 'result.label' });
  });
});

describe('Verihubs mapping reads whatever shape it is told', () => {
  const CUSTOM: VerihubsMapping = verihubsMappingSchema.parse({
    livenessStatus: 'data.result.is_live',
    livenessProbability: 'data.result.spoof_score',
    probabilityOf: 'spoof',
    quality: 'data.quality',
    attributes: 'data.attr',
    faceCount: 'data.faces',
    referenceId: 'meta.trx_id',
    errorCode: 'error.code',
    errorMessage: 'error.message',
  });

  it('reads nested paths, a boolean label and a spoof probability turned into a live score', () => {
    const body = {
      data: {
        result: { is_live: true, spoof_score: 0.1 },
        quality: { blur: false, note: 'ignored' },
        attr: { mask: false },
        faces: 1,
      },
      meta: { trx_id: 'T-1' },
    };
    const reading = readSuccess(body, CUSTOM);
    expect(reading).toEqual({
      ok: true,
      value: { live: true, score: 0.9, quality: { blur: false }, attributes: { mask: false, faceCount: 1 }, referenceId: 'T-1' },
    });
  });

  it('round-trips what writeBody writes, for the default and a custom mapping', () => {
    for (const mapping of [DEFAULT_VERIHUBS_MAPPING, CUSTOM]) {
      const body = writeBody(mapping, { live: false, liveProbability: 0.25, faceCount: 1, referenceId: 'R' });
      expect(readSuccess(body, mapping)).toEqual({
        ok: true,
        value: { live: false, score: 0.25, attributes: { faceCount: 1 }, referenceId: 'R' },
      });
      const error = writeBody(mapping, { errorCode: 'FAIL_ON_4', message: 'fail on quality' });
      expect(readError(error, mapping)).toEqual({ code: 'FAIL_ON_4', message: 'fail on quality' });
    }
  });

  it.each([
    ['live', 0.8, true, 0.8],
    ['spoof', 0.8, true, 0.2],
    ['status', 0.8, true, 0.8],
    ['status', 0.8, false, 0.2],
  ] as const)('probabilityOf %s: probability %d with live=%s gives a live score of %d', (probabilityOf, p, live, score) => {
    const mapping = verihubsMappingSchema.parse({ probabilityOf });
    const body = { liveness: { status: live ? 'LIVE' : 'SPOOF', probability: p } };
    const reading = readSuccess(body, mapping);
    expect(reading.ok && reading.value.score).toBeCloseTo(score, 10);
  });

  it('compares labels case-insensitively and accepts a numeric-string probability', () => {
    expect(readSuccess({ liveness: { status: 'Live', probability: '0.5' } }, DEFAULT_VERIHUBS_MAPPING)).toEqual({
      ok: true,
      value: { live: true, score: 0.5 },
    });
    expect(readSuccess({ liveness: { status: 'fake' } }, DEFAULT_VERIHUBS_MAPPING)).toEqual({ ok: true, value: { live: false } });
  });

  it('names the path and the problem when a body does not fit', () => {
    expect(readSuccess({ liveness: { status: 'UNSURE' } }, DEFAULT_VERIHUBS_MAPPING)).toEqual({
      ok: false,
      problem: 'liveness.status is "UNSURE", neither a live nor a spoof label',
    });
    expect(readSuccess({}, CUSTOM)).toEqual({ ok: false, problem: 'data.result.is_live is missing or not a label' });
  });

  it('follows own properties only', () => {
    expect(valueAt(JSON.parse('{"__proto__":{"x":1}}'), 'x')).toBeUndefined();
    expect(valueAt({}, 'constructor')).toBeUndefined();
    expect(valueAt({ a: [{ b: 1 }] }, 'a.0.b')).toBeUndefined();
  });
});
