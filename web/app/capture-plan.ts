// What the device checks before anything is uploaded, so a capture the gateway would refuse is
// never sent. Size and type come with each upload form (maxBytes, contentTypes); picture size and
// duration are the provider's defaults below (the same as its profile on the server — a unit test
// keeps them equal), overridable by the session's `limits` when a deployment changed them.
import { essence } from '../../src/client';
import type { PartName } from '../../src/core/check';

export interface PartRule {
  readonly kind: 'video' | 'image';
  readonly maxBytes: number;
  readonly contentTypes: readonly string[];
  readonly minLongSide?: number;
  readonly minShortSide?: number;
  readonly maxLongSide?: number;
  readonly minDurationSeconds?: number;
  readonly maxDurationSeconds?: number;
}

export type PictureRule = Pick<
  PartRule,
  'minLongSide' | 'minShortSide' | 'maxLongSide' | 'minDurationSeconds' | 'maxDurationSeconds'
>;

export const PROVIDER_PICTURE_RULES: Readonly<Record<string, Partial<Record<PartName, PictureRule>>>> = {
  fpt: {
    video: { minLongSide: 800, minShortSide: 600, minDurationSeconds: 5, maxDurationSeconds: 10 },
    selfie: { minLongSide: 800, minShortSide: 600 },
    reference: { minLongSide: 800, minShortSide: 600 },
  },
  senseid: {
    video: { minDurationSeconds: 2 },
    reference: { minShortSide: 8, maxLongSide: 5000 },
  },
  verihubs: { selfie: {} },
};

const KIND: Readonly<Record<PartName, PartRule['kind']>> = { video: 'video', selfie: 'image', reference: 'image' };

export function partRule(
  part: PartName,
  form: { readonly maxBytes: number; readonly contentTypes: readonly string[] },
  provider: string | undefined,
  override: PictureRule | undefined,
): PartRule {
  const defaults = provider === undefined ? undefined : PROVIDER_PICTURE_RULES[provider]?.[part];
  return { kind: KIND[part], maxBytes: form.maxBytes, contentTypes: form.contentTypes, ...defaults, ...override };
}

/** How long the page records: a second over the minimum (at least 4 s), never over the maximum. */
export function recordSeconds(rule: PartRule): number {
  const wanted = Math.max(4, Math.ceil((rule.minDurationSeconds ?? 0) + 1));
  return rule.maxDurationSeconds === undefined ? wanted : Math.min(wanted, Math.floor(rule.maxDurationSeconds));
}

export interface MediaFacts {
  readonly width?: number;
  readonly height?: number;
  readonly durationSeconds?: number;
}

/** A refusal on the device: a locale key and its parameters (raw numbers; the page formats them). */
export type DeviceProblem =
  | { readonly code: 'wrongType'; readonly types: readonly string[] }
  | { readonly code: 'tooLarge'; readonly bytes: number; readonly maxBytes: number }
  | { readonly code: 'resolutionTooLow'; readonly width: number; readonly height: number; readonly min: string }
  | { readonly code: 'tooShort'; readonly seconds: number; readonly min: number }
  | { readonly code: 'tooLong'; readonly seconds: number; readonly max: number };

const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** The file's type, or the one its extension implies when the browser gave none (some Android pickers). */
export function typeOf(file: Blob): string {
  const declared = essence(file.type);
  if (declared !== '') return declared;
  const name = typeof File === 'function' && file instanceof File ? file.name : '';
  return EXTENSION_TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? '';
}

/** Type and size: known before the file is even opened. */
export function checkContainer(file: Blob, rule: PartRule): DeviceProblem | undefined {
  if (!rule.contentTypes.includes(typeOf(file))) return { code: 'wrongType', types: rule.contentTypes };
  if (file.size > rule.maxBytes) return { code: 'tooLarge', bytes: file.size, maxBytes: rule.maxBytes };
  return undefined;
}

/** Picture size (orientation-free, as the server judges it) and duration. Unknown facts pass: the server decides. */
export function checkFacts(facts: MediaFacts, rule: PartRule): DeviceProblem | undefined {
  if (facts.width !== undefined && facts.height !== undefined) {
    const long = Math.max(facts.width, facts.height);
    const short = Math.min(facts.width, facts.height);
    const tooLow =
      (rule.minLongSide !== undefined && long < rule.minLongSide) ||
      (rule.minShortSide !== undefined && short < rule.minShortSide);
    if (tooLow) {
      const min =
        rule.minLongSide !== undefined && rule.minShortSide !== undefined
          ? `${rule.minLongSide}×${rule.minShortSide}`
          : String(rule.minLongSide ?? rule.minShortSide ?? 0);
      return { code: 'resolutionTooLow', width: facts.width, height: facts.height, min };
    }
  }
  const seconds = facts.durationSeconds;
  if (rule.kind === 'video' && seconds !== undefined && Number.isFinite(seconds)) {
    if (rule.minDurationSeconds !== undefined && seconds < rule.minDurationSeconds)
      return { code: 'tooShort', seconds, min: rule.minDurationSeconds };
    if (rule.maxDurationSeconds !== undefined && seconds > rule.maxDurationSeconds)
      return { code: 'tooLong', seconds, max: rule.maxDurationSeconds };
  }
  return undefined;
}

export function checkMedia(file: Blob, facts: MediaFacts, rule: PartRule): DeviceProblem | undefined {
  return checkContainer(file, rule) ?? checkFacts(facts, rule);
}
