// The FPT simulator over real HTTP, driven by the real adapter: what goes on the wire is what
// buildRequest makes, and every answer is read by parseResponse.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/check';
import type { ReasonCode } from '../../../src/core/reasons';
import { fptAdapter, fptSettingsSchema, type FptSettings } from '../../../src/providers/fpt/adapter';
import {
  FPT_SCENARIOS,
  FPT_SIMULATOR_DEFAULT_KEY,
  startFptSimulator,
  type FptSimulator,
} from '../../../src/providers/fpt/simulator';
import type { ProviderHttpRequest, ProviderMedia } from '../../../src/providers/provider';
import { FACE_VIDEO, ID_PHOTO, reference, selfie, video } from './fpt-test-media';
import { outcome, sendToSimulator, type Sent } from './provider-test-kit';

let sim: FptSimulator;
const SETTINGS = fptSettingsSchema.parse({});

beforeAll(async () => {
  sim = await startFptSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setDefaultScenario('pass');
});

const send = (request: ProviderHttpRequest, settings: FptSettings = SETTINGS) => sendToSimulator(fptAdapter, request, settings);

function check(
  parts: readonly ProviderMedia[],
  settings: FptSettings = SETTINGS,
  apiKey = FPT_SIMULATOR_DEFAULT_KEY,
): Promise<Sent> {
  return send(fptAdapter.buildRequest(parts, { apiKey, endpoint: sim.url }, settings), settings);
}

type Row = readonly [scenario: string, withCmnd: Decision | 'FAILED', reasons: readonly ReasonCode[], withoutCmnd?: string];

// scenario → expected decision + reasons with a cmnd; without a cmnd the same unless given.
const TABLE: readonly Row[] = [
  ['pass', 'PASS', []],
  ['spoof', 'FAIL', ['SPOOF_DETECTED']],
  ['deepfake', 'FAIL', ['DEEPFAKE_DETECTED']],
  ['mismatch', 'FAIL', ['FACE_MISMATCH'], 'PASS'],
  ['review', 'REVIEW', ['NEEDS_REVIEW']],
  ['reference_no_face', 'RETRY', ['REFERENCE_NO_FACE'], 'PASS'],
  ['occluded', 'RETRY', ['FACE_OCCLUDED']],
  ['multiple_faces', 'RETRY', ['MULTIPLE_FACES']],
  ['invalid_input', 'FAILED', ['PROVIDER_REJECTED_REQUEST']],
  ['no_face', 'RETRY', ['NO_FACE']],
  ['face_too_small', 'RETRY', ['FACE_TOO_SMALL']],
  ['blurry', 'RETRY', ['FACE_BLURRY']],
  ['still', 'RETRY', ['STILL_VIDEO']],
  ['no_frontal', 'RETRY', ['NO_FRONTAL_FACE']],
  ['out_of_frame', 'RETRY', ['FACE_OUT_OF_FRAME']],
  ['auth_failure', 'FAILED', ['PROVIDER_AUTH_FAILED']],
  ['forbidden', 'FAILED', ['PROVIDER_AUTH_FAILED']],
];

describe('FPT simulator scenarios, answered in both shapes and read by the adapter', () => {
  it('has a row for every scenario it offers', () => {
    expect(TABLE.map(([scenario]) => scenario).sort()).toEqual([...FPT_SCENARIOS].sort());
  });

  for (const [scenario, decision, reasons, withoutCmnd] of TABLE) {
    const expected = [decision, ...reasons].join(' ');
    for (const format of ['native', 'flat'] as const) {
      it(`maps "${scenario}" (${format}, with cmnd) to ${expected}`, async () => {
        const { verdict } = await check([video(`${scenario}&format=${format}`), reference()]);
        expect(outcome(verdict)).toBe(expected);
      });
      it(`maps "${scenario}" (${format}, without cmnd) to ${withoutCmnd ?? expected}`, async () => {
        const { verdict } = await check([video(`${scenario}&format=${format}`)]);
        expect(outcome(verdict)).toBe(withoutCmnd ?? expected);
      });
    }
  }
});

