import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/core/config';
import { ConfigurationError } from '../../../src/core/errors';
import { buildProviderRegistry } from '../../../src/providers/registry';
import {
  VERIHUBS_DEFAULT_ENDPOINT,
  VerihubsRequestError,
  verihubsAdapter,
  verihubsSecretSchema,
  verihubsSettingsSchema,
  type VerihubsSecret,
} from '../../../src/providers/verihubs/adapter';
import { DEFAULT_VERIHUBS_MAPPING } from '../../../src/providers/verihubs/response-mapping';
import { ID_PHOTO, media, reference, selfie, video } from './fpt-test-media';

const SECRET: VerihubsSecret = { appId: 'app-123', apiKey: 'key-456', endpoint: 'https://verihubs.example/v1/face/liveness' };
const SETTINGS = verihubsSettingsSchema.parse({});

function json(request: { body: unknown }): Record<string, unknown> {
  if (typeof request.body !== 'string') throw new Error('expected a string body');
  return JSON.parse(request.body) as Record<string, unknown>;
}

describe('Verihubs secret and settings', () => {
  it('defaults the endpoint to the public URL and refuses empty or multi-line credentials without echoing them', () => {
    expect(verihubsSecretSchema.parse({ appId: 'a', apiKey: 'k' })).toEqual({
      appId: 'a',
      apiKey: 'k',
      endpoint: VERIHUBS_DEFAULT_ENDPOINT,
    });
    for (const bad of [{ appId: '', apiKey: 'k' }, { appId: 'a', apiKey: 'line\nbreak-secret' }, { appId: 'a' }]) {
      const parsed = verihubsSecretSchema.safeParse(bad);
      expect(parsed.success).toBe(false);
      expect(JSON.stringify(parsed.error?.issues)).not.toContain('break-secret');
    }
  });

  it('defaults the flags as the vendor does and the mapping to its documented defaults', () => {
    expect(SETTINGS).toEqual({
      isQuality: true,
      isAttribute: true,
      validateQuality: false,
      validateAttribute: false,
      validateNface: false,
      responseMapping: DEFAULT_VERIHUBS_MAPPING,
    });
  });

  it.each([
    [{ validateQuality: true, isQuality: false }, /validateQuality needs isQuality/],
    [{ validateAttribute: true, isAttribute: false }, /validateAttribute needs isAttribute/],
  ])('refuses %j, the flag dependency the API enforces', (settings, message) => {
    const parsed = verihubsSettingsSchema.safeParse(settings);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.message).toMatch(message);
  });

  it('turns a refused dependency into a ConfigurationError at cold start', () => {
    const config = parseGatewayConfig({
      checksTable: 'c',
      auditTable: 'a',
      mediaBucket: 'm',
      defaultProvider: 'verihubs',
      providers: { verihubs: { secretId: 's', settings: { validateQuality: true, isQuality: false } } },
    });
    expect(() => buildProviderRegistry(config)).toThrow(ConfigurationError);
  });

  it('takes one selfie, JPEG or PNG up to 5 MiB', () => {
    expect(verihubsAdapter.profile).toEqual({
      partSets: [['selfie']],
      defaultParts: ['selfie'],
      limits: { selfie: { kind: 'image', formats: ['jpeg', 'png'], maxBytes: 5 * 1024 * 1024 } },
    });
  });
});

describe('Verihubs request builder', () => {
  it('posts JSON with the selfie as plain Base64 and the flags, with App-ID and API-Key headers', () => {
    const request = verihubsAdapter.buildRequest([selfie()], SECRET, SETTINGS);
    expect(request).toMatchObject({
      url: SECRET.endpoint,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'App-ID': 'app-123', 'API-Key': 'key-456' },
    });
    const body = json(request);
    expect(Object.keys(body)).toEqual([
      'image',
      'is_quality',
      'is_attribute',
      'validate_quality',
      'validate_attribute',
      'validate_nface',
    ]);
    expect(body.image).not.toMatch(/^data:/);
    expect(Buffer.from(String(body.image), 'base64').equals(Buffer.from(ID_PHOTO))).toBe(true);
    expect(body).toMatchObject({
      is_quality: true,
      is_attribute: true,
      validate_quality: false,
      validate_attribute: false,
      validate_nface: false,
    });
  });

  it('writes the flags from the settings', () => {
    const settings = verihubsSettingsSchema.parse({ validateQuality: true, validateAttribute: true, validateNface: true });
    expect(json(verihubsAdapter.buildRequest([selfie()], SECRET, settings))).toMatchObject({
      validate_quality: true,
      validate_attribute: true,
      validate_nface: true,
    });
  });

  it('encodes a selfie that is a view into a larger buffer, not the whole buffer', () => {
    const padded = new Uint8Array(ID_PHOTO.byteLength + 20);
    padded.set(ID_PHOTO, 10);
    const view = padded.subarray(10, 10 + ID_PHOTO.byteLength);
    const body = json(verihubsAdapter.buildRequest([media('selfie', view, 'jpeg')], SECRET, SETTINGS));
    expect(Buffer.from(String(body.image), 'base64').equals(Buffer.from(ID_PHOTO))).toBe(true);
  });

  it('keeps sizes and flags in the audit summary, never the credentials or the image', () => {
    const request = verihubsAdapter.buildRequest([selfie()], SECRET, SETTINGS);
    expect(request.auditSummary).toMatchObject({
      contentType: 'application/json',
      authHeaders: ['App-ID', 'API-Key'],
      fields: [{ name: 'image', encoding: 'base64', plainBytes: ID_PHOTO.byteLength, format: 'jpeg' }],
    });
    const summary = JSON.stringify(request.auditSummary);
    expect(summary).not.toContain('app-123');
    expect(summary).not.toContain('key-456');
    expect(summary.length).toBeLessThan(600);
  });

  it('refuses anything but exactly one selfie with a typed error', () => {
    expect(() => verihubsAdapter.buildRequest([video()], SECRET, SETTINGS)).toThrow(VerihubsRequestError);
    expect(() => verihubsAdapter.buildRequest([selfie(), reference()], SECRET, SETTINGS)).toThrow(VerihubsRequestError);
    expect(() => verihubsAdapter.buildRequest([], SECRET, SETTINGS)).toThrow(VerihubsRequestError);
  });
});
