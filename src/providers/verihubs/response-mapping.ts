// The one place that knows the field names of a Verihubs liveness answer. They are not public
// (vendor docs: "a message and an error code", nothing about the success body), so every
// name is a setting with a guessed default, and `fixtures/success.json` shows the default shape.
// When real sandbox output exists: replace the fixture, adjust the defaults (or the deployment's
// `settings.responseMapping`) until test/unit/providers/verihubs-mapping.test.ts passes again.
import * as z from 'zod';
import { isRecord } from '../verdict';

// Dot-separated own-property names: "liveness.status". No brackets, no wildcards.
const FIELD_PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const fieldPath = (fallback: string) =>
  z.string().regex(FIELD_PATH, 'a field path is dot-separated field names, e.g. "liveness.status"').default(fallback);

const labels = (fallback: readonly string[]) =>
  z
    .array(z.string().min(1))
    .min(1)
    .default([...fallback]);

export const verihubsMappingSchema = z
  .object({
    /** The liveness label (a string compared with the two lists below, case-insensitively, or a boolean: true = live). */
    livenessStatus: fieldPath('liveness.status'),
    liveValues: labels(['LIVE', 'REAL', 'GENUINE']),
    spoofValues: labels(['SPOOF', 'FAKE', 'NOT_LIVE']),
    /** A 0–1 number (or numeric string). */
    livenessProbability: fieldPath('liveness.probability'),
    /**
     * What the probability is the probability of: `live` (higher = more live), `spoof` (higher =
     * more likely fake), or `status` (confidence in the label, whichever it is).
     */
    probabilityOf: z.enum(['live', 'spoof', 'status']).default('live'),
    /** An object of flags/scores, e.g. {blur, dark, grayscale, blur_score, dark_score} (named so by a sibling endpoint). */
    quality: fieldPath('image_quality'),
    /** An object of flags, e.g. {sunglasses, mask, veil, hat}. */
    attributes: fieldPath('attributes'),
    faceCount: fieldPath('nface'),
    referenceId: fieldPath('reference_id'),
    /** The error envelope: FAIL_ON_n with HTTP 200, the 400/403/500 codes. */
    errorCode: fieldPath('error_code'),
    errorMessage: fieldPath('message'),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    const live = new Set(mapping.liveValues.map((value) => value.toLowerCase()));
    const both = mapping.spoofValues.filter((value) => live.has(value.toLowerCase()));
    if (both.length > 0)
      ctx.addIssue({ code: 'custom', path: ['spoofValues'], message: `labels both live and spoof: ${both.join(', ')}` });
  });
export type VerihubsMapping = z.infer<typeof verihubsMappingSchema>;

export const DEFAULT_VERIHUBS_MAPPING: VerihubsMapping = verihubsMappingSchema.parse({});

// ---------------------------------------------------------------------------------------------
// Reading

/** The value at `path`, following own properties only (a body key "__proto__" reaches nothing). */
export function valueAt(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const name of path.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

export type Flags = Readonly<Record<string, boolean | number>>;

/** What a success body says, in the gateway's terms. */
export interface VerihubsReading {
  readonly live: boolean;
  /** 0–1, higher = more live. */
  readonly score?: number;
  readonly quality?: Flags;
  readonly attributes?: Flags;
  readonly referenceId?: string;
}

export type MappingResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function readProbability(value: unknown, path: string): MappingResult<number | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  // A value outside 0–1 means the mapping reads the wrong field (or a percentage): say so rather than guess.
  if (!Number.isFinite(number) || number < 0 || number > 1)
    return { ok: false, problem: `${path} is not a probability between 0 and 1` };
  return { ok: true, value: number };
}

function readLive(value: unknown, mapping: VerihubsMapping): MappingResult<boolean> {
  const path = mapping.livenessStatus;
  if (typeof value === 'boolean') return { ok: true, value };
  if (typeof value !== 'string') return { ok: false, problem: `${path} is missing or not a label` };
  const label = value.trim().toLowerCase();
  if (mapping.liveValues.some((live) => live.toLowerCase() === label)) return { ok: true, value: true };
  if (mapping.spoofValues.some((spoof) => spoof.toLowerCase() === label)) return { ok: true, value: false };
  return {
    ok: false,
    problem: `${path} is "${value.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}", neither a live nor a spoof label`,
  };
}

