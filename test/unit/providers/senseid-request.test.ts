import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { samePartSet } from '../../../src/media/profiles';
import {
  SenseIdRequestError,
  formEncodeBase64,
  senseidAdapter,
  senseidSecretSchema,
  senseidSettingsSchema,
  type SenseIdSecret,
} from '../../../src/providers/senseid/adapter';
import { senseIdDecrypt, senseIdEncrypt } from '../../../src/providers/senseid/crypto';
import { FACE_VIDEO, ID_PHOTO, reference, selfie, video } from './fpt-test-media';

const KEY = '0123456789abcdefghijklmnopqrstuv';
const IV = 'ivIsTwelve!!';
const SECRET: SenseIdSecret = {
  endpoint: 'https://senseid.example:3000/identity/silent_image_verification/stateless',
  aesKey: KEY,
  aesIv: IV,
};
const SETTINGS = senseidSettingsSchema.parse({});

function body(request: { body: unknown }): string {
  if (typeof request.body !== 'string') throw new Error('expected a string body');
  return request.body;
}

/** Decrypts with node:crypto directly, so the test does not trust the adapter's own helper. */
function nodeDecrypt(base64: string, key: string, iv: string): Buffer {
  const sealed = Buffer.from(base64, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'ascii'), Buffer.from(iv, 'ascii'));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

describe('SenseID secret schema', () => {
  it('takes endpoint, a 32-char key, a 12-char IV and an optional auth header value', () => {
    expect(senseidSecretSchema.parse({ ...SECRET, authHeader: 'Bearer xyz' })).toEqual({ ...SECRET, authHeader: 'Bearer xyz' });
    expect(senseidSecretSchema.parse(SECRET)).toEqual(SECRET);
  });

  it.each([
    ['a 31-char key', { aesKey: KEY.slice(1) }, /aesKey must be exactly 32 ASCII characters/],
    ['a 64-char hex key', { aesKey: 'ab'.repeat(32) }, /aesKey must be exactly 32/],
    ['a non-ASCII key', { aesKey: `${KEY.slice(2)}é!` }, /aesKey must be exactly 32/],
    ['an 11-char IV', { aesIv: IV.slice(1) }, /aesIv must be exactly 12 ASCII characters/],
    ['a 24-char hex IV', { aesIv: 'a1'.repeat(12) }, /aesIv must be exactly 12/],
    ['an auth header with a line break', { authHeader: 'Bearer x\r\nX-Evil: 1' }, /authHeader must be a non-empty single-line/],
    ['no endpoint', { endpoint: undefined }, /endpoint/],
  ])('refuses %s with a message that names the rule, never the value', (_label, patch, message) => {
    const candidate = { ...SECRET, ...patch };
    const parsed = senseidSecretSchema.safeParse(candidate);
    expect(parsed.success).toBe(false);
    const text = JSON.stringify(parsed.error?.issues);
    expect(text).toMatch(message);
    for (const value of Object.values(patch)) if (typeof value === 'string') expect(text).not.toContain(value);
  });
});

describe('SenseID settings and profile', () => {
  it('defaults to rotate, occlusion check, no returned images, return_status and a 0.7 threshold', () => {
    expect(SETTINGS).toEqual({
      authHeaderName: 'Authorization',
      autoRotate: true,
      checkQuality: true,
      returnImage: false,
      returnFaceImage: false,
      returnStatus: true,
      verificationThreshold: 0.7,
      noFaceReason: 'REFERENCE_NO_FACE',
    });
    expect(senseidSettingsSchema.safeParse({ verificationThreshold: 1.2 }).success).toBe(false);
    expect(senseidSettingsSchema.safeParse({ authHeaderName: 'bad header' }).success).toBe(false);
    expect(senseidSettingsSchema.safeParse({ unknown: true }).success).toBe(false);
  });

  it('takes exactly video + reference, with the documented limits', () => {
    const { profile } = senseidAdapter;
    expect(profile.partSets).toHaveLength(1);
    expect(samePartSet(profile.partSets[0] ?? [], ['video', 'reference'])).toBe(true);
    expect(profile.limits.video).toEqual({
      kind: 'video',
      formats: ['mp4', 'mov', 'mkv', 'webm'],
      maxBytes: 20 * 1024 * 1024,
      minDurationSeconds: 2,
    });
    expect(profile.limits.reference).toEqual({
      kind: 'image',
      formats: ['jpeg', 'png'],
      maxBytes: 5 * 1024 * 1024,
      minShortSide: 8,
      maxLongSide: 5000,
    });
  });
});

