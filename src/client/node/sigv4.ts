// SigV4 for the deployed API's IAM-authorised routes (service `execute-api`), with the standard
// AWS credential chain (environment, profile, SSO, web identity, container, instance metadata).
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import type { RequestSigner } from '../http';

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape the signer expects. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** `https://abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`; undefined for other hosts (custom domains). */
export function regionFromApiUrl(apiUrl: string): string | undefined {
  const host = new URL(apiUrl).hostname;
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

export interface SigV4SignerOptions {
  readonly region: string;
  /** Default `execute-api`. */
  readonly service?: string;
  /** Default: the standard credential chain (`defaultProvider()`). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Default: now. */
  readonly signingDate?: () => Date;
}

export function createSigV4Signer(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    region: options.region,
    service: options.service ?? 'execute-api',
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
  });
  return async (request) => {
    const url = new URL(request.url);
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query,
        // The signature covers the Host header; fetch sends the same value itself.
        headers: { ...request.headers, host: url.host },
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      options.signingDate ? { signingDate: options.signingDate() } : {},
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      // fetch refuses to set Host (a forbidden header) and derives it from the URL.
      if (name.toLowerCase() !== 'host') headers[name] = value;
    }
    return headers;
  };
}
