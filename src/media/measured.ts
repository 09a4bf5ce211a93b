// What a parser measured, before the rules judge it.
import { corrupt, unsupported } from './errors';
import type { MediaFormat } from './profiles';

export interface Measured {
  container?: MediaFormat;
  codec?: string;
  /** Displayed size: coded size with a 90/270 rotation (container matrix or EXIF) applied. */
  width?: number;
  height?: number;
  /** Clockwise degrees, 0/90/180/270. */
  rotation?: number;
  durationSeconds?: number;
  /**
   * Only a lower bound could be measured (a browser recording with no duration in its header whose
   * last cluster lies in bytes we did not read). It can prove "too long", never "too short".
   */
  durationIsLowerBound?: boolean;
  /** Observations worth an audit line that are not reasons to refuse. */
  notes: string[];
}

export const newMeasured = (): Measured => ({ notes: [] });

/**
 * Nothing a phone or webcam produces comes near these; a header that claims more is a decompression
 * bomb or garbage, and we refuse it without trying to decode it.
 */
export const DECODE_LIMITS = { maxSide: 20_000, maxPixels: 100_000_000 } as const;

/** Records coded size and rotation as the displayed size; refuses impossible or absurd sizes. */
export function setPicture(out: Measured, codedWidth: number, codedHeight: number, rotation: number): void {
  if (!(codedWidth > 0 && codedHeight > 0)) throw corrupt(`header declares a ${codedWidth}x${codedHeight} picture`);
  const turned = rotation === 90 || rotation === 270;
  out.width = turned ? codedHeight : codedWidth;
  out.height = turned ? codedWidth : codedHeight;
  out.rotation = rotation;
  const megapixels = (codedWidth * codedHeight) / 1e6;
  if (
    codedWidth > DECODE_LIMITS.maxSide ||
    codedHeight > DECODE_LIMITS.maxSide ||
    codedWidth * codedHeight > DECODE_LIMITS.maxPixels
  ) {
    throw unsupported(
      `header claims ${codedWidth}x${codedHeight} (${megapixels.toFixed(0)} megapixels), beyond the decoding limit of ` +
        `${DECODE_LIMITS.maxSide} px per side and ${DECODE_LIMITS.maxPixels / 1e6} megapixels`,
    );
  }
}

/** Snaps a rotation in degrees to 0/90/180/270 clockwise; container matrices only carry these for cameras. */
export function normaliseRotation(degrees: number): number {
  const snapped = Math.round(degrees / 90) * 90;
  return ((snapped % 360) + 360) % 360;
}

export function setDuration(out: Measured, seconds: number, lowerBound = false): void {
  if (!Number.isFinite(seconds) || seconds < 0) throw corrupt(`declares an impossible duration (${seconds} s)`);
  out.durationSeconds = Math.round(seconds * 1000) / 1000;
  if (lowerBound) out.durationIsLowerBound = true;
}