describe('SenseID encryption', () => {
  it('is AES-256-GCM with the key and IV used as ASCII bytes, ciphertext then a 16-byte tag, no AAD', () => {
    const plain = Buffer.from('liveness gateway');
    const sealed = senseIdEncrypt(plain, KEY, IV);
    expect(sealed.length).toBe(plain.length + 16);
    expect(nodeDecrypt(sealed.toString('base64'), KEY, IV).equals(plain)).toBe(true);
    expect(senseIdDecrypt(sealed, KEY, IV).equals(plain)).toBe(true);
  });

  it('matches the vendor defaults round trip and fails the tag under another key or IV', () => {
    const vendorKey = 'dcbbad6765e14139a07d34b92292a672';
    const vendorIv = 'df25d188a061';
    const sealed = senseIdEncrypt(ID_PHOTO, vendorKey, vendorIv);
    expect(nodeDecrypt(sealed.toString('base64'), vendorKey, vendorIv).equals(Buffer.from(ID_PHOTO))).toBe(true);
    expect(() => senseIdDecrypt(sealed, KEY, vendorIv)).toThrow();
    expect(() => senseIdDecrypt(sealed, vendorKey, IV)).toThrow();
  });
});

describe('SenseID request builder', () => {
  it('posts a urlencoded form with both files encrypted, Base64, percent-encoded, and the flags', () => {
    const request = senseidAdapter.buildRequest([video(), reference()], SECRET, SETTINGS);
    expect(request).toMatchObject({
      url: SECRET.endpoint,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const text = body(request);
    // Percent-encoded Base64 leaves no raw + / = inside values; only the separators remain.
    expect(text).toMatch(/^[A-Za-z0-9%_&=]+$/);
    const form = new URLSearchParams(text);
    expect([...form.keys()]).toEqual([
      'encrypted_video',
      'encrypted_image',
      'auto_rotate',
      'check_quality',
      'return_image',
      'return_face_image',
      'return_status',
    ]);
    expect(Object.fromEntries([...form.entries()].filter(([name]) => !name.startsWith('encrypted_')))).toEqual({
      auto_rotate: 'true',
      check_quality: 'true',
      return_image: 'false',
      return_face_image: 'false',
      return_status: 'true',
    });
    expect(nodeDecrypt(form.get('encrypted_video') ?? '', KEY, IV).equals(Buffer.from(FACE_VIDEO))).toBe(true);
    expect(nodeDecrypt(form.get('encrypted_image') ?? '', KEY, IV).equals(Buffer.from(ID_PHOTO))).toBe(true);
  });

  it('percent-encodes exactly what URLSearchParams would', () => {
    const base64 = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x01]).toString('base64');
    expect(base64).toMatch(/[+/=]/);
    expect(`v=${formEncodeBase64(base64)}`).toBe(new URLSearchParams({ v: base64 }).toString());
  });

  it('sends the auth header only when the secret has one, under the configured name', () => {
    const without = senseidAdapter.buildRequest([video(), reference()], SECRET, SETTINGS);
    expect(Object.keys(without.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
    const settings = senseidSettingsSchema.parse({ authHeaderName: 'X-Proxy-Auth' });
    const withAuth = senseidAdapter.buildRequest([video(), reference()], { ...SECRET, authHeader: 'Bearer xyz' }, settings);
    expect(withAuth.headers['X-Proxy-Auth']).toBe('Bearer xyz');
  });

  it('writes booleans from the settings', () => {
    const settings = senseidSettingsSchema.parse({
      autoRotate: false,
      checkQuality: false,
      returnImage: true,
      returnFaceImage: true,
      returnStatus: false,
    });
    const form = new URLSearchParams(body(senseidAdapter.buildRequest([video(), reference()], SECRET, settings)));
    expect([
      form.get('auto_rotate'),
      form.get('check_quality'),
      form.get('return_image'),
      form.get('return_face_image'),
      form.get('return_status'),
    ]).toEqual(['false', 'false', 'true', 'true', 'false']);
  });

  it('keeps sizes and flags in the audit summary, never the key, IV, auth value or media', () => {
    const request = senseidAdapter.buildRequest(
      [video(), reference()],
      { ...SECRET, authHeader: 'Bearer very-secret' },
      SETTINGS,
    );
    expect(request.auditSummary).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      authHeader: 'Authorization',
      fields: [
        { name: 'encrypted_video', plainBytes: FACE_VIDEO.byteLength, sentChars: expect.any(Number) },
        { name: 'encrypted_image', plainBytes: ID_PHOTO.byteLength, sentChars: expect.any(Number) },
      ],
    });
    const summary = JSON.stringify(request.auditSummary);
    for (const secret of [KEY, IV, 'very-secret']) expect(summary).not.toContain(secret);
    expect(summary.length).toBeLessThan(1000);
  });

  it('refuses anything but one video and one reference with a typed error', () => {
    expect(() => senseidAdapter.buildRequest([video()], SECRET, SETTINGS)).toThrow(SenseIdRequestError);
    expect(() => senseidAdapter.buildRequest([selfie(), reference()], SECRET, SETTINGS)).toThrow(SenseIdRequestError);
    expect(() => senseidAdapter.buildRequest([video(), video(), reference()], SECRET, SETTINGS)).toThrow(SenseIdRequestError);
  });
});
