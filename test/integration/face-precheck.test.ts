// The face pre-check over the local stack: real SDK clients, real HTTP, the real simulators, the
// real detector on real pictures. A picture the provider would refuse anyway ends RETRY with no
// request reaching the simulator; every good picture still reaches it; switched off, the old
// behaviour is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartName } from '../../src/core/check';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { fixture } from '../support/api-client';
import { outcomeOf, runProviderCheck, type PartUpload } from '../support/provider-checks';

const VIDEO: PartUpload = { bytes: fixture('face_moving.mp4'), contentType: 'video/mp4' };
const NO_FACE: PartUpload = { bytes: fixture('face_none_backdrop.jpg'), contentType: 'image/jpeg' };
const TWO_FACES: PartUpload = { bytes: fixture('face_two_portraits.jpg'), contentType: 'image/jpeg' };
const TINY_FACE: PartUpload = { bytes: fixture('face_tiny_on_canvas.jpg'), contentType: 'image/jpeg' };
// Every committed fixture picture that shows one face plainly.
const GOOD_IMAGES = [
  'id_astronaut_1024.jpg',
  'id_astronaut_512.png',
  'id_exif_orient6.jpg',
  'face_exif_orient6_upright.jpg',
  'base_1280x720.png',
] as const;
// Each image part of each provider, with the parts sent beside it.
const IMAGE_SLOTS: readonly { provider: string; part: PartName; beside: Partial<Record<PartName, PartUpload>> }[] = [
  { provider: 'verihubs', part: 'selfie', beside: {} },
  { provider: 'fpt', part: 'selfie', beside: {} },
  { provider: 'fpt', part: 'reference', beside: { video: VIDEO } },
  { provider: 'senseid', part: 'reference', beside: { video: VIDEO } },
];

/** Combinations the provider does not take at all: the media check refuses them before the gate looks. */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  // FPT asks for pictures of at least 800 x 600 px (src/providers/fpt/adapter.ts).
  'id_astronaut_512.png fpt selfie': 'COMPLETED RETRY RESOLUTION_TOO_LOW',
  'id_astronaut_512.png fpt reference': 'COMPLETED RETRY RESOLUTION_TOO_LOW',
};

const image = (name: string): PartUpload => ({
  bytes: fixture(name),
  contentType: name.endsWith('.png') ? 'image/png' : 'image/jpeg',
});

let gateOn: LocalStack;
let gateOff: LocalStack;

beforeAll(async () => {
  [gateOn, gateOff] = await Promise.all([
    startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 }),
    startLocalStack({
      port: 0,
      env: { LIVENESS_PROVIDER: 'verihubs' },
      sweepIntervalMs: 0,
      providers: ['verihubs'],
      config: { facePrecheck: false },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([gateOn?.stop(), gateOff?.stop()]);
});

function callsAt(stack: LocalStack, provider: string): number {
  return stack.simulators[provider]?.stats().calls ?? Number.NaN;
}

/** Runs one check and counts the requests its provider's simulator received meanwhile. */
async function checkCountingCalls(stack: LocalStack, provider: string, uploads: Partial<Record<PartName, PartUpload>>) {
  const before = callsAt(stack, provider);
  const finished = await runProviderCheck(stack.apiUrl, provider, uploads, 30_000);
  await stack.idle();
  const trail = await stack.deps.audit.list(finished.check.checkId);
  return {
    outcome: outcomeOf(finished.body),
    providerCalls: callsAt(stack, provider) - before,
    prechecks: trail.filter((entry) => entry.type === 'FACE_PRECHECKED').map((entry) => entry.detail),
  };
}

describe('face pre-check (gate on, the default)', () => {
  it('ends a Verihubs selfie without a face RETRY NO_FACE, and Verihubs receives no request', async () => {
    const { outcome, providerCalls, prechecks } = await checkCountingCalls(gateOn, 'verihubs', { selfie: NO_FACE });

    expect(outcome).toBe('COMPLETED RETRY NO_FACE');
    expect(providerCalls).toBe(0);
    expect(prechecks).toEqual([
      expect.objectContaining({ part: 'selfie', verdict: 'refuse', reason: 'NO_FACE', faces: 0, model: 'blazeface' }),
    ]);
    expect(prechecks[0]?.ms).toEqual(expect.any(Number));
  });

  it('ends an FPT video check whose reference shows two faces RETRY MULTIPLE_FACES, and FPT receives no request', async () => {
    const { outcome, providerCalls, prechecks } = await checkCountingCalls(gateOn, 'fpt', { video: VIDEO, reference: TWO_FACES });

    expect(outcome).toBe('COMPLETED RETRY MULTIPLE_FACES');
    expect(providerCalls).toBe(0);
    expect(prechecks).toEqual([
      expect.objectContaining({ part: 'reference', verdict: 'refuse', reason: 'MULTIPLE_FACES', faces: 2 }),
    ]);
  });

  it('ends an FPT selfie whose face is a speck on the canvas RETRY FACE_TOO_SMALL, with no request', async () => {
    const { outcome, providerCalls } = await checkCountingCalls(gateOn, 'fpt', { selfie: TINY_FACE });

    expect(outcome).toBe('COMPLETED RETRY FACE_TOO_SMALL');
    expect(providerCalls).toBe(0);
  });

  for (const name of GOOD_IMAGES) {
    it(`refuses none of the good fixture ${name}: each provider's image part reaches the provider`, async () => {
      for (const { provider, part, beside } of IMAGE_SLOTS) {
        const result = await checkCountingCalls(gateOn, provider, { ...beside, [part]: image(name) });
        const refusedByMediaCheck = NOT_TAKEN[`${name} ${provider} ${part}`];
        if (refusedByMediaCheck) {
          expect({ provider, part, ...result }).toEqual({
            provider,
            part,
            outcome: refusedByMediaCheck,
            providerCalls: 0,
            prechecks: [],
          });
          continue;
        }

        expect({ provider, part, ...result }).toMatchObject({
          provider,
          part,
          outcome: 'COMPLETED PASS',
          providerCalls: 1,
          prechecks: [expect.objectContaining({ part, verdict: 'ok', faces: 1 })],
        });
      }
    });
  }
});

describe('face pre-check switched off (facePrecheck: false)', () => {
  it('sends the same selfie without a face to Verihubs, as before the gate existed', async () => {
    const { outcome, providerCalls, prechecks } = await checkCountingCalls(gateOff, 'verihubs', { selfie: NO_FACE });

    // The simulator judges by its scenario, not by the picture: its default answer is a pass.
    expect(outcome).toBe('COMPLETED PASS');
    expect(providerCalls).toBe(1);
    expect(prechecks).toEqual([]);
  });
});
