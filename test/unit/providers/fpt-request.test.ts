import { describe, expect, it } from 'vitest';
import { samePartSet } from '../../../src/media/profiles';
import {
  FPT_DEFAULT_ENDPOINT,
  FptRequestError,
  fptAdapter,
  fptSecretSchema,
  fptSettingsSchema,
  type FptSecret,
} from '../../../src/providers/fpt/adapter';
import { FACE_VIDEO, ID_PHOTO, media, reference, selfie, video } from './fpt-test-media';

const SECRET: FptSecret = { apiKey: 'secret-key-123', endpoint: 'https://fpt.example/dmp/liveness/v3' };
const SETTINGS = fptSettingsSchema.parse({});

function form(body: unknown): FormData {
  if (!(body instanceof FormData)) throw new Error('expected a FormData body');
  return body;
}

function file(data: FormData, field: string): File {
  const value = data.get(field);
  if (!(value instanceof File)) throw new Error(`expected a file in ${field}`);
  return value;
}

describe('FPT secret and settings schemas', () => {
  it('defaults the endpoint to the public FPT URL', () => {
    expect(fptSecretSchema.parse({ apiKey: 'k' })).toEqual({ apiKey: 'k', endpoint: FPT_DEFAULT_ENDPOINT });
  });

  it('rejects an empty key and an endpoint that is not an http(s) URL', () => {
    expect(fptSecretSchema.safeParse({ apiKey: '' }).success).toBe(false);
    expect(fptSecretSchema.safeParse({ apiKey: 'k', endpoint: 'ftp://fpt.example/x' }).success).toBe(false);
    expect(fptSecretSchema.safeParse({ apiKey: 'k', endpoint: 'not a url' }).success).toBe(false);
  });

  it('parses empty settings to defaults and refuses unknown keys', () => {
    expect(fptSettingsSchema.parse({})).toEqual({
      authHeaderName: 'api-key',
      responseFormat: 'native',
      needToReviewOverridesFail: true,
    });
    expect(fptSettingsSchema.safeParse({ authHeader: 'x' }).success).toBe(false);
    expect(fptSettingsSchema.safeParse({ authHeaderName: 'bad header' }).success).toBe(false);
  });
});

describe('FPT profile', () => {
  it('takes a video or a selfie, each with an optional reference, defaulting to video + reference', () => {
    const { profile } = fptAdapter;
    expect(profile.partSets.map((set) => [...set].sort())).toEqual([
      ['video'],
      ['reference', 'video'],
      ['selfie'],
      ['reference', 'selfie'],
    ]);
    expect(samePartSet(profile.defaultParts, ['video', 'reference'])).toBe(true);
    expect(profile.limits.video).toMatchObject({
      kind: 'video',
      formats: ['mp4', 'mov', 'mkv', 'webm'],
      maxBytes: 10 * 1024 * 1024,
      minLongSide: 800,
      minShortSide: 600,
      minDurationSeconds: 5,
      maxDurationSeconds: 10,
    });
    for (const part of ['selfie', 'reference'] as const) {
      expect(profile.limits[part]).toMatchObject({
        kind: 'image',
        formats: ['jpeg', 'png'],
        maxBytes: 5 * 1024 * 1024,
        minLongSide: 800,
        minShortSide: 600,
      });
    }
  });
});

describe('FPT request builder', () => {
  it('sends the video as "video" and the reference as "cmnd", named by their detected format, with the api-key header', async () => {
    const request = fptAdapter.buildRequest([video(), reference()], SECRET, SETTINGS);

    expect(request.method).toBe('POST');
    expect(request.url).toBe(SECRET.endpoint);
    expect(request.headers['api-key']).toBe(SECRET.apiKey);
    expect(Object.keys(request.headers).map((h) => h.toLowerCase())).not.toContain('content-type');
    const data = form(request.body);
    expect([...data.keys()]).toEqual(['video', 'cmnd']);
    const videoFile = file(data, 'video');
    expect(videoFile.name).toBe('video.mp4');
    expect(videoFile.type).toBe('video/mp4');
    expect(Buffer.from(await videoFile.arrayBuffer()).equals(FACE_VIDEO)).toBe(true);
    const cmnd = file(data, 'cmnd');
    expect(cmnd.name).toBe('cmnd.jpg');
    expect(cmnd.size).toBe(ID_PHOTO.byteLength);
  });

  it.each([
    ['mov', 'video.mov'],
    ['mkv', 'video.mkv'],
    ['webm', 'video.webm'],
  ] as const)('names a %s video %s, because FPT checks the filename extension', (container, filename) => {
    const request = fptAdapter.buildRequest([media('video', FACE_VIDEO, container)], SECRET, SETTINGS);
    expect(file(form(request.body), 'video').name).toBe(filename);
  });

  it('sends a selfie as "selfies" named selfie.<ext> and no video', () => {
    const jpeg = form(fptAdapter.buildRequest([selfie()], SECRET, SETTINGS).body);
    expect([...jpeg.keys()]).toEqual(['selfies']);
    expect(file(jpeg, 'selfies').name).toBe('selfie.jpg');
    const png = form(fptAdapter.buildRequest([media('selfie', ID_PHOTO, 'png')], SECRET, SETTINGS).body);
    expect(file(png, 'selfies').name).toBe('selfie.png');
  });

  it('asks for the flat shape with ?v2_format=1 and uses a configured auth header name', () => {
    const settings = fptSettingsSchema.parse({ responseFormat: 'flat', authHeaderName: 'api_key' });
    const request = fptAdapter.buildRequest([video()], SECRET, settings);
    expect(new URL(request.url).searchParams.get('v2_format')).toBe('1');
    expect(request.headers).toMatchObject({ api_key: SECRET.apiKey });
    expect(request.headers['api-key']).toBeUndefined();
  });

  it('keeps only field names, filenames, types and sizes in the audit summary, never bytes or the key', () => {
    const request = fptAdapter.buildRequest([video(), reference()], SECRET, SETTINGS);
    expect(request.auditSummary).toEqual({
      contentType: 'multipart/form-data',
      authHeader: 'api-key',
      responseFormat: 'native',
      fields: [
        { name: 'video', filename: 'video.mp4', contentType: 'video/mp4', bytes: FACE_VIDEO.byteLength },
        { name: 'cmnd', filename: 'cmnd.jpg', contentType: 'image/jpeg', bytes: ID_PHOTO.byteLength },
      ],
    });
    expect(JSON.stringify(request.auditSummary)).not.toContain(SECRET.apiKey);
  });

  it('refuses media it cannot name or combine, with a typed error', () => {
    const unknown = { part: 'video', bytes: FACE_VIDEO, facts: { part: 'video', bytes: FACE_VIDEO.byteLength } } as const;
    expect(() => fptAdapter.buildRequest([unknown], SECRET, SETTINGS)).toThrow(FptRequestError);
    expect(() => fptAdapter.buildRequest([video(), selfie()], SECRET, SETTINGS)).toThrow(FptRequestError);
    expect(() => fptAdapter.buildRequest([reference()], SECRET, SETTINGS)).toThrow(FptRequestError);
  });
});
