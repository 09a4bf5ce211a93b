// EXIF orientation (tag 0x0112 in IFD0 of a TIFF structure): phones store portrait photos
// landscape and set this tag instead of rotating the pixels.
import type { SparseFile } from './sparse-file';

const ORIENTATION_TAG = 0x0112;
const MAX_IFD_ENTRIES = 512;

export interface Orientation {
  /** Clockwise degrees to apply for display. */
  readonly rotation: number;
  readonly mirrored: boolean;
}

const ORIENTATIONS: Readonly<Record<number, Orientation>> = {
  1: { rotation: 0, mirrored: false },
  2: { rotation: 0, mirrored: true },
  3: { rotation: 180, mirrored: false },
  4: { rotation: 180, mirrored: true },
  5: { rotation: 270, mirrored: true },
  6: { rotation: 90, mirrored: false },
  7: { rotation: 90, mirrored: true },
  8: { rotation: 270, mirrored: false },
};

export const NO_ORIENTATION: Orientation = { rotation: 0, mirrored: false };

/**
 * Reads the orientation from a TIFF structure at [start, end). A malformed EXIF block is common
 * (editors mangle it) and says nothing about the picture itself, so it yields "no orientation".
 */
export function orientationFromTiff(file: SparseFile, start: number, end: number): Orientation {
  if (end - start < 8) return NO_ORIENTATION;
  const order = file.ascii(start, 2);
  if (order !== 'II' && order !== 'MM') return NO_ORIENTATION;
  const little = order === 'II';
  const u16 = (pos: number): number => {
    const b = file.bytes(pos, 2);
    return little ? (b[0] ?? 0) | ((b[1] ?? 0) << 8) : ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  };
  const u32 = (pos: number): number => {
    const b = file.bytes(pos, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, little);
  };
  if (u16(start + 2) !== 42) return NO_ORIENTATION;
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return NO_ORIENTATION;
  const count = Math.min(u16(ifd), MAX_IFD_ENTRIES);
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) break;
    if (u16(entry) === ORIENTATION_TAG) return ORIENTATIONS[u16(entry + 8)] ?? NO_ORIENTATION;
  }
  return NO_ORIENTATION;
}
