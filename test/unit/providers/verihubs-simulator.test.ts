// The Verihubs simulator over real HTTP, driven by the real adapter.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderHttpRequest, ProviderMedia } from '../../../src/providers/provider';
import { verihubsAdapter, verihubsSettingsSchema, type VerihubsSettings } from '../../../src/providers/verihubs/adapter';
import { verihubsMappingSchema } from '../../../src/providers/verihubs/response-mapping';
import {
  VERIHUBS_SCENARIOS,
  VERIHUBS_SIMULATOR_API_KEY,
  VERIHUBS_SIMULATOR_APP_ID,
  isVerihubsSimulator,
  startVerihubsSimulator,
  type VerihubsSimulator,
} from '../../../src/providers/verihubs/simulator';
import { ID_PHOTO, media, selfie } from './fpt-test-media';
import { outcome, sendToSimulator, type Sent } from './provider-test-kit';

let sim: VerihubsSimulator;
/** Every validation on, so each FAIL_ON bit can come back. */
const VALIDATING = verihubsSettingsSchema.parse({ validateQuality: true, validateAttribute: true, validateNface: true });
const CREDENTIALS = { appId: VERIHUBS_SIMULATOR_APP_ID, apiKey: VERIHUBS_SIMULATOR_API_KEY };

beforeAll(async () => {
  sim = await startVerihubsSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setDefaultScenario('pass');
});

const send = (request: ProviderHttpRequest, settings: VerihubsSettings = VALIDATING) =>
  sendToSimulator(verihubsAdapter, request, settings);

