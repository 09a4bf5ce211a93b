// Sends an adapter's request over real HTTP and reads the answer back with the same adapter.
import type { ProviderAdapter, ProviderHttpRequest, ProviderVerdict } from '../../../src/providers/provider';

export interface Sent {
  readonly status: number;
  /** The body as JSON when it parses, else the raw text. */
  readonly body: unknown;
  readonly verdict: ProviderVerdict;
}

export async function sendToSimulator<S>(adapter: ProviderAdapter<unknown, S>, request: ProviderHttpRequest, settings: S): Promise<Sent> {
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const bodyText = await res.text();
  const verdict = adapter.parseResponse({ status: res.status, headers: Object.fromEntries(res.headers.entries()), bodyText }, settings);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = bodyText;
  }
  return { status: res.status, body, verdict };
}