describe('FPT simulator wire contract', () => {
  it('answers the native nested shape by default, every leaf a string', async () => {
    const { status, body } = await check([video('spoof'), reference()]);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      code: '301',
      liveness: { code: '301', is_live: 'false', spoof_prob: '0.9255054', need_to_review: 'false', is_deepfake: 'N/A' },
      face_match: { isMatch: 'true' },
    });
  });

  it('answers the flat shape when asked with ?v2_format=1 (adapter setting)', async () => {
    const settings = fptSettingsSchema.parse({ responseFormat: 'flat' });
    const { body, verdict } = await check([video('spoof'), reference()], settings);
    expect(body).toMatchObject({ code: '200', message: 'request successful.', is_live: false, prob: '0.9255054' });
    expect(outcome(verdict)).toBe('FAIL SPOOF_DETECTED');
  });

  it('fills every face_match leaf with N/A when no cmnd is sent', async () => {
    const { body } = await check([video()]);
    expect(body).toMatchObject({ code: '200', face_match: { code: 'N/A', isMatch: 'N/A', similarity: 'N/A' } });
  });

  it('finds the scenario marker in the cmnd photo too', async () => {
    const { verdict } = await check([video(), reference('multiple_faces')]);
    expect(outcome(verdict)).toBe('RETRY MULTIPLE_FACES');
  });

  it('takes a selfie image in "selfies" instead of a video', async () => {
    expect(outcome((await check([selfie('review')])).verdict)).toBe('REVIEW NEEDS_REVIEW');
    expect(outcome((await check([selfie(), reference('mismatch')])).verdict)).toBe('FAIL FACE_MISMATCH');
  });

  it('answers 401 to a wrong key and to a missing key', async () => {
    expect((await check([video()], SETTINGS, 'wrong-key')).status).toBe(401);
    const res = await fetch(sim.url, { method: 'POST', body: new FormData() });
    expect(res.status).toBe(401);
  });

  it('accepts the key in the api_key header as the docs table spells it', async () => {
    const settings = fptSettingsSchema.parse({ authHeaderName: 'api_key' });
    expect(outcome((await check([video()], settings)).verdict)).toBe('PASS');
  });

  it('answers code 409 when the video filename has a disallowed extension', async () => {
    const data = new FormData();
    data.append('video', new Blob([FACE_VIDEO], { type: 'video/mp4' }), 'video.avi');
    const sent = await send({
      url: sim.url,
      method: 'POST',
      headers: { 'api-key': FPT_SIMULATOR_DEFAULT_KEY },
      body: data,
      auditSummary: {},
    });
    expect(sent.body).toMatchObject({ code: '409', liveness: { message: 'Allowed extensions are mov, mp4, mkv, webm' } });
    expect(outcome(sent.verdict)).toBe('FAILED PROVIDER_REJECTED_REQUEST');
  });

  it('answers code 409 when both video and selfies are sent, or neither', async () => {
    const both = new FormData();
    both.append('video', new Blob([FACE_VIDEO]), 'video.mp4');
    both.append('selfies', new Blob([ID_PHOTO]), 'selfie.jpg');
    const neither = new FormData();
    neither.append('cmnd', new Blob([ID_PHOTO]), 'cmnd.jpg');
    for (const body of [both, neither]) {
      const sent = await send({
        url: `${sim.url}?v2_format=1`,
        method: 'POST',
        headers: { 'api-key': FPT_SIMULATOR_DEFAULT_KEY },
        body,
        auditSummary: {},
      });
      expect(sent.body).toMatchObject({ code: '409', message: 'request successful.' });
    }
  });

  it('answers 405 to anything but POST', async () => {
    const res = await fetch(sim.url, { headers: { 'api-key': FPT_SIMULATOR_DEFAULT_KEY } });
    expect(res.status).toBe(405);
  });

  it('uses the default scenario set through PUT /__sim/scenario for unmarked media', async () => {
    const put = await fetch(`${sim.origin}/__sim/scenario`, {
      method: 'PUT',
      body: JSON.stringify({ scenario: 'blurry&format=flat' }),
    });
    expect(put.status).toBe(200);
    const { body, verdict } = await check([video()]);
    expect(body).toEqual({ code: '412', message: 'request successful.', is_live: false, need_to_review: false });
    expect(outcome(verdict)).toBe('RETRY FACE_BLURRY');
    // A marker still wins over the default.
    expect(outcome((await check([video('pass')])).verdict)).toBe('PASS');
  });

  it('refuses an unknown default scenario', async () => {
    const put = await fetch(`${sim.origin}/__sim/scenario`, { method: 'PUT', body: JSON.stringify({ scenario: 'nope' }) });
    expect(put.status).toBe(400);
  });

  it('counts calls in GET /__sim/stats and logs field names and sizes, never the key', async () => {
    const before = sim.stats().calls;
    await check([video(), reference()]);
    const stats = (await (await fetch(`${sim.origin}/__sim/stats`)).json()) as { calls: number };
    expect(stats.calls).toBe(before + 1);
    const last = sim.requests().at(-1);
    expect(last?.fields.map((f) => [f.name, f.filename])).toEqual([
      ['video', 'video.mp4'],
      ['cmnd', 'cmnd.jpg'],
    ]);
    expect(last?.headers['api-key']).toBe('[redacted]');
    expect(JSON.stringify(sim.requests())).not.toContain(FPT_SIMULATOR_DEFAULT_KEY);
  });

  it('can be started with its own key and default scenario', async () => {
    const own = await startFptSimulator({ apiKey: 'other', defaultScenario: 'still' });
    try {
      const request = fptAdapter.buildRequest([video()], { apiKey: 'other', endpoint: own.url }, SETTINGS);
      expect(own.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dmp\/liveness\/v3$/);
      expect(outcome((await send(request)).verdict)).toBe('RETRY STILL_VIDEO');
      expect(own.stats().calls).toBe(1);
    } finally {
      await own.close();
    }
  });
});
