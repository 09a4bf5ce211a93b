// The contract every liveness provider adapter implements. One provider = one folder under
// src/providers/<id>/ with its request builder, response parser, code table and simulator.
import type * as z from 'zod';
import type { CheckResult, MediaFacts, PartName, ProviderId } from '../core/check';
import type { Reason } from '../core/reasons';
import type { ProviderProfile } from '../media/profiles';

/** One uploaded part, read whole, ready to send. */
export interface ProviderMedia {
  readonly part: PartName;
  readonly bytes: Uint8Array;
  readonly facts: MediaFacts;
}

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
  /** Provider-specific, non-secret settings from configuration (flags, thresholds), with defaults. */
  readonly settingsSchema: z.ZodType<Settings>;
  /** Parts it takes, and the default media limits the checker applies before calling it. */
  readonly profile: ProviderProfile;
  buildRequest(media: readonly ProviderMedia[], secret: Secret, settings: Settings): ProviderHttpRequest;
  parseResponse(response: ProviderHttpResponse, settings: Settings): ProviderVerdict;
  /** Removes from a raw response body anything that must not reach the audit (e.g. returned images). */
  redactResponseBody(bodyText: string): string;
}

/** Secret + settings resolved for one call; the registry hands these to the pipeline. */
export interface ResolvedProvider {
  readonly adapter: ProviderAdapter;
  readonly secretId: string;
  readonly settings: unknown;
}
