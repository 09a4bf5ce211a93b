// Issue: every FPT.AI code / simulator scenario drives a real check over the local stack to the
// status, decision and reasons the adapter promises (src/providers/fpt/README.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FPT_SCENARIOS } from '../../src/providers/fpt/simulator';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { fixture } from '../support/api-client';
import { outcomeOf, runProviderCheck } from '../support/provider-checks';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

// With a reference photo (cmnd), marker in the video.
const TABLE: readonly (readonly [scenario: string, code: string, expected: string])[] = [
  ['pass', '200', 'COMPLETED PASS'],
  ['spoof', '301', 'COMPLETED FAIL SPOOF_DETECTED'],
  ['deepfake', '302', 'COMPLETED FAIL DEEPFAKE_DETECTED'],
  ['mismatch', '303', 'COMPLETED FAIL FACE_MISMATCH'],
  ['review', '200 + need_to_review', 'COMPLETED REVIEW NEEDS_REVIEW'],
  ['reference_no_face', '407', 'COMPLETED RETRY REFERENCE_NO_FACE'],
  ['occluded', '406', 'COMPLETED RETRY FACE_OCCLUDED'],
  ['multiple_faces', '408', 'COMPLETED RETRY MULTIPLE_FACES'],
  ['invalid_input', '409', 'FAILED PROVIDER_REJECTED_REQUEST'],
  ['no_face', '410', 'COMPLETED RETRY NO_FACE'],
  ['face_too_small', '411', 'COMPLETED RETRY FACE_TOO_SMALL'],
  ['blurry', '412', 'COMPLETED RETRY FACE_BLURRY'],
  ['still', '413', 'COMPLETED RETRY STILL_VIDEO'],
  ['no_frontal', '422', 'COMPLETED RETRY NO_FRONTAL_FACE'],
  ['out_of_frame', '423', 'COMPLETED RETRY FACE_OUT_OF_FRAME'],
  ['auth_failure', 'HTTP 401', 'FAILED PROVIDER_AUTH_FAILED'],
  ['forbidden', 'HTTP 403', 'FAILED PROVIDER_AUTH_FAILED'],
];

describe('FPT pipeline: every vendor code drives a real check', () => {
  it('has a row for every scenario the simulator offers', () => {
    expect(TABLE.map(([scenario]) => scenario).sort()).toEqual([...FPT_SCENARIOS].sort());
  });

  for (const [scenario, code, expected] of TABLE) {
    for (const format of ['native', 'flat'] as const) {
      it(`ends "${scenario}" (code ${code}, ${format} body) as ${expected}, decided by fpt`, async () => {
        const { body } = await runProviderCheck(stack.apiUrl, 'fpt', {
          video: { bytes: withScenarioMarker(VIDEO, 'mp4', `${scenario}&format=${format}`), contentType: 'video/mp4' },
          reference: { bytes: ID_PHOTO, contentType: 'image/jpeg' },
        });
        expect(outcomeOf(body)).toBe(expected);
        expect(body).toMatchObject({ provider: 'fpt', parts: ['video', 'reference'] });
      });
    }
  }

  it.each([
    ['spoof', 'COMPLETED FAIL SPOOF_DETECTED'],
    ['review', 'COMPLETED REVIEW NEEDS_REVIEW'],
    ['no_face', 'COMPLETED RETRY NO_FACE'],
  ])('reads "%s" from a selfie check as %s', async (scenario, expected) => {
    const { body } = await runProviderCheck(stack.apiUrl, 'fpt', {
      selfie: { bytes: withScenarioMarker(ID_PHOTO, 'jpeg', scenario), contentType: 'image/jpeg' },
    });
    expect(outcomeOf(body)).toBe(expected);
  });
});
