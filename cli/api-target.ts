// Which API the CLI's commands call and how: --api, else LIVENESS_API, else the local stack;
// a non-loopback URL is signed with SigV4 (region from an execute-api URL, else AWS_REGION).
import { createSigV4Signer, regionFromApiUrl, type RequestSigner } from '../src/client/node';
import { UsageError } from './args';

const DEFAULT_API = 'http://127.0.0.1:3000';

/** The API base URL without a trailing slash; a UsageError when it is not an http(s) URL. */
export function apiUrlOption(value: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const given = value ?? (env.LIVENESS_API || DEFAULT_API);
  // The message names where the bad value came from.
  const source = value !== undefined ? '--api' : env.LIVENESS_API ? 'LIVENESS_API' : 'the default API';
  let api: URL;
  try {
    api = new URL(given);
  } catch {
    throw new UsageError(`${source} is not a URL: "${given}"`);
  }
  if (api.protocol !== 'http:' && api.protocol !== 'https:') throw new UsageError(`${source} must be http(s), got "${given}"`);
  return api.href.replace(/\/+$/, '');
}

function isLoopback(apiUrl: string): boolean {
  const host = new URL(apiUrl).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A SigV4 signer for a deployed API; none for the local stack. */
export function signerFor(apiUrl: string, env: Readonly<Record<string, string | undefined>>): RequestSigner | undefined {
  if (isLoopback(apiUrl)) return undefined;
  const region = regionFromApiUrl(apiUrl) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) throw new UsageError(`cannot tell the region of ${apiUrl}: set AWS_REGION`);
  return createSigV4Signer({ region });
}
