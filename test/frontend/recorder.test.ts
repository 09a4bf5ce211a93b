// The still is taken from a camera frame or not at all: before the first frame the preview is
// blank, and a blank picture would only come back from the processor as NO_FACE.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/errors';
import { hasFrame, isBlankFrame, NoCameraFrameError, takePhoto } from '../../web/app/recorder';

/** A preview element as far as the guard reads it (HTMLMediaElement readyState: 0 nothing … 4 enough data). */
function preview(readyState: number, videoWidth: number, videoHeight: number): HTMLVideoElement {
  return { readyState, videoWidth, videoHeight } as HTMLVideoElement;
}

describe('hasFrame', () => {
  it('says no before the camera delivered a frame, and yes once it shows one', () => {
    expect(hasFrame(preview(0, 0, 0))).toBe(false);
    expect(hasFrame(preview(1, 1280, 720))).toBe(false);
    expect(hasFrame(preview(4, 0, 0))).toBe(false);
    expect(hasFrame(preview(2, 1280, 720))).toBe(true);
    expect(hasFrame(preview(4, 720, 1280))).toBe(true);
  });
});

describe('takePhoto', () => {
  it('refuses a preview that has no frame yet, with its own error', async () => {
    const taking = takePhoto(preview(1, 0, 0));

    await expect(taking).rejects.toThrow(NoCameraFrameError);
    await expect(taking).rejects.toBeInstanceOf(GatewayError);
    await expect(taking).rejects.toThrow('the camera has not delivered a frame yet');
  });
});

describe('isBlankFrame', () => {
  const pixels = (values: readonly (readonly [number, number, number])[]) => values.flatMap(([r, g, b]) => [r, g, b, 255]);

  it('calls a flat black or grey start-up frame blank, with a little sensor noise', () => {
    expect(
      isBlankFrame(
        pixels([
          [0, 0, 0],
          [0, 0, 0],
          [3, 2, 4],
        ]),
      ),
    ).toBe(true);
    expect(
      isBlankFrame(
        pixels([
          [128, 128, 128],
          [131, 127, 129],
          [125, 128, 130],
        ]),
      ),
    ).toBe(true);
  });

  it('calls a frame with light and shade in it a picture', () => {
    expect(
      isBlankFrame(
        pixels([
          [10, 10, 10],
          [200, 180, 160],
          [90, 60, 40],
        ]),
      ),
    ).toBe(false);
  });
});
