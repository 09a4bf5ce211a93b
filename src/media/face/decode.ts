// Image bytes → a small, upright, square RGB picture for the detector. Pure JS codecs (jpeg-js,
// pngjs): no native binary to ship. Orientation and size come from the media inspector's own
// parsers, so the decoder never starts on a picture we would not have accepted.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { inspectPart } from '../inspect';
import { IMAGE_FORMATS, type PartLimits } from '../profiles';
import type { RangeReader } from '../reader';
import { GatewayError } from '../../core/errors';

/**
 * Why an image could not be looked at. IMAGE_UNREADABLE maps to MEDIA_CORRUPT (the media inspector
 * normally refuses such files first); IMAGE_TOO_LARGE means "not checked here": skip the pre-check.
 */
export class FaceImageError extends GatewayError {
  constructor(
    readonly code: 'IMAGE_UNREADABLE' | 'IMAGE_TOO_LARGE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * jpeg-js peaks at about 34 bytes per pixel (measured: +406 MB RSS for one 12 MP photo), on top of
 * ≈ 125 MB for the loaded detector. 16 MP (≈ 550 MB) is what a 1024 MB processor can spare. Phones
 * save 12 MP by default; a larger picture is not refused for it: the caller skips the pre-check
 * (IMAGE_TOO_LARGE) and leaves the picture to the provider.
 */
export const MAX_DECODE_MEGAPIXELS = 16;

/** The detector looks at 256x256; a 512 px canvas keeps detail for small faces at little cost. */
export const DETECTOR_CANVAS = 512;

/** What the face rules need to see every image: any size, JPEG or PNG. */
const ANY_IMAGE: PartLimits = {
  kind: 'image',
  formats: IMAGE_FORMATS,
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxPixels: Number.MAX_SAFE_INTEGER,
};

export interface DisplayedImage {
  /** Displayed size (EXIF rotation applied), in the original's pixels. */
  readonly width: number;
  readonly height: number;
}

export interface DetectorCanvas extends DisplayedImage {
  /** side x side x 3 RGB, the picture top-left, black below/right of it (letterbox). */
  readonly rgb: Int32Array;
  readonly side: number;
  /** The picture's size on the canvas. */
  readonly contentWidth: number;
  readonly contentHeight: number;
}

interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const memoryReader = (bytes: Uint8Array): RangeReader => ({
  size: bytes.length,
  read: (start, endInclusive) => Promise.resolve(bytes.subarray(start, Math.min(endInclusive + 1, bytes.length))),
});

/**
 * Decodes, turns upright (EXIF), shrinks and letterboxes to a square canvas. The declared content
 * type only goes into messages: the bytes decide the format.
 */
export async function toDetectorCanvas(bytes: Uint8Array, contentType?: string, side = DETECTOR_CANVAS): Promise<DetectorCanvas> {
  const declared = contentType ? ` (declared ${contentType})` : '';
  const inspection = await inspectPart('selfie', memoryReader(bytes), ANY_IMAGE);
  const { facts, problem } = inspection;
  if (problem) throw new FaceImageError('IMAGE_UNREADABLE', `${problem.message.replace(/^selfie: /, '')}${declared}`);
  const codedPixels = (facts.width ?? 0) * (facts.height ?? 0);
  if (codedPixels > MAX_DECODE_MEGAPIXELS * 1e6) {
    throw new FaceImageError(
      'IMAGE_TOO_LARGE',
      `${facts.width}x${facts.height} is beyond the face pre-check's decoding limit of ${MAX_DECODE_MEGAPIXELS} megapixels`,
    );
  }
  const picture = decode(bytes, facts.container);
  return shrinkToCanvas(picture, facts.rotation ?? 0, side);
}

function decode(bytes: Uint8Array, container: string | undefined): Rgba {
  try {
    if (container === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { width: png.width, height: png.height, data: png.data };
    }
    return jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // A truncated scan would decode to grey and read as "no face": refuse it as unreadable instead.
      tolerantDecoding: false,
      maxResolutionInMP: MAX_DECODE_MEGAPIXELS,
      // Our megapixel limit above is the real bound; jpeg-js's own accounting must not refuse below it.
      maxMemoryUsageInMB: MAX_DECODE_MEGAPIXELS * 40,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new FaceImageError('IMAGE_UNREADABLE', `the ${container ?? 'image'} data could not be decoded: ${detail}`, {
      cause: error,
    });
  }
}

/**
 * Area-averaging shrink with the clockwise rotation applied in the same pass: every source pixel
 * lands in the bin of its displayed position. Mirrored EXIF orientations are treated as their
 * rotation only: a mirror changes neither the number of faces nor their size.
 */
export function shrinkToCanvas(picture: Rgba, rotation: number, side: number): DetectorCanvas {
  const { width: w, height: h, data } = picture;
  const turned = rotation === 90 || rotation === 270;
  const dw = turned ? h : w;
  const dh = turned ? w : h;
  const scale = Math.min(1, side / Math.max(dw, dh));
  const cw = Math.max(1, Math.round(dw * scale));
  const ch = Math.max(1, Math.round(dh * scale));
  const canvasSide = Math.max(cw, ch);
  const binX = Int32Array.from({ length: dw }, (_, x) => Math.min(cw - 1, Math.floor((x * cw) / dw)));
  const binY = Int32Array.from({ length: dh }, (_, y) => Math.min(ch - 1, Math.floor((y * ch) / dh)));
  const sums = new Float64Array(cw * ch * 3);
  const counts = new Uint32Array(cw * ch);
  for (let sy = 0; sy < h; sy += 1) {
    for (let sx = 0; sx < w; sx += 1) {
      let dx = sx;
      let dy = sy;
      if (rotation === 90) {
        dx = h - 1 - sy;
        dy = sx;
      } else if (rotation === 180) {
        dx = w - 1 - sx;
        dy = h - 1 - sy;
      } else if (rotation === 270) {
        dx = sy;
        dy = w - 1 - sx;
      }
      const bin = (binY[dy] ?? 0) * cw + (binX[dx] ?? 0);
      const src = (sy * w + sx) * 4;
      sums[bin * 3] = (sums[bin * 3] ?? 0) + (data[src] ?? 0);
      sums[bin * 3 + 1] = (sums[bin * 3 + 1] ?? 0) + (data[src + 1] ?? 0);
      sums[bin * 3 + 2] = (sums[bin * 3 + 2] ?? 0) + (data[src + 2] ?? 0);
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
  }
  const rgb = new Int32Array(canvasSide * canvasSide * 3);
  for (let y = 0; y < ch; y += 1) {
    for (let x = 0; x < cw; x += 1) {
      const bin = y * cw + x;
      const n = counts[bin] || 1;
      const dst = (y * canvasSide + x) * 3;
      for (let c = 0; c < 3; c += 1) rgb[dst + c] = Math.round((sums[bin * 3 + c] ?? 0) / n);
    }
  }
  return { rgb, side: canvasSide, contentWidth: cw, contentHeight: ch, width: dw, height: dh };
}
