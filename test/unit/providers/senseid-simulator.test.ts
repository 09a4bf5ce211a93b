// The SenseID simulator over real HTTP, driven by the real adapter: what goes on the wire is what
// buildRequest makes (encrypted), and every answer is read by parseResponse.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  senseidAdapter,
  senseidSettingsSchema,
  type SenseIdSecret,
  type SenseIdSettings,
} from '../../../src/providers/senseid/adapter';
import { senseIdEncrypt } from '../../../src/providers/senseid/crypto';
import {
  SENSEID_DEFAULT_AES_IV,
  SENSEID_DEFAULT_AES_KEY,
  SENSEID_SCENARIOS,
  isSenseIdSimulator,
  startSenseIdSimulator,
  type SenseIdSimulator,
} from '../../../src/providers/senseid/simulator';
import type { ProviderHttpRequest, ProviderMedia } from '../../../src/providers/provider';
import { FACE_VIDEO, ID_PHOTO, media, reference, video } from './fpt-test-media';
import { outcome, sendToSimulator, type Sent } from './provider-test-kit';

let sim: SenseIdSimulator;
const SETTINGS = senseidSettingsSchema.parse({});

beforeAll(async () => {
  sim = await startSenseIdSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setDefaultScenario('pass');
});

const send = (request: ProviderHttpRequest, settings: SenseIdSettings = SETTINGS) =>
  sendToSimulator(senseidAdapter, request, settings);

function secret(overrides: Partial<SenseIdSecret> = {}, target: { url: string } = sim): SenseIdSecret {
  return { endpoint: target.url, aesKey: SENSEID_DEFAULT_AES_KEY, aesIv: SENSEID_DEFAULT_AES_IV, ...overrides };
}

function check(
  parts: readonly ProviderMedia[],
  settings: SenseIdSettings = SETTINGS,
  overrides: Partial<SenseIdSecret> = {},
): Promise<Sent> {
  return send(senseidAdapter.buildRequest(parts, secret(overrides), settings), settings);
}

