// Helpers shared by the provider tests: send a request to a simulator, and read verdicts as one line.
import type { CheckResult } from '../../../src/core/check';
import type { ProviderAdapter, ProviderHttpRequest, ProviderVerdict } from '../../../src/providers/provider';

export interface Sent {
  readonly status: number;
  /** The body as JSON when it parses, else the raw text. */
  readonly body: unknown;
  readonly verdict: ProviderVerdict;
}

export async function sendToSimulator<S>(
  adapter: ProviderAdapter<unknown, S>,
  request: ProviderHttpRequest,
  settings: S,
): Promise<Sent> {
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const bodyText = await res.text();
  const verdict = adapter.parseResponse(
    { status: res.status, headers: Object.fromEntries(res.headers.entries()), bodyText },
    settings,
  );
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = bodyText;
  }
  return { status: res.status, body, verdict };
}

/**
 * A verdict as one line for table-driven assertions, e.g. "RETRY MULTIPLE_FACES" or
 * "FAILED PROVIDER_UNAVAILABLE" (with " (retryable)" when asked to show it).
 */
export function outcome(verdict: ProviderVerdict, options: { showRetryable?: boolean } = {}): string {
  if (verdict.kind === 'answer') return [verdict.result.decision, ...verdict.result.reasons.map((r) => r.code)].join(' ');
  return `FAILED ${verdict.reason.code}${options.showRetryable && verdict.retryable ? ' (retryable)' : ''}`;
}

export function resultOf(verdict: ProviderVerdict): CheckResult {
  if (verdict.kind !== 'answer') throw new Error(`expected an answer, got ${verdict.reason.code}`);
  return verdict.result;
}