/** Boolean and numeric leaves of an object, one level deep; anything else is left out, never fatal. */
function readFlags(value: unknown, extra: Readonly<Record<string, number>> = {}): Flags | undefined {
  const out: Record<string, boolean | number> = {};
  if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) out[key] = item;
    }
  }
  Object.assign(out, extra);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Quality flags, attribute flags (with the face count) and the reference id: present on success and FAIL_ON_n bodies alike. */
export function readExtras(body: unknown, mapping: VerihubsMapping): Omit<VerihubsReading, 'live' | 'score'> {
  const faces = valueAt(body, mapping.faceCount);
  const reference = valueAt(body, mapping.referenceId);
  const quality = readFlags(valueAt(body, mapping.quality));
  const attributes = readFlags(
    valueAt(body, mapping.attributes),
    typeof faces === 'number' && Number.isInteger(faces) ? { faceCount: faces } : {},
  );
  return {
    ...(quality ? { quality } : {}),
    ...(attributes ? { attributes } : {}),
    ...(typeof reference === 'string' && reference.trim() !== '' ? { referenceId: reference.trim().slice(0, 128) } : {}),
  };
}

export function readSuccess(body: unknown, mapping: VerihubsMapping): MappingResult<VerihubsReading> {
  const live = readLive(valueAt(body, mapping.livenessStatus), mapping);
  if (!live.ok) return live;
  const probability = readProbability(valueAt(body, mapping.livenessProbability), mapping.livenessProbability);
  if (!probability.ok) return probability;
  const p = probability.value;
  const score =
    p === undefined
      ? undefined
      : mapping.probabilityOf === 'live'
        ? p
        : mapping.probabilityOf === 'spoof'
          ? 1 - p
          : live.value
            ? p
            : 1 - p;
  return { ok: true, value: { live: live.value, ...(score !== undefined ? { score } : {}), ...readExtras(body, mapping) } };
}

/** The error envelope's code and message, if the body has one. */
export function readError(body: unknown, mapping: VerihubsMapping): { readonly code?: string; readonly message?: string } {
  const code = valueAt(body, mapping.errorCode);
  const message = valueAt(body, mapping.errorMessage);
  return {
    ...(typeof code === 'string' && code.trim() !== '' ? { code: code.trim() } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing (the simulator answers in whatever shape the mapping describes)

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  const last = names.pop() ?? path;
  let current = target;
  for (const name of names) {
    const next = current[name];
    if (isRecord(next)) current = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      current[name] = created;
      current = created;
    }
  }
  current[last] = value;
}

export interface VerihubsBodyValues {
  readonly live?: boolean;
  /** Probability of live, 0–1; written as the mapping's `probabilityOf` asks. */
  readonly liveProbability?: number;
  readonly quality?: Readonly<Record<string, boolean | number>>;
  readonly attributes?: Readonly<Record<string, boolean>>;
  readonly faceCount?: number;
  readonly referenceId?: string;
  readonly errorCode?: string;
  readonly message?: string;
}

export function writeBody(mapping: VerihubsMapping, values: VerihubsBodyValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (values.message !== undefined) setAt(body, mapping.errorMessage, values.message);
  if (values.errorCode !== undefined) setAt(body, mapping.errorCode, values.errorCode);
  if (values.live !== undefined)
    setAt(body, mapping.livenessStatus, values.live ? mapping.liveValues[0] : mapping.spoofValues[0]);
  if (values.liveProbability !== undefined) {
    const p = values.liveProbability;
    const written =
      mapping.probabilityOf === 'live' ? p : mapping.probabilityOf === 'spoof' ? 1 - p : values.live === false ? 1 - p : p;
    setAt(body, mapping.livenessProbability, Math.round(written * 10_000) / 10_000);
  }
  if (values.faceCount !== undefined) setAt(body, mapping.faceCount, values.faceCount);
  if (values.quality !== undefined) setAt(body, mapping.quality, { ...values.quality });
  if (values.attributes !== undefined) setAt(body, mapping.attributes, { ...values.attributes });
  if (values.referenceId !== undefined) setAt(body, mapping.referenceId, values.referenceId);
  return body;
}
