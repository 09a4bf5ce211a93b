import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  webhookHeaders,
  webhookSecretKey,
  WebhookSecretError,
  type WebhookVerificationReason,
} from '../../../src/events/standard-webhooks';
import { refusal } from './refusal';

// The published test vector of the Standard Webhooks reference libraries.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const OTHER_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

function vectorHeaders(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': VECTOR.signature,
    ...overrides,
  };
}

describe('signWebhook', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const signature = signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] });
    expect(signature).toBe(VECTOR.signature);
  });

  it('signs bytes and the same text alike', () => {
    const fromBytes = signWebhook({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
      body: Buffer.from(VECTOR.body),
      secrets: [VECTOR.secret],
    });
    expect(fromBytes).toBe(VECTOR.signature);
  });

  it('sends one space-separated signature per active secret, current key first', () => {
    const signature = signWebhook({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
      body: VECTOR.body,
      secrets: [VECTOR.secret, OTHER_SECRET],
    });
    const entries = signature.split(' ');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toBe(VECTOR.signature);
    expect(entries[1]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(entries[1]).not.toBe(VECTOR.signature);
  });

  it('puts id, timestamp and signature in the three webhook- headers', () => {
    const headers = webhookHeaders({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] });
    expect(headers).toEqual(vectorHeaders());
  });

  it('refuses an id containing "." (it would make the signed string ambiguous), and no secret at all', () => {
    expect(() => signWebhook({ id: 'evt.1', timestamp: 1, body: '{}', secrets: [VECTOR.secret] })).toThrow(RangeError);
    expect(() => signWebhook({ id: 'evt_1', timestamp: 1, body: '{}', secrets: [] })).toThrow(WebhookSecretError);
  });
});