const TABLE: readonly (readonly [scenario: string, expected: string])[] = [
  ['pass', 'PASS'],
  ['spoof_hack', 'FAIL SPOOF_DETECTED'],
  ['spoof_4007', 'FAIL SPOOF_DETECTED'],
  ['short_time', 'RETRY VIDEO_TOO_SHORT'],
  ['mismatch', 'FAIL FACE_MISMATCH'],
  ['image_size_2003', 'RETRY RESOLUTION_TOO_LOW'],
  ['content_length_2004', 'RETRY MEDIA_TOO_LARGE'],
  ['image_type_2005', 'RETRY MEDIA_CORRUPT'],
  ['no_face_4000', 'RETRY REFERENCE_NO_FACE'],
  ['occlusion_4004', 'RETRY FACE_OCCLUDED'],
  ['invalid_argument_1200', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['auth_failure', 'FAILED PROVIDER_AUTH_FAILED'],
];

describe('SenseID simulator scenarios, read by the adapter', () => {
  it('has a row for every scenario it offers', () => {
    expect(TABLE.map(([scenario]) => scenario).sort()).toEqual([...SENSEID_SCENARIOS].sort());
  });

  for (const [scenario, expected] of TABLE) {
    it(`maps "${scenario}" (marker in the encrypted video) to ${expected}`, async () => {
      expect(outcome((await check([video(scenario), reference()])).verdict)).toBe(expected);
    });
  }

  it('finds the marker in the decrypted reference photo too', async () => {
    expect(outcome((await check([video(), reference('mismatch')])).verdict)).toBe('FAIL FACE_MISMATCH');
  });
});

describe('SenseID simulator wire contract', () => {
  it('records the decrypted media of the last request, byte for byte', async () => {
    const { status } = await check([video(), reference()]);
    expect(status).toBe(200);
    const last = sim.lastRequest();
    expect(last && Buffer.from(last.video).equals(Buffer.from(FACE_VIDEO))).toBe(true);
    expect(last && Buffer.from(last.image).equals(Buffer.from(ID_PHOTO))).toBe(true);
    expect(last?.flags).toEqual({
      auto_rotate: true,
      check_quality: true,
      return_image: false,
      return_face_image: false,
      return_status: true,
    });
  });

  it('carries a video at the 20 MB profile limit through encryption and form encoding intact', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const { status } = await check([media('video', big, 'mp4'), reference()]);
    expect(status).toBe(200);
    const last = sim.lastRequest();
    expect(last && Buffer.from(last.video).equals(big)).toBe(true);
  });

  it('answers code 1200 when the ciphertext was made with another key or IV (GCM tag fails)', async () => {
    const wrongKey = await check([video(), reference()], SETTINGS, { aesKey: 'x'.repeat(32) });
    expect(wrongKey).toMatchObject({ status: 400, body: { code: 1200, message: 'invalid argument' } });
    expect(outcome(wrongKey.verdict)).toBe('FAILED PROVIDER_REJECTED_REQUEST');
    const wrongIv = await check([video(), reference()], SETTINGS, { aesIv: 'y'.repeat(12) });
    expect(wrongIv.body).toMatchObject({ code: 1200 });
  });

  it('answers code 1200 to a missing field, a non-form body, an unescaped "+" and a non-boolean flag', async () => {
    const sealed = (bytes: Uint8Array) =>
      senseIdEncrypt(bytes, SENSEID_DEFAULT_AES_KEY, SENSEID_DEFAULT_AES_IV).toString('base64');
    const video64 = sealed(FACE_VIDEO);
    const image64 = sealed(ID_PHOTO);
    const form = 'application/x-www-form-urlencoded';
    const attempts: { contentType: string; body: string }[] = [
      { contentType: form, body: new URLSearchParams({ encrypted_video: video64 }).toString() },
      { contentType: 'application/json', body: JSON.stringify({ encrypted_video: video64, encrypted_image: image64 }) },
      // Raw Base64 in a form body: its "+" arrive as spaces.
      { contentType: form, body: `encrypted_video=${video64}&encrypted_image=${image64}` },
      {
        contentType: form,
        body: new URLSearchParams({ encrypted_video: video64, encrypted_image: image64, return_status: 'yes' }).toString(),
      },
      {
        contentType: form,
        body: new URLSearchParams({ encrypted_video: video64, encrypted_image: sealed(new Uint8Array(0)) }).toString(),
      },
    ];
    expect(video64 + image64).toMatch(/\+/);
    for (const attempt of attempts) {
      const res = await fetch(sim.url, { method: 'POST', headers: { 'content-type': attempt.contentType }, body: attempt.body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 1200 });
    }
  });

  it('leaves out liveness_status without return_status, and the adapter then reads passed:false as a spoof', async () => {
    const settings = senseidSettingsSchema.parse({ returnStatus: false });
    const { body, verdict } = await check([video('short_time'), reference()], settings);
    expect(body).not.toHaveProperty('liveness_status');
    expect(outcome(verdict)).toBe('FAIL SPOOF_DETECTED');
  });

  it('sends no 4004 when check_quality is off (the occlusion check is what produces it)', async () => {
    const settings = senseidSettingsSchema.parse({ checkQuality: false });
    expect(outcome((await check([video('occlusion_4004'), reference()], settings)).verdict)).toBe('PASS');
  });

  it('returns the frames as Base64 when asked, and the adapter keeps them out of the audit body', async () => {
    const settings = senseidSettingsSchema.parse({ returnImage: true, returnFaceImage: true });
    const request = senseidAdapter.buildRequest([video(), reference()], secret(), settings);
    const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      image_timestamp: 1.2,
      base64_image: expect.any(String),
      base64_face_image: expect.any(String),
    });
    const audited = senseidAdapter.redactResponseBody(text);
    expect(audited).not.toContain(Buffer.from(ID_PHOTO.subarray(0, 600)).toString('base64').slice(0, 200));
    expect(audited).toContain('"passed":true');
  });

  it('uses the default scenario set at run time for unmarked media, a marker still winning', async () => {
    const put = await fetch(`${sim.origin}/__sim/scenario`, {
      method: 'PUT',
      body: JSON.stringify({ scenario: 'no_face_4000' }),
    });
    expect(put.status).toBe(200);
    expect(outcome((await check([video(), reference()])).verdict)).toBe('RETRY REFERENCE_NO_FACE');
    expect(outcome((await check([video('pass'), reference()])).verdict)).toBe('PASS');
  });

  it('logs field names and sizes, never the decrypted media', async () => {
    await check([video(), reference()]);
    const last = sim.requests().at(-1);
    expect(last?.fields.map((field) => field.name)).toEqual([
      'encrypted_video',
      'encrypted_image',
      'auto_rotate',
      'check_quality',
      'return_image',
      'return_face_image',
      'return_status',
    ]);
    expect(JSON.stringify(sim.requests()).length).toBeLessThan(50_000);
  });

  it('narrows a started simulator with isSenseIdSimulator', () => {
    expect(isSenseIdSimulator(sim)).toBe(true);
    expect(isSenseIdSimulator({ url: 'http://x/dmp/liveness/v3' })).toBe(false);
  });
});

describe('SenseID simulator with its own key, IV and front-proxy auth', () => {
  const key = 'K'.repeat(16) + 'k'.repeat(16);
  const iv = 'operator-iv1';
  let own: SenseIdSimulator;
  beforeAll(async () => {
    own = await startSenseIdSimulator({ aesKey: key, aesIv: iv, authHeader: 'Bearer proxy-token', defaultScenario: 'mismatch' });
  });
  afterAll(async () => {
    await own.close();
  });

  it('answers 401 from the proxy without the header or with a wrong one, and the adapter says auth failed', async () => {
    for (const authHeader of [undefined, 'Bearer wrong']) {
      const request = senseidAdapter.buildRequest(
        [video(), reference()],
        secret({ aesKey: key, aesIv: iv, ...(authHeader ? { authHeader } : {}) }, own),
        SETTINGS,
      );
      const sent = await send(request);
      expect(sent.status).toBe(401);
      expect(outcome(sent.verdict)).toBe('FAILED PROVIDER_AUTH_FAILED');
    }
  });

  it('decrypts with its own key and IV once the proxy lets the request through', async () => {
    const request = senseidAdapter.buildRequest(
      [video(), reference()],
      secret({ aesKey: key, aesIv: iv, authHeader: 'Bearer proxy-token' }, own),
      SETTINGS,
    );
    expect(outcome((await send(request)).verdict)).toBe('FAIL FACE_MISMATCH');
    expect(own.lastRequest()?.video.byteLength).toBe(FACE_VIDEO.byteLength);
    expect(own.requests().at(-1)?.headers.authorization).toBe('[redacted]');
  });

  it('refuses to start with a key or IV of the wrong length', async () => {
    await expect(startSenseIdSimulator({ aesKey: 'short' })).rejects.toThrow(/32 ASCII characters/);
    await expect(startSenseIdSimulator({ aesIv: 'short' })).rejects.toThrow(/12 ASCII characters/);
  });
});
