// The FacePrecheck port on the real detector: the provider's thresholds are looked up by id,
// pictures become the domain's verdicts, and what cannot be looked at is skipped or MEDIA_CORRUPT.
import { describe, expect, it } from 'vitest';
import type { MediaFacts } from '../../../src/core/check';
import { FaceImageError, type FaceDetector } from '../../../src/media/face/face-detector';
import { createFacePrecheck } from '../../../src/media/face/gate';
import { FACE_PRECHECK_DEFAULTS, FACE_PRECHECK_FALLBACK, facePrecheckThresholds } from '../../../src/media/face/thresholds';
import { loadFixture } from './support/media-fixtures';

const gate = createFacePrecheck();
const jpegFacts = (part: MediaFacts['part']): MediaFacts => ({ part, bytes: 0, contentType: 'image/jpeg' });

describe('face pre-check thresholds by provider', () => {
  it("uses a known provider's own thresholds and the lenient fallback for a provider without an entry", () => {
    expect(facePrecheckThresholds('fpt', 'selfie')).toBe(FACE_PRECHECK_DEFAULTS.fpt.selfie);
    expect(facePrecheckThresholds('verihubs', 'selfie')).toBe(FACE_PRECHECK_DEFAULTS.verihubs.selfie);
    expect(facePrecheckThresholds('acme', 'selfie')).toBe(FACE_PRECHECK_FALLBACK.selfie);
    expect(FACE_PRECHECK_FALLBACK.selfie?.minFaceRatio).toBe(0);
    // SenseID takes no selfie: there is no rule to apply.
    expect(facePrecheckThresholds('senseid', 'selfie')).toBeUndefined();
    expect(facePrecheckThresholds('toString', 'selfie')).toBe(FACE_PRECHECK_FALLBACK.selfie);
  });
});

describe('createFacePrecheck on the real detector', () => {
  it('refuses a selfie without a face NO_FACE and audits what the detector measured', async () => {
    const result = await gate.check({
      provider: 'verihubs',
      part: 'selfie',
      bytes: loadFixture('face_none_backdrop.jpg'),
      facts: jpegFacts('selfie'),
    });

    expect(result).toMatchObject({
      verdict: 'refuse',
      reason: { code: 'NO_FACE' },
      audit: { faces: 0, model: 'blazeface', ms: expect.any(Number), thresholds: FACE_PRECHECK_DEFAULTS.verihubs.selfie },
    });
  });

  it("passes a good ID photo for a provider it has no entry for, with the fallback's rules", async () => {
    const result = await gate.check({
      provider: 'acme',
      part: 'reference',
      bytes: loadFixture('id_astronaut_1024.jpg'),
      facts: jpegFacts('reference'),
    });

    expect(result).toMatchObject({ verdict: 'ok', audit: { faces: 1, thresholds: FACE_PRECHECK_FALLBACK.reference } });
  });

  it('refuses bytes that are not a picture MEDIA_CORRUPT', async () => {
    const result = await gate.check({
      provider: 'fpt',
      part: 'reference',
      bytes: new TextEncoder().encode('not a picture at all'),
      facts: jpegFacts('reference'),
    });

    expect(result).toMatchObject({ verdict: 'refuse', reason: { code: 'MEDIA_CORRUPT' }, audit: { error: 'IMAGE_UNREADABLE' } });
  });

  it('skips a video part and a part the provider has no rule for, without looking', async () => {
    const video = await gate.check({ provider: 'fpt', part: 'video', bytes: new Uint8Array(8), facts: jpegFacts('video') });
    const senseidSelfie = await gate.check({
      provider: 'senseid',
      part: 'selfie',
      bytes: new Uint8Array(8),
      facts: jpegFacts('selfie'),
    });

    expect(video).toEqual({ verdict: 'skipped', why: 'not-an-image-part' });
    expect(senseidSelfie).toEqual({ verdict: 'skipped', why: 'no-rule-for-provider-part' });
  });

  it('skips a picture with more pixels than the processor may decode, leaving it to the provider', async () => {
    const tooLarge: FaceDetector = {
      version: 'test',
      detectFaces: async () => {
        throw new FaceImageError('IMAGE_TOO_LARGE', 'the picture has 40 MP, at most 16 MP are decoded');
      },
    };
    const result = await createFacePrecheck({ detector: async () => tooLarge }).check({
      provider: 'fpt',
      part: 'selfie',
      bytes: loadFixture('id_astronaut_1024.jpg'),
      facts: jpegFacts('selfie'),
    });

    expect(result).toEqual({ verdict: 'skipped', why: 'image-too-large' });
  });
});
