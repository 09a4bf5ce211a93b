// Issue: SenseID end to end over the local stack — real SDK clients, real HTTP, the real SenseID
// simulator decrypting what the adapter encrypted, real media. One row per vendor code / scenario.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/core/errors';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { isSenseIdSimulator, startSenseIdSimulator, type SenseIdSimulator } from '../../src/providers/senseid/simulator';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { fixture, postCheck } from '../support/api-client';
import { outcomeOf, runProviderCheck } from '../support/provider-checks';

const VIDEO = fixture('face_moving.mp4');
const ONE_SECOND = fixture('face_1s.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

let stack: LocalStack;

function builtInSimulator(): SenseIdSimulator {
  const sim = stack.simulators.senseid;
  if (!sim || !isSenseIdSimulator(sim)) throw new Error('the local stack did not start the SenseID simulator');
  return sim;
}

function senseidCheck(video: Uint8Array, reference: Uint8Array = ID_PHOTO, apiUrl = stack.apiUrl) {
  return runProviderCheck(apiUrl, 'senseid', {
    video: { bytes: video, contentType: 'video/mp4' },
    reference: { bytes: reference, contentType: 'image/jpeg' },
  });
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

// scenario → how the check ends. Markers go into the video unless the row says reference.
const TABLE: readonly (readonly [scenario: string, expected: string, markIn?: 'reference'])[] = [
  ['pass', 'COMPLETED PASS'],
  ['spoof_hack', 'COMPLETED FAIL SPOOF_DETECTED'],
  ['spoof_4007', 'COMPLETED FAIL SPOOF_DETECTED'],
  ['short_time', 'COMPLETED RETRY VIDEO_TOO_SHORT'],
  ['mismatch', 'COMPLETED FAIL FACE_MISMATCH'],
  ['mismatch', 'COMPLETED FAIL FACE_MISMATCH', 'reference'],
  ['image_size_2003', 'COMPLETED RETRY RESOLUTION_TOO_LOW', 'reference'],
  ['content_length_2004', 'COMPLETED RETRY MEDIA_TOO_LARGE', 'reference'],
  ['image_type_2005', 'COMPLETED RETRY MEDIA_CORRUPT', 'reference'],
  ['no_face_4000', 'COMPLETED RETRY REFERENCE_NO_FACE'],
  ['occlusion_4004', 'COMPLETED RETRY FACE_OCCLUDED'],
  ['invalid_argument_1200', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['auth_failure', 'FAILED PROVIDER_AUTH_FAILED'],
];

describe('SenseID pipeline: every vendor code drives a real check', () => {
  for (const [scenario, expected, markIn] of TABLE) {
    it(`ends "${scenario}" (marker in the ${markIn ?? 'video'}) as ${expected}, decided by senseid`, async () => {
      const { body } =
        markIn === 'reference'
          ? await senseidCheck(VIDEO, withScenarioMarker(ID_PHOTO, 'jpeg', scenario))
          : await senseidCheck(withScenarioMarker(VIDEO, 'mp4', scenario));
      expect(outcomeOf(body)).toBe(expected);
      expect(body).toMatchObject({ provider: 'senseid', parts: ['video', 'reference'] });
    });
  }

  it('keeps the scores and the SenseID request id on a pass', async () => {
    const { body } = await senseidCheck(VIDEO);
    expect(body).toMatchObject({
      status: 'COMPLETED',
      decision: 'PASS',
      liveness: { live: true, score: 0.9871 },
      faceMatch: { matched: true, score: 0.9342 },
      providerRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('refuses a 1 s video before SenseID is called (its short_time limit is 2 s)', async () => {
    const before = builtInSimulator().stats().calls;
    const { body } = await senseidCheck(ONE_SECOND);
    expect(outcomeOf(body)).toBe('COMPLETED RETRY VIDEO_TOO_SHORT');
    await stack.idle();
    expect(builtInSimulator().stats().calls).toBe(before);
  });
});

describe('SenseID encryption, end to end', () => {
  it('sends ciphertext that the server key and IV decrypt to exactly the uploaded video and photo', async () => {
    const video = withScenarioMarker(VIDEO, 'mp4', 'pass');
    const photo = withScenarioMarker(ID_PHOTO, 'jpeg', 'pass');
    const { body } = await senseidCheck(video, photo);
    expect(outcomeOf(body)).toBe('COMPLETED PASS');
    const last = builtInSimulator().lastRequest();
    expect(last && Buffer.from(last.video).equals(Buffer.from(video))).toBe(true);
    expect(last && Buffer.from(last.image).equals(Buffer.from(photo))).toBe(true);
  });

  it('keeps neither the key nor any media in the audit trail', async () => {
    const { check } = await senseidCheck(VIDEO);
    const audit = JSON.stringify(await stack.deps.audit.list(check.checkId));
    expect(audit).toContain('encrypted_video');
    expect(audit).not.toContain('dcbbad6765e14139a07d34b92292a672');
    expect(audit).not.toContain('df25d188a061');
    expect(audit).not.toContain(Buffer.from(VIDEO.subarray(2000, 2060)).toString('base64'));
  });
});

describe('SENSEID_ENDPOINT with the operator key, IV and front-proxy auth header', () => {
  const key = 'operator-key-0123456789abcdefghi';
  const iv = 'operator-iv!';
  let server: SenseIdSimulator;
  let custom: LocalStack;
  beforeAll(async () => {
    server = await startSenseIdSimulator({ aesKey: key, aesIv: iv, authHeader: 'Bearer proxy-token' });
    custom = await startLocalStack({
      port: 0,
      env: { SENSEID_ENDPOINT: server.url, SENSEID_AES_KEY: key, SENSEID_AES_IV: iv, SENSEID_AUTH_HEADER: 'Bearer proxy-token' },
    });
  });
  afterAll(async () => {
    await custom?.stop();
    await server?.close();
  });

  it('encrypts with the configured key and IV and passes the proxy', async () => {
    expect(custom.simulators.senseid).toBeUndefined();
    const { body } = await senseidCheck(VIDEO, ID_PHOTO, custom.apiUrl);
    expect(outcomeOf(body)).toBe('COMPLETED PASS');
    const last = server.lastRequest();
    expect(last && Buffer.from(last.video).equals(Buffer.from(VIDEO))).toBe(true);
    expect(last && Buffer.from(last.image).equals(Buffer.from(ID_PHOTO))).toBe(true);
  });

  it('refuses to start without the key when an endpoint is configured', async () => {
    await expect(startLocalStack({ port: 0, env: { SENSEID_ENDPOINT: server.url, SENSEID_AES_IV: iv } })).rejects.toThrow(
      ConfigurationError,
    );
  });
});

describe('provider choice per check', () => {
  it.each([
    [{ provider: 'acme' }, 'provider "acme" is not enabled here; enabled: fpt, senseid, verihubs'],
    [{ provider: 'senseid', parts: ['video'] }, 'provider "senseid" cannot take parts [video]; it takes [video, reference]'],
    [{ provider: 'senseid', parts: ['selfie', 'reference'] }, 'it takes [video, reference]'],
    [{ provider: 'verihubs', parts: ['video'] }, 'provider "verihubs" cannot take parts [video]; it takes [selfie]'],
  ])('refuses %j with 400 naming what is possible', async (request, message) => {
    const response = await postCheck(stack.apiUrl, request);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'INVALID_REQUEST', message: expect.stringContaining(message) } });
  });

  it.each([
    ['senseid', ['video', 'reference']],
    ['verihubs', ['selfie']],
    ['fpt', ['video', 'reference']],
  ])("declares %s's own parts when none are asked for", async (provider, parts) => {
    const response = await postCheck(stack.apiUrl, { provider });
    expect(response).toMatchObject({ status: 201, body: { provider, parts } });
  });
});