function check(
  parts: readonly ProviderMedia[],
  settings: VerihubsSettings = VALIDATING,
  target: { url: string } = sim,
): Promise<Sent> {
  return send(verihubsAdapter.buildRequest(parts, { ...CREDENTIALS, endpoint: target.url }, settings), settings);
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(sim.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'App-ID': CREDENTIALS.appId, 'API-Key': CREDENTIALS.apiKey, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const TABLE: readonly (readonly [scenario: string, httpStatus: number, expected: string])[] = [
  ['pass', 200, 'PASS'],
  ['spoof', 200, 'FAIL SPOOF_DETECTED'],
  ['fail_on_2', 200, 'RETRY FACE_ATTRIBUTE'],
  ['fail_on_4', 200, 'RETRY POOR_QUALITY'],
  ['fail_on_6', 200, 'RETRY FACE_ATTRIBUTE POOR_QUALITY'],
  ['fail_on_8', 200, 'RETRY MULTIPLE_FACES'],
  ['fail_on_10', 200, 'RETRY FACE_ATTRIBUTE MULTIPLE_FACES'],
  ['fail_on_12', 200, 'RETRY POOR_QUALITY MULTIPLE_FACES'],
  ['fail_on_14', 200, 'RETRY FACE_ATTRIBUTE POOR_QUALITY MULTIPLE_FACES'],
  ['face_not_detected', 400, 'RETRY NO_FACE'],
  ['quota', 403, 'FAILED PROVIDER_QUOTA_EXCEEDED'],
  ['internal_error', 500, 'FAILED PROVIDER_UNAVAILABLE'],
  ['auth_failure', 401, 'FAILED PROVIDER_AUTH_FAILED'],
  ['invalid_payload', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_spaced', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_missing', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_size', 400, 'RETRY MEDIA_TOO_LARGE'],
  ['missing_payload_image', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_timeout', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_format', 400, 'RETRY UNSUPPORTED_FORMAT'],
  ['quality_validation_dependency', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['attribute_validation_dependency', 400, 'FAILED PROVIDER_REJECTED_REQUEST'],
];

describe('Verihubs simulator scenarios, read by the adapter', () => {
  it('has a row for every scenario it offers', () => {
    expect(TABLE.map(([scenario]) => scenario).sort()).toEqual([...VERIHUBS_SCENARIOS].sort());
  });

  for (const [scenario, httpStatus, expected] of TABLE) {
    it(`maps "${scenario}" (HTTP ${httpStatus}) to ${expected}`, async () => {
      const sent = await check([selfie(scenario)]);
      expect(sent.status).toBe(httpStatus);
      expect(outcome(sent.verdict)).toBe(expected);
    });
  }

  it('answers FAIL_ON bits only for validations the request switched on, as the API does', async () => {
    const onlyQuality = verihubsSettingsSchema.parse({ validateQuality: true });
    expect((await check([selfie('fail_on_14')], onlyQuality)).body).toMatchObject({ error_code: 'FAIL_ON_4' });
    // Vendor defaults validate nothing: the masked, blurry face is judged and its flags show why.
    const defaults = verihubsSettingsSchema.parse({});
    const { verdict } = await check([selfie('fail_on_6')], defaults);
    expect(verdict).toMatchObject({
      kind: 'answer',
      result: { decision: 'PASS', quality: { blur: true }, attributes: { mask: true } },
    });
  });
});

describe('Verihubs simulator wire contract', () => {
  it('records the decoded image of the last request, byte for byte', async () => {
    await check([selfie()]);
    const last = sim.lastRequest();
    expect(last && Buffer.from(last.image).equals(Buffer.from(ID_PHOTO))).toBe(true);
    expect(last?.flags).toEqual({
      is_quality: true,
      is_attribute: true,
      validate_quality: true,
      validate_attribute: true,
      validate_nface: true,
    });
  });

  it('answers 401 without or with wrong credentials, and never logs them', async () => {
    expect((await post({ image: 'AAAA' }, { 'API-Key': 'wrong' })).status).toBe(401);
    const res = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const log = JSON.stringify(sim.requests());
    expect(log).not.toContain(VERIHUBS_SIMULATOR_API_KEY);
    expect(log).not.toContain(VERIHUBS_SIMULATOR_APP_ID);
  });

  const jpeg64 = Buffer.from(ID_PHOTO).toString('base64');
  it.each([
    ['a body that is not JSON', 'INVALID_PAYLOAD', '{image:'],
    ['a JSON array', 'INVALID_PAYLOAD', []],
    ['a non-boolean flag', 'INVALID_PAYLOAD', { image: jpeg64, is_quality: 'yes' }],
    ['no image', 'MISSING_PAYLOAD_IMAGE', { is_quality: true }],
    ['an empty image', 'INVALID_PAYLOAD_IMAGE_MISSING', { image: '' }],
    ['a data: URL', 'INVALID_PAYLOAD_IMAGE_MISSING', { image: `data:image/jpeg;base64,${jpeg64}` }],
    ['broken Base64', 'INVALID_PAYLOAD_IMAGE_MISSING', { image: 'abc$' }],
    ['an image URL', 'INVALID_PAYLOAD_IMAGE_TIMEOUT', { image: 'https://example.com/face.jpg' }],
    ['a GIF', 'INVALID_PAYLOAD_IMAGE_FORMAT', { image: Buffer.from('GIF89a....').toString('base64') }],
    [
      'an image over 5 MiB',
      'INVALID_PAYLOAD_IMAGE_SIZE',
      { image: Buffer.concat([Buffer.from(ID_PHOTO), Buffer.alloc(5 * 1024 * 1024)]).toString('base64') },
    ],
    [
      'validate_quality without is_quality',
      'INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY',
      { image: jpeg64, is_quality: false, validate_quality: true },
    ],
    [
      'validate_attribute without is_attribute',
      'INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY',
      { image: jpeg64, is_attribute: false, validate_attribute: true },
    ],
  ] as const)('refuses %s with HTTP 400 %s', async (_label, code, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: code });
  });

  it('takes a PNG', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect(outcome((await check([media('selfie', png, 'png')])).verdict)).toBe('PASS');
  });

  it('answers in the shape of a configured mapping, which the adapter then reads', async () => {
    const mapping = verihubsMappingSchema.parse({
      livenessStatus: 'result.label',
      livenessProbability: 'result.spoof',
      probabilityOf: 'spoof',
      errorCode: 'code',
    });
    const own = await startVerihubsSimulator({ mapping, defaultScenario: 'spoof' });
    try {
      const settings = verihubsSettingsSchema.parse({ responseMapping: mapping, validateAttribute: true });
      const spoof = await check([selfie()], settings, own);
      expect(spoof.body).toMatchObject({ result: { label: 'SPOOF', spoof: 0.9588 } });
      expect(spoof.verdict).toMatchObject({ kind: 'answer', result: { decision: 'FAIL', liveness: { live: false } } });
      expect(spoof.verdict.kind === 'answer' && spoof.verdict.result.liveness?.score).toBeCloseTo(0.0412, 10);
      const failOn = await check([selfie('fail_on_2')], settings, own);
      expect(failOn.body).toMatchObject({ code: 'FAIL_ON_2' });
      expect(outcome(failOn.verdict)).toBe('RETRY FACE_ATTRIBUTE');
    } finally {
      await own.close();
    }
  });

  it('narrows a started simulator with isVerihubsSimulator', () => {
    expect(isVerihubsSimulator(sim)).toBe(true);
  });
});
