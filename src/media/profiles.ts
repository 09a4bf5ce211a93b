// Media limits per provider and part. The defaults are the product's documented limits (README.md); deployments override them.
import type { PartName } from '../core/check';

export const VIDEO_CONTAINERS = ['mp4', 'mov', 'mkv', 'webm'] as const;
export const IMAGE_FORMATS = ['jpeg', 'png'] as const;
export type VideoContainer = (typeof VIDEO_CONTAINERS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export type MediaFormat = VideoContainer | ImageFormat;

/** Limits for one part. Sizes are orientation-free: "800x600" is longSide ≥ 800 and shortSide ≥ 600. */
export interface PartLimits {
  readonly kind: 'video' | 'image';
  readonly formats: readonly MediaFormat[];
  readonly maxBytes: number;
  readonly minLongSide?: number;
  readonly minShortSide?: number;
  readonly maxLongSide?: number;
  /** Most pixels (width x height) a picture may have; images default to DEFAULT_IMAGE_MAX_PIXELS. */
  readonly maxPixels?: number;
  readonly minDurationSeconds?: number;
  readonly maxDurationSeconds?: number;
}

export interface ProviderProfile {
  /** Allowed part combinations; a request's parts must equal one of them (order free). */
  readonly partSets: readonly (readonly PartName[])[];
  readonly defaultParts: readonly PartName[];
  readonly limits: Readonly<Partial<Record<PartName, PartLimits>>>;
}

export const MB = 1024 * 1024;

/**
 * An image over 40 megapixels is no selfie or ID photo a phone sends (a 12 MP camera is typical)
 * and costs the provider a large decode: refused unless the provider's profile says otherwise.
 */
export const DEFAULT_IMAGE_MAX_PIXELS = 40_000_000;

export const CONTENT_TYPE_PREFIX: Record<PartLimits['kind'], string> = { video: 'video/', image: 'image/' };

export const MIME_TYPES: Record<MediaFormat, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** The file extension a provider expects for a detected format. */
export const FILE_EXTENSIONS: Record<MediaFormat, string> = {
  mp4: 'mp4',
  mov: 'mov',
  mkv: 'mkv',
  webm: 'webm',
  jpeg: 'jpg',
  png: 'png',
};

export function samePartSet(a: readonly PartName[], b: readonly PartName[]): boolean {
  return a.length === b.length && a.every((part) => b.includes(part));
}

/** Apply configured overrides (per part, shallow) to a provider's default limits. */
export function withOverrides(
  profile: ProviderProfile,
  overrides: Readonly<Partial<Record<PartName, Partial<PartLimits>>>> | undefined,
): ProviderProfile {
  if (!overrides) return profile;
  const limits: Partial<Record<PartName, PartLimits>> = { ...profile.limits };
  for (const [part, override] of Object.entries(overrides) as [PartName, Partial<PartLimits>][]) {
    const base = limits[part];
    if (base && override) limits[part] = { ...base, ...override };
  }
  return { ...profile, limits };
}
