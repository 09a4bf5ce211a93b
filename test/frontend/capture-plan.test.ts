// What the page refuses on the device before any upload, and the session a backend hands it.
import { describe, expect, it } from 'vitest';
import type { PartName } from '../../src/core/check';
import type { ProviderProfile } from '../../src/media/profiles';
import { fptProfile } from '../../src/providers/fpt/adapter';
import { senseidProfile } from '../../src/providers/senseid/adapter';
import { verihubsProfile } from '../../src/providers/verihubs/adapter';
import { checkMedia, partRule, PROVIDER_PICTURE_RULES, recordSeconds } from '../../web/app/capture-plan';
import { decodeSessionParam, parseSession, sessionParamOf, SessionError } from '../../web/app/session';

const MB = 1024 * 1024;
const VIDEO_FORM = { maxBytes: 10 * MB, contentTypes: ['video/mp4', 'video/webm'] };
const fptVideo = partRule('video', VIDEO_FORM, 'fpt', undefined);

describe('checks on the device', () => {
  it('keeps the page’s picture and duration rules equal to the providers’ profiles', () => {
    const profiles: Record<string, ProviderProfile> = { fpt: fptProfile, senseid: senseidProfile, verihubs: verihubsProfile };
    for (const [provider, profile] of Object.entries(profiles)) {
      for (const [part, limits] of Object.entries(profile.limits) as [
        PartName,
        NonNullable<ProviderProfile['limits'][PartName]>,
      ][]) {
        const { kind: _kind, formats: _formats, maxBytes: _maxBytes, ...picture } = limits;
        expect({ provider, part, rule: PROVIDER_PICTURE_RULES[provider]?.[part] }).toEqual({ provider, part, rule: picture });
      }
    }
  });

  it('refuses a video of the wrong type, too large, too small or too short, and passes a good one', () => {
    const video = (bytes: number, type = 'video/mp4') => new Blob([new Uint8Array(bytes)], { type });
    expect(checkMedia(video(10, 'video/x-msvideo'), {}, fptVideo)).toEqual({ code: 'wrongType', types: VIDEO_FORM.contentTypes });
    expect(checkMedia(video(10 * MB + 1), {}, fptVideo)).toEqual({ code: 'tooLarge', bytes: 10 * MB + 1, maxBytes: 10 * MB });
    expect(checkMedia(video(10), { width: 320, height: 240, durationSeconds: 6 }, fptVideo)).toMatchObject({
      code: 'resolutionTooLow',
      min: '800×600',
    });
    expect(checkMedia(video(10), { width: 1280, height: 720, durationSeconds: 1 }, fptVideo)).toEqual({
      code: 'tooShort',
      seconds: 1,
      min: 5,
    });
    expect(checkMedia(video(10), { width: 1280, height: 720, durationSeconds: 12 }, fptVideo)).toMatchObject({ code: 'tooLong' });
    // Portrait counts like landscape, as on the server; an unknown duration is left to the server.
    expect(checkMedia(video(10), { width: 720, height: 1280 }, fptVideo)).toBeUndefined();
  });

  it('takes the type from the extension when the browser gives none', () => {
    const file = new File([new Uint8Array(4)], 'clip.webm', { type: '' });
    expect(checkMedia(file, {}, fptVideo)).toBeUndefined();
  });

  it('records a second over the provider’s minimum, within its maximum', () => {
    expect(recordSeconds(fptVideo)).toBe(6);
    expect(recordSeconds(partRule('video', VIDEO_FORM, 'senseid', undefined))).toBe(4);
    expect(recordSeconds(partRule('video', VIDEO_FORM, 'fpt', { minDurationSeconds: 5, maxDurationSeconds: 5.5 }))).toBe(5);
  });

  it('lets a session’s limits override the provider defaults', () => {
    const rule = partRule('video', VIDEO_FORM, 'fpt', { minLongSide: 1280, minShortSide: 720 });
    expect(checkMedia(new Blob(['x'], { type: 'video/mp4' }), { width: 1024, height: 768 }, rule)).toMatchObject({
      code: 'resolutionTooLow',
      min: '1280×720',
    });
  });
});

describe('the session handed to the page', () => {
  const form = { url: 'https://bucket.example/', fields: { key: 'checks/x/video' }, maxBytes: MB, contentTypes: ['video/mp4'] };
  const session = { checkId: 'c-1', pollToken: 'secret', uploads: { reference: form, video: form }, provider: 'senseid' };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('reads a base64url JSON session from the fragment, live part first', () => {
    const hash = `#session=${encode(session)}&lang=vi`;
    const parsed = parseSession(decodeSessionParam(sessionParamOf(hash) ?? ''), 'https://api.example/');
    expect(parsed).toMatchObject({
      apiUrl: 'https://api.example',
      checkId: 'c-1',
      parts: ['video', 'reference'],
      provider: 'senseid',
    });
  });

  it('refuses a session that is not base64url JSON, has no forms, or whose parts disagree with its forms', () => {
    expect(() => decodeSessionParam('%%%')).toThrow(SessionError);
    expect(() => decodeSessionParam(Buffer.from('not json').toString('base64url'))).toThrow(SessionError);
    expect(() => parseSession({ ...session, uploads: {} }, 'https://api.example')).toThrow(SessionError);
    expect(() => parseSession({ ...session, parts: ['video'] }, 'https://api.example')).toThrow(SessionError);
    expect(() => parseSession({ checkId: 'c-1' }, 'https://api.example')).toThrow(SessionError);
  });
});
