// The contract every liveness provider adapter implements. One provider = one folder under
// src/providers/<id>/ with its request builder, response parser, code table and simulator.
import type * as z from 'zod';
import type { CheckResult, ProviderId } from '../core/check';
import type { JudgedPart } from '../core/ports';
import type { Reason } from '../core/reasons';
import type { ProviderProfile } from '../media/profiles';
import type { LocalProviderKit } from './local-kit';

/** One uploaded part, read whole, ready to send (the domain's JudgedPart). */
export type ProviderMedia = JudgedPart;

export interface ProviderHttpRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array<ArrayBuffer> | string | FormData;
  /** What the audit trail may keep about this request: field names, sizes, flags. Never media or secrets. */
  readonly auditSummary: Readonly<Record<string, unknown>>;
}

export interface ProviderHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
}

/** The provider answered about the person (any decision), or no answer could be had. */
export type ProviderVerdict =
  | { readonly kind: 'answer'; readonly result: CheckResult }
  | { readonly kind: 'failure'; readonly reason: Reason; readonly retryable: boolean };

export interface ProviderAdapter<Secret = unknown, Settings = unknown> {
  readonly id: ProviderId;
  /** Shape of the provider's Secrets Manager secret (JSON). */
  readonly secretSchema: z.ZodType<Secret>;
  /** The secret's JSON shape as the operator reads it (stack description, README), e.g. `{"apiKey": "..."}`. */
  readonly secretExample: string;
  /** How the local stack runs this provider: its simulator and its secret from environment variables. */
  readonly local: LocalProviderKit;
  /** Provider-specific, non-secret settings from configuration (flags, thresholds), with defaults. */
  readonly settingsSchema: z.ZodType<Settings>;
  /** Parts it takes, and the default media limits the checker applies before calling it. */
  readonly profile: ProviderProfile;
  buildRequest(media: readonly ProviderMedia[], secret: Secret, settings: Settings): ProviderHttpRequest;
  parseResponse(response: ProviderHttpResponse, settings: Settings): ProviderVerdict;
  /** Removes from a raw response body anything that must not reach the audit (e.g. returned images). */
  redactResponseBody(bodyText: string): string;
}

/**
 * An adapter with its secret and settings types erased, so the adapters of different providers
 * share one list. Made only by defineProvider.
 */
export type AnyProviderAdapter = ProviderAdapter<unknown, unknown>;

/**
 * Registers an adapter. The erased adapter is called only with a secret and settings its own
 * schemas produced (the registry parses settings, the judge parses the secret), which is what
 * makes the narrowing below sound.
 */
export function defineProvider<Secret, Settings>(adapter: ProviderAdapter<Secret, Settings>): AnyProviderAdapter {
  return {
    id: adapter.id,
    secretSchema: adapter.secretSchema,
    settingsSchema: adapter.settingsSchema,
    profile: adapter.profile,
    secretExample: adapter.secretExample,
    local: adapter.local,
    buildRequest: (media, secret, settings) => adapter.buildRequest(media, secret as Secret, settings as Settings),
    parseResponse: (response, settings) => adapter.parseResponse(response, settings as Settings),
    redactResponseBody: (bodyText) => adapter.redactResponseBody(bodyText),
  };
}
