// The session an operator's backend hands the page: its create response (upload forms, poll
// token, parts, limits), plus where the API is. It arrives in the URL fragment
// (`#session=<base64url JSON>`, which browsers never send to a server) or through the JS API.
import * as z from 'zod';
import { consentSchema, partNameSchema, uploadInstructionsSchema } from '../../src/core/api-schemas';
import { PART_NAMES, type PartName } from '../../src/core/check';
import { GatewayError } from '../../src/core/errors';
import type { PictureRule } from './capture-plan';

const pictureRuleSchema = z
  .object({
    minLongSide: z.number().positive(),
    minShortSide: z.number().positive(),
    maxLongSide: z.number().positive(),
    minDurationSeconds: z.number().nonnegative(),
    maxDurationSeconds: z.number().positive(),
  })
  .partial();

export const captureSessionSchema = z.object({
  checkId: z.string().min(1).max(64),
  pollToken: z.string().min(1),
  uploads: z.partialRecord(partNameSchema, uploadInstructionsSchema),
  provider: z.string().optional(),
  parts: z.array(partNameSchema).optional(),
  expiresAt: z.string().optional(),
  /** The API's base URL (for the poll route). Default: the page's own origin. */
  apiUrl: z.url().optional(),
  /** The consent the backend recorded with the check, when it did. */
  consent: consentSchema.optional(),
  /** Picture size and duration limits, when the deployment changed the provider defaults. */
  limits: z.partialRecord(partNameSchema, pictureRuleSchema).optional(),
});

export type CaptureSessionInput = z.input<typeof captureSessionSchema>;

export interface CaptureSession {
  readonly apiUrl: string;
  readonly checkId: string;
  readonly pollToken: string;
  readonly uploads: z.infer<typeof captureSessionSchema>['uploads'];
  readonly provider?: string;
  /** In upload order: the live part first, then the reference. */
  readonly parts: readonly PartName[];
  readonly expiresAt?: string;
  readonly limits: Partial<Record<PartName, PictureRule>>;
}

/** A session that cannot be used; the user is told the link is not valid, never why. */
export class SessionError extends GatewayError {}

export function parseSession(value: unknown, defaultApiUrl: string): CaptureSession {
  const parsed = captureSessionSchema.safeParse(value);
  if (!parsed.success) throw new SessionError(`not a capture session: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const session = parsed.data;
  const parts = PART_NAMES.filter((part) => session.uploads[part] !== undefined);
  if (parts.length === 0) throw new SessionError('the session has no upload forms');
  if (session.parts && !(session.parts.length === parts.length && session.parts.every((part) => parts.includes(part))))
    throw new SessionError('the session parts and its upload forms differ');
  return {
    apiUrl: (session.apiUrl ?? defaultApiUrl).replace(/\/+$/, ''),
    checkId: session.checkId,
    pollToken: session.pollToken,
    uploads: session.uploads,
    parts,
    limits: session.limits ?? {},
    ...(session.provider !== undefined ? { provider: session.provider } : {}),
    ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}),
  };
}

/** base64url (RFC 4648 §5, padding optional) of UTF-8 JSON → the value. */
export function decodeSessionParam(text: string): unknown {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  let binary: string;
  try {
    binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  } catch {
    throw new SessionError('the session is not base64url');
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new SessionError('the session is not JSON');
  }
}

/** The value of `session=` in a fragment such as `#session=…&lang=vi`. */
export function sessionParamOf(hash: string): string | undefined {
  return new URLSearchParams(hash.replace(/^#/, '')).get('session') ?? undefined;
}
