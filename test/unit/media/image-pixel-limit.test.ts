// Images get an upper bound on pixels: a small file can declare a huge picture, and the provider
// would be the one to decode it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_MAX_PIXELS, type PartLimits } from '../../../src/media/profiles';
import { pngWithHeader } from './support/forged-media';
import { inspectBytes } from './support/inspect-bytes';
import { FPT_IMAGE } from './support/media-fixtures';

describe('image pixel limit', () => {
  it('refuses a PNG declaring 10000x10000 with MEDIA_TOO_LARGE, naming the rule and the measured size', async () => {
    // Prepare: a tiny file whose valid IHDR declares 100 megapixels (within the decoder's own limit).
    const bytes = pngWithHeader(10_000, 10_000);

    // Act
    const { inspection } = await inspectBytes(bytes, FPT_IMAGE, { contentType: 'image/png' });

    // Assess
    expect(bytes.length).toBeLessThan(1024);
    expect(inspection.problem).toEqual({
      code: 'MEDIA_TOO_LARGE',
      message: 'selfie: 10000x10000 (100 megapixels), maximum 40 megapixels',
    });
    expect(inspection.facts).toMatchObject({ container: 'png', width: 10_000, height: 10_000 });
  });

  it('passes an image exactly at the default limit and refuses one pixel row more', async () => {
    const side = 8000;
    const atLimit = DEFAULT_IMAGE_MAX_PIXELS / side;

    const passed = await inspectBytes(pngWithHeader(side, atLimit), FPT_IMAGE);
    const refused = await inspectBytes(pngWithHeader(side, atLimit + 1), FPT_IMAGE);

    expect(passed.inspection.problem).toBeUndefined();
    expect(refused.inspection.problem?.code).toBe('MEDIA_TOO_LARGE');
    expect(refused.inspection.problem?.message).toBe('selfie: 8000x5001 (40.008 megapixels), maximum 40 megapixels');
  });

  it("applies a profile's own maxPixels instead of the default", async () => {
    const limits: PartLimits = { ...FPT_IMAGE, maxPixels: 2_000_000 };

    const { inspection } = await inspectBytes(pngWithHeader(2000, 1200), limits);

    expect(inspection.problem).toEqual({
      code: 'MEDIA_TOO_LARGE',
      message: 'selfie: 2000x1200 (2.4 megapixels), maximum 2 megapixels',
    });
  });
});
