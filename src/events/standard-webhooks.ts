// Standard Webhooks 1.0, symmetric scheme: `webhook-signature: v1,<base64 HMAC-SHA256 of
// "{webhook-id}.{webhook-timestamp}.{raw body}">`, keyed with the base64-decoded part of a
// `whsec_…` secret. Signing and verifying live together so the gateway, the Node client and the
// CLI receiver apply exactly the same rules. Only node:crypto: the Node client re-exports this.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../core/errors';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** How far `webhook-timestamp` may be from the receiver's clock, either way, against replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SIGNATURE_BYTES = 32;
// The spec's bounds for a symmetric key: 24 to 64 bytes.
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class WebhookSecretError extends GatewayError {}

export type WebhookVerificationReason =
  | 'MISSING_HEADERS'
  | 'INVALID_TIMESTAMP'
  | 'TIMESTAMP_TOO_OLD'
  | 'TIMESTAMP_IN_FUTURE'
  | 'MALFORMED_SIGNATURE'
  | 'INVALID_SIGNATURE'
  | 'INVALID_PAYLOAD';

/** A webhook that must not be trusted; `reason` says which check refused it. */
export class WebhookVerificationError extends GatewayError {
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The key bytes of a `whsec_<base64>` secret. */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : undefined;
  if (encoded === undefined || !BASE64.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretError('a webhook secret is "whsec_" followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(
      `a webhook secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, this one ${key.length}`,
    );
  }
  return key;
}

/** A fresh random secret (32 bytes). */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export type WebhookBody = string | Uint8Array;

export interface SignWebhookInput {
  readonly id: string;
  /** Unix seconds of this attempt (a retry gets a new timestamp, the same id). */
  readonly timestamp: number;
  readonly body: WebhookBody;
  /** Every active secret signs; during a rotation receivers may hold either. */
  readonly secrets: readonly string[];
}

function hmac(key: Buffer, id: string, timestamp: string, body: WebhookBody): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` value: one `v1,<base64>` per secret, space-separated. */
export function signWebhook(input: SignWebhookInput): string {
  if (input.secrets.length === 0) throw new WebhookSecretError('no webhook secret to sign with');
  // The spec forbids '.' in the signed metadata: it would make "{id}.{ts}.{body}" ambiguous.
  if (input.id.includes('.') || input.id.length === 0) throw new RangeError('a webhook id is non-empty and has no "."');
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) throw new RangeError('a webhook timestamp is unix seconds');
  const timestamp = String(input.timestamp);
  return input.secrets
    .map((secret) => `v1,${hmac(webhookSecretKey(secret), input.id, timestamp, input.body).toString('base64')}`)
    .join(' ');
}

// A type, not an interface, so it also passes as a plain header record.
export type WebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

export function webhookHeaders(input: SignWebhookInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(input),
  };
}

/** Node's IncomingHttpHeaders, a fetch `Headers`, or a plain record (names in any case). */
export type HeadersLike = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(' ') : (value as string | undefined);
}

export interface VerifyWebhookOptions {
  /** Unix seconds to compare the timestamp with (default: now). */
  readonly now?: number;
  readonly toleranceSeconds?: number;
}

export interface VerifiedWebhook {
  readonly id: string;
  readonly timestamp: number;
}

/**
 * Checks a delivery's headers and raw body (the bytes as received: re-serialized JSON does not
 * verify) against one or more secrets. Throws WebhookVerificationError, or WebhookSecretError
 * when a secret itself is malformed.
 */
export function verifyWebhookSignature(
  headers: HeadersLike,
  rawBody: WebhookBody,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const keys = (typeof secret === 'string' ? [secret] : secret).map(webhookSecretKey);
  if (keys.length === 0) throw new WebhookSecretError('no webhook secret to verify with');

  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  const missing = [
    ['webhook-id', id],
    ['webhook-timestamp', timestampText],
    ['webhook-signature', signatures],
  ]
    .filter(([, value]) => value === undefined || value === '')
    .map(([name]) => name);
  if (missing.length > 0 || id === undefined || timestampText === undefined || signatures === undefined) {
    throw new WebhookVerificationError('MISSING_HEADERS', `missing header: ${missing.join(', ')}`);
  }

  if (!/^\d{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError('INVALID_TIMESTAMP', 'webhook-timestamp is not unix seconds');
  }
  const timestamp = Number(timestampText);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) {
    throw new WebhookVerificationError('TIMESTAMP_TOO_OLD', `webhook-timestamp is more than ${tolerance} s old`);
  }
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError('TIMESTAMP_IN_FUTURE', `webhook-timestamp is more than ${tolerance} s in the future`);
  }

  // Entries of other schemes (v1a, later versions) are skipped, as the spec asks; a v1 entry must
  // decode to exactly one HMAC-SHA256.
  const candidates = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3))
    .filter((value) => BASE64.test(value) && value.length % 4 === 0)
    .map((value) => Buffer.from(value, 'base64'))
    .filter((bytes) => bytes.length === SIGNATURE_BYTES);
  if (candidates.length === 0) {
    throw new WebhookVerificationError('MALFORMED_SIGNATURE', 'webhook-signature holds no "v1,<base64 HMAC-SHA256>" entry');
  }

  const expected = keys.map((key) => hmac(key, id, timestampText, rawBody));
  // Every pair is compared (no early exit), in constant time per pair.
  let matched = false;
  for (const candidate of candidates) {
    for (const digest of expected) {
      if (timingSafeEqual(candidate, digest)) matched = true;
    }
  }
  if (!matched) throw new WebhookVerificationError('INVALID_SIGNATURE', 'no signature matches the body and a known secret');
  return { id, timestamp };
}
