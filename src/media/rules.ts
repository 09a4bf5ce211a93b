// The part's limits applied to what was measured. Each refusal names the rule and the value
// measured, so support staff and users can see why without opening the file.
import type { PartName } from '../core/check';
import { reason, type Reason } from '../core/reasons';
import type { Measured } from './measured';
import { DEFAULT_IMAGE_MAX_PIXELS, type PartLimits } from './profiles';

/** "5.0 s" unless rounding would make a refused value look equal to its limit. */
function seconds(value: number, limit: number): string {
  const short = value.toFixed(1);
  return Number(short) === limit ? `${value.toFixed(3)} s` : `${short} s`;
}

/** "100 megapixels", with more digits when rounding would make a refused value look equal to its limit. */
function megapixels(pixels: number, limit: number): string {
  const short = Number((pixels / 1e6).toFixed(1));
  return `${short === limit ? Number((pixels / 1e6).toFixed(3)) : short} megapixels`;
}

function minimumSize(limits: PartLimits): string {
  if (limits.minLongSide !== undefined && limits.minShortSide !== undefined)
    return `${limits.minLongSide}x${limits.minShortSide}`;
  if (limits.minLongSide !== undefined) return `long side ${limits.minLongSide} px`;
  return `short side ${limits.minShortSide ?? 0} px`;
}

export function checkBytes(part: PartName, bytes: number, limits: PartLimits): Reason | undefined {
  if (bytes <= limits.maxBytes) return undefined;
  return reason('MEDIA_TOO_LARGE', `${part}: ${bytes} bytes, maximum ${limits.maxBytes} bytes`);
}

/** Sizes are judged orientation-free: a portrait 720x1280 meets "800x600" exactly as 1280x720 does. */
export function checkPicture(part: PartName, m: Measured, limits: PartLimits): Reason | undefined {
  if (m.width === undefined || m.height === undefined) return undefined;
  const long = Math.max(m.width, m.height);
  const short = Math.min(m.width, m.height);
  const size = `${m.width}x${m.height}`;
  if (limits.maxLongSide !== undefined && long > limits.maxLongSide) {
    return reason('MEDIA_TOO_LARGE', `${part}: ${size}, maximum long side ${limits.maxLongSide} px`);
  }
  const maxPixels = limits.maxPixels ?? (limits.kind === 'image' ? DEFAULT_IMAGE_MAX_PIXELS : undefined);
  if (maxPixels !== undefined && m.width * m.height > maxPixels) {
    const limit = maxPixels / 1e6;
    return reason('MEDIA_TOO_LARGE', `${part}: ${size} (${megapixels(m.width * m.height, limit)}), maximum ${limit} megapixels`);
  }
  const tooLow =
    (limits.minLongSide !== undefined && long < limits.minLongSide) ||
    (limits.minShortSide !== undefined && short < limits.minShortSide);
  return tooLow ? reason('RESOLUTION_TOO_LOW', `${part}: ${size}, minimum ${minimumSize(limits)}`) : undefined;
}

/** A lower-bound duration can prove a video too long, never too short. */
export function checkDuration(part: PartName, m: Measured, limits: PartLimits): Reason | undefined {
  const duration = m.durationSeconds;
  if (limits.kind !== 'video' || duration === undefined) return undefined;
  const { minDurationSeconds: min, maxDurationSeconds: max } = limits;
  if (min !== undefined && duration < min && !m.durationIsLowerBound) {
    return reason('VIDEO_TOO_SHORT', `${part}: ${seconds(duration, min)}, minimum ${min} s`);
  }
  if (max !== undefined && duration > max) {
    const prefix = m.durationIsLowerBound ? 'at least ' : '';
    return reason('VIDEO_TOO_LONG', `${part}: ${prefix}${seconds(duration, max)}, maximum ${max} s`);
  }
  return undefined;
}
