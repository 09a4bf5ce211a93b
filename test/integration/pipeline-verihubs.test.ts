// Issue: Verihubs end to end over the local stack — real SDK clients, real HTTP, the real
// Verihubs simulator, real media. One row per vendor code / scenario. Every validation is switched
// on here (the vendor default is off), so each FAIL_ON bit can come back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { isVerihubsSimulator, type VerihubsSimulator } from '../../src/providers/verihubs/simulator';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { fixture } from '../support/api-client';
import { outcomeOf, runProviderCheck } from '../support/provider-checks';

const SELFIE = fixture('id_astronaut_1024.jpg');
const SELFIE_PNG = fixture('id_astronaut_512.png');
const VIDEO = fixture('face_moving.mp4');

let stack: LocalStack;

function builtInSimulator(): VerihubsSimulator {
  const sim = stack.simulators.verihubs;
  if (!sim || !isVerihubsSimulator(sim)) throw new Error('the local stack did not start the Verihubs simulator');
  return sim;
}

function verihubsCheck(selfie: Uint8Array, contentType = 'image/jpeg') {
  return runProviderCheck(stack.apiUrl, 'verihubs', { selfie: { bytes: selfie, contentType } });
}

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    env: {},
    providerConfig: {
      verihubs: {
        settings: { validateQuality: true, validateAttribute: true, validateNface: true },
        timeoutMs: 2000,
        maxAttempts: 2,
        totalBudgetMs: 5000,
      },
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const TABLE: readonly (readonly [scenario: string, expected: string])[] = [
  ['pass', 'COMPLETED PASS'],
  ['spoof', 'COMPLETED FAIL SPOOF_DETECTED'],
  ['fail_on_2', 'COMPLETED RETRY FACE_ATTRIBUTE'],
  ['fail_on_4', 'COMPLETED RETRY POOR_QUALITY'],
  ['fail_on_6', 'COMPLETED RETRY FACE_ATTRIBUTE POOR_QUALITY'],
  ['fail_on_8', 'COMPLETED RETRY MULTIPLE_FACES'],
  ['fail_on_10', 'COMPLETED RETRY FACE_ATTRIBUTE MULTIPLE_FACES'],
  ['fail_on_12', 'COMPLETED RETRY POOR_QUALITY MULTIPLE_FACES'],
  ['fail_on_14', 'COMPLETED RETRY FACE_ATTRIBUTE POOR_QUALITY MULTIPLE_FACES'],
  ['face_not_detected', 'COMPLETED RETRY NO_FACE'],
  ['invalid_payload_image_size', 'COMPLETED RETRY MEDIA_TOO_LARGE'],
  ['invalid_payload_image_format', 'COMPLETED RETRY UNSUPPORTED_FORMAT'],
  ['invalid_payload', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_spaced', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_missing', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['missing_payload_image', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['invalid_payload_image_timeout', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['quality_validation_dependency', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['attribute_validation_dependency', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['quota', 'FAILED PROVIDER_QUOTA_EXCEEDED'],
  ['internal_error', 'FAILED PROVIDER_UNAVAILABLE'],
  ['auth_failure', 'FAILED PROVIDER_AUTH_FAILED'],
];

describe('Verihubs pipeline: every vendor code drives a real check', () => {
  for (const [scenario, expected] of TABLE) {
    it(`ends "${scenario}" as ${expected}, decided by verihubs`, async () => {
      const { body } = await verihubsCheck(withScenarioMarker(SELFIE, 'jpeg', scenario));
      expect(outcomeOf(body)).toBe(expected);
      expect(body).toMatchObject({ provider: 'verihubs', parts: ['selfie'] });
    });
  }

  it('keeps the score, quality and attribute flags and the reference id on a pass', async () => {
    const { body } = await verihubsCheck(SELFIE);
    expect(body).toMatchObject({
      status: 'COMPLETED',
      decision: 'PASS',
      liveness: { live: true, score: 0.9731 },
      quality: { blur: false, dark: false, grayscale: false },
      attributes: { mask: false, sunglasses: false, faceCount: 1 },
      providerRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('takes a PNG selfie', async () => {
    const { body } = await verihubsCheck(SELFIE_PNG, 'image/png');
    expect(outcomeOf(body)).toBe('COMPLETED PASS');
  });

  it('does not retry a quota refusal, but retries an internal error once within the budget', async () => {
    const quota = await verihubsCheck(withScenarioMarker(SELFIE, 'jpeg', 'quota'));
    const internal = await verihubsCheck(withScenarioMarker(SELFIE, 'jpeg', 'internal_error'));
    const requests = async (checkId: string) =>
      (await stack.deps.audit.list(checkId)).filter((entry) => entry.type === 'PROVIDER_REQUEST').length;
    expect(await requests(quota.check.checkId)).toBe(1);
    expect(await requests(internal.check.checkId)).toBe(2);
  });

  it('refuses a video sent as the selfie before Verihubs is called', async () => {
    const before = builtInSimulator().stats().calls;
    const { body } = await verihubsCheck(VIDEO, 'image/jpeg');
    expect(outcomeOf(body)).toBe('COMPLETED RETRY UNSUPPORTED_FORMAT');
    await stack.idle();
    expect(builtInSimulator().stats().calls).toBe(before);
  });
});

describe('Verihubs payload, end to end', () => {
  it('sends exactly the uploaded selfie as the image', async () => {
    const selfie = withScenarioMarker(SELFIE, 'jpeg', 'pass');
    const { body } = await verihubsCheck(selfie);
    expect(outcomeOf(body)).toBe('COMPLETED PASS');
    const last = builtInSimulator().lastRequest();
    expect(last && Buffer.from(last.image).equals(Buffer.from(selfie))).toBe(true);
    expect(last?.flags).toEqual({
      is_quality: true,
      is_attribute: true,
      validate_quality: true,
      validate_attribute: true,
      validate_nface: true,
    });
  });

  it('keeps neither the credentials nor the image in the audit trail', async () => {
    const { check } = await verihubsCheck(SELFIE);
    const audit = JSON.stringify(await stack.deps.audit.list(check.checkId));
    expect(audit).toContain('"name":"image"');
    expect(audit).not.toContain('local-verihubs-key');
    expect(audit).not.toContain(Buffer.from(SELFIE.subarray(3000, 3060)).toString('base64'));
  });
});

describe('provider choice per check', () => {
  it('sends each check to the provider it was created with, and the result names it', async () => {
    const calls = () => ({
      fpt: stack.simulators.fpt?.stats().calls ?? Number.NaN,
      senseid: stack.simulators.senseid?.stats().calls ?? Number.NaN,
      verihubs: stack.simulators.verihubs?.stats().calls ?? Number.NaN,
    });
    const before = calls();
    const [fpt, senseid, verihubs] = await Promise.all([
      runProviderCheck(stack.apiUrl, 'fpt', { video: { bytes: VIDEO, contentType: 'video/mp4' } }),
      runProviderCheck(stack.apiUrl, 'senseid', {
        video: { bytes: VIDEO, contentType: 'video/mp4' },
        reference: { bytes: SELFIE, contentType: 'image/jpeg' },
      }),
      runProviderCheck(stack.apiUrl, 'verihubs', { selfie: { bytes: SELFIE, contentType: 'image/jpeg' } }),
    ]);
    expect(fpt.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', provider: 'fpt', parts: ['video'] });
    expect(senseid.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', provider: 'senseid' });
    expect(verihubs.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', provider: 'verihubs' });
    const after = calls();
    expect({
      fpt: after.fpt - before.fpt,
      senseid: after.senseid - before.senseid,
      verihubs: after.verihubs - before.verihubs,
    }).toEqual({
      fpt: 1,
      senseid: 1,
      verihubs: 1,
    });
    for (const { check } of [fpt, senseid, verihubs]) {
      const created = (await stack.deps.audit.list(check.checkId)).find((entry) => entry.type === 'CHECK_CREATED');
      expect(created?.detail).toMatchObject({ provider: check.provider });
    }
  });
});