describe('webhookSecretKey', () => {
  it.for([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['not base64', 'whsec_not base64 at all!!'],
    ['too short (16 bytes)', 'whsec_' + Buffer.alloc(16).toString('base64')],
    ['too long (65 bytes)', 'whsec_' + Buffer.alloc(65).toString('base64')],
  ] as const)('refuses a secret with %s', ([, secret]) => {
    expect(() => webhookSecretKey(secret)).toThrow(WebhookSecretError);
  });

  it('generates secrets of 32 random bytes that sign and verify', () => {
    const secret = generateWebhookSecret();
    expect(webhookSecretKey(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    const headers = webhookHeaders({ id: 'evt_a', timestamp: 1000, body: '{}', secrets: [secret] });
    expect(verifyWebhookSignature(headers, '{}', secret, { now: 1000 })).toEqual({ id: 'evt_a', timestamp: 1000 });
  });
});

describe('verifyWebhookSignature', () => {
  const at = { now: VECTOR.timestamp };

  it('accepts the test vector and returns its id and timestamp', () => {
    expect(verifyWebhookSignature(vectorHeaders(), VECTOR.body, VECTOR.secret, at)).toEqual({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    });
  });

  it('accepts when any one of several signatures matches any one of several secrets', () => {
    const rotated = signWebhook({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
      body: VECTOR.body,
      secrets: [OTHER_SECRET, VECTOR.secret],
    });
    const headers = vectorHeaders({ 'webhook-signature': `v1a,c29tZXRoaW5nIGVsc2U= ${rotated}` });
    expect(refusal(() => verifyWebhookSignature(headers, VECTOR.body, VECTOR.secret, at))).toBe('accepted');
    expect(refusal(() => verifyWebhookSignature(vectorHeaders(), VECTOR.body, [OTHER_SECRET, VECTOR.secret], at))).toBe(
      'accepted',
    );
  });

  it('reads header names in any case, from a record, a Headers object or repeated values', () => {
    const mixedCase = {
      'Webhook-Id': VECTOR.id,
      'WEBHOOK-TIMESTAMP': String(VECTOR.timestamp),
      'webhook-Signature': VECTOR.signature,
    };
    expect(refusal(() => verifyWebhookSignature(mixedCase, VECTOR.body, VECTOR.secret, at))).toBe('accepted');
    const fetchHeaders = new Headers(vectorHeaders() as Record<string, string>);
    expect(refusal(() => verifyWebhookSignature(fetchHeaders, VECTOR.body, VECTOR.secret, at))).toBe('accepted');
    const repeated = { ...vectorHeaders(), 'webhook-signature': [`v1,${Buffer.alloc(32).toString('base64')}`, VECTOR.signature] };
    expect(refusal(() => verifyWebhookSignature(repeated, VECTOR.body, VECTOR.secret, at))).toBe('accepted');
  });

  it.for<[string, () => unknown, WebhookVerificationReason]>([
    [
      'a tampered body',
      () => verifyWebhookSignature(vectorHeaders(), '{"test": 2432232315}', VECTOR.secret, at),
      'INVALID_SIGNATURE',
    ],
    ['a wrong secret', () => verifyWebhookSignature(vectorHeaders(), VECTOR.body, OTHER_SECRET, at), 'INVALID_SIGNATURE'],
    [
      'a changed id',
      () => verifyWebhookSignature(vectorHeaders({ 'webhook-id': 'msg_other' }), VECTOR.body, VECTOR.secret, at),
      'INVALID_SIGNATURE',
    ],
    [
      'a timestamp changed within the tolerance',
      () =>
        verifyWebhookSignature(
          vectorHeaders({ 'webhook-timestamp': String(VECTOR.timestamp + 1) }),
          VECTOR.body,
          VECTOR.secret,
          at,
        ),
      'INVALID_SIGNATURE',
    ],
    [
      'a stale timestamp (5 min 1 s old)',
      () => verifyWebhookSignature(vectorHeaders(), VECTOR.body, VECTOR.secret, { now: VECTOR.timestamp + 301 }),
      'TIMESTAMP_TOO_OLD',
    ],
    [
      'a future timestamp (5 min 1 s ahead)',
      () => verifyWebhookSignature(vectorHeaders(), VECTOR.body, VECTOR.secret, { now: VECTOR.timestamp - 301 }),
      'TIMESTAMP_IN_FUTURE',
    ],
    [
      'a missing webhook-id',
      () => verifyWebhookSignature(vectorHeaders({ 'webhook-id': undefined }), VECTOR.body, VECTOR.secret, at),
      'MISSING_HEADERS',
    ],
    [
      'an empty webhook-signature',
      () => verifyWebhookSignature(vectorHeaders({ 'webhook-signature': '' }), VECTOR.body, VECTOR.secret, at),
      'MISSING_HEADERS',
    ],
    ['no headers at all', () => verifyWebhookSignature({}, VECTOR.body, VECTOR.secret, at), 'MISSING_HEADERS'],
    [
      'a timestamp that is not unix seconds',
      () =>
        verifyWebhookSignature(vectorHeaders({ 'webhook-timestamp': '2021-02-26T00:00:00Z' }), VECTOR.body, VECTOR.secret, at),
      'INVALID_TIMESTAMP',
    ],
    [
      'a signature list without a v1 entry',
      () => verifyWebhookSignature(vectorHeaders({ 'webhook-signature': 'v2,abc v1a,xyz' }), VECTOR.body, VECTOR.secret, at),
      'MALFORMED_SIGNATURE',
    ],
    [
      'a v1 entry that is not a base64 HMAC-SHA256',
      () =>
        verifyWebhookSignature(
          vectorHeaders({ 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt v1,%%%% v1=' }),
          VECTOR.body,
          VECTOR.secret,
          at,
        ),
      'MALFORMED_SIGNATURE',
    ],
    [
      'the bare signature without its v1, prefix',
      () =>
        verifyWebhookSignature(vectorHeaders({ 'webhook-signature': VECTOR.signature.slice(3) }), VECTOR.body, VECTOR.secret, at),
      'MALFORMED_SIGNATURE',
    ],
  ])('refuses %s', ([, act, reason]) => {
    expect(refusal(act)).toBe(reason);
  });

  it('accepts timestamps exactly at the 5-minute edge in both directions', () => {
    expect(
      refusal(() => verifyWebhookSignature(vectorHeaders(), VECTOR.body, VECTOR.secret, { now: VECTOR.timestamp + 300 })),
    ).toBe('accepted');
    expect(
      refusal(() => verifyWebhookSignature(vectorHeaders(), VECTOR.body, VECTOR.secret, { now: VECTOR.timestamp - 300 })),
    ).toBe('accepted');
  });

  it('throws WebhookSecretError, not a verification failure, for a malformed secret of its own', () => {
    expect(() => verifyWebhookSignature(vectorHeaders(), VECTOR.body, 'secret', at)).toThrow(WebhookSecretError);
    expect(() => verifyWebhookSignature(vectorHeaders(), VECTOR.body, [], at)).toThrow(WebhookSecretError);
  });
});

// The README's one-line openssl check, read from the README and run as written against the signer.
const OPENSSL_VERIFY_LINE = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  .split('\n')
  .find((line) => line.includes('| openssl dgst -sha256 -mac HMAC'));

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasOpenssl())('the README openssl line', () => {
  it('is in the README', () => {
    expect(OPENSSL_VERIFY_LINE).toMatch(/^\{ printf/);
  });

  it.for([
    ['the test vector', VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body],
    [
      'an outcome event with a fresh secret',
      generateWebhookSecret(),
      'evt_0123456789abcdef0123456789abcdef',
      1_790_000_000,
      '{"id":"evt_0123456789abcdef0123456789abcdef","type":"check.failed","data":{"reasons":[{"code":"PROVIDER_UNAVAILABLE"}]}}\n',
    ],
  ] as const)('computes the same signature as the signer for %s', async ([, secret, id, timestamp, body]) => {
    const dir = await mkdtemp(join(tmpdir(), 'webhook-openssl-'));
    try {
      await writeFile(join(dir, 'body.json'), body);
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          'sh',
          ['-c', OPENSSL_VERIFY_LINE ?? 'false'],
          {
            cwd: dir,
            env: { PATH: process.env.PATH, WEBHOOK_SECRET: secret, WEBHOOK_ID: id, WEBHOOK_TIMESTAMP: String(timestamp) },
          },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
      });
      expect(`v1,${output.trim()}`).toBe(signWebhook({ id, timestamp, body, secrets: [secret] }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
