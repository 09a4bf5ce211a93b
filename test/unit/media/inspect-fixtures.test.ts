// The real fixtures against the FPT profile: what passes, what is refused and why, and the facts
// measured (checked against test/fixtures/media/README.md). Every inspection stays within the
// read budget (asserted inside inspectBytes).
import { describe, expect, it } from 'vitest';
import { inspectBytes } from './support/inspect-bytes';
import { FPT_IMAGE, FPT_VIDEO, loadFixture } from './support/media-fixtures';

interface VideoFacts {
  readonly container: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly rotation: number;
  readonly durationSeconds: number;
}

const H264 = { codec: 'h264', width: 1280, height: 720, rotation: 0 };

const PASSING_VIDEOS: readonly [string, string | undefined, VideoFacts][] = [
  ['face_moving.mp4', 'video/mp4', { container: 'mp4', ...H264, durationSeconds: 6 }],
  ['face_moving_faststart.mp4', 'video/mp4', { container: 'mp4', ...H264, durationSeconds: 6 }],
  ['face_moving_audio.mp4', 'video/mp4', { container: 'mp4', ...H264, durationSeconds: 6.016 }],
  ['face_moving.mov', 'video/quicktime', { container: 'mov', ...H264, durationSeconds: 6 }],
  ['face_moving.mkv', 'video/x-matroska', { container: 'mkv', ...H264, durationSeconds: 6 }],
  ['face_moving_vp8.webm', 'video/webm', { container: 'webm', ...H264, codec: 'vp8', durationSeconds: 6 }],
  ['face_moving_vp9.webm', 'video/webm;codecs=vp9', { container: 'webm', ...H264, codec: 'vp9', durationSeconds: 6 }],
  [
    'face_rot90.mp4',
    'video/mp4',
    { container: 'mp4', codec: 'h264', width: 720, height: 1280, rotation: 90, durationSeconds: 6 },
  ],
  ['chromium_fakecam_1280.webm', 'video/webm;codecs=vp9', { container: 'webm', ...H264, codec: 'vp9', durationSeconds: 5.96 }],
  ['chromium_fakecam_1280.mp4', 'video/mp4;codecs=avc1.42C020', { container: 'mp4', ...H264, durationSeconds: 5.93 }],
  ['face_still.mp4', undefined, { container: 'mp4', ...H264, durationSeconds: 6 }],
];

function expectVideoFacts(facts: Record<string, unknown>, expected: VideoFacts): void {
  const { durationSeconds, ...exact } = expected;
  expect(facts).toMatchObject(exact);
  expect(facts['durationSeconds']).toBeCloseTo(durationSeconds, 1);
}

describe('inspectPart on the fixture videos (FPT video profile)', () => {
  it.each(PASSING_VIDEOS)('passes %s (declared %s) and measures its facts', async (name, contentType, expected) => {
    const bytes = loadFixture(name);

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO, contentType ? { contentType } : {});

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts.bytes).toBe(bytes.length);
    expectVideoFacts({ ...inspection.facts }, expected);
  });

  it('reads a moov at the end of the file with one head read and one read of the moov', async () => {
    const { inspection, reader } = await inspectBytes(loadFixture('face_moving.mp4'), FPT_VIDEO);

    expect(inspection.problem).toBeUndefined();
    expect(reader.requests).toBe(2);
    expect(reader.bytesRead).toBeLessThan(70 * 1024);
  });

  it('times a Chrome recording with no header duration from its clusters, and says when it is a lower bound', async () => {
    const { inspection } = await inspectBytes(loadFixture('chromium_fakecam_1280.webm'), FPT_VIDEO);

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts.durationSeconds).toBeCloseTo(5.96, 1);
    expect(inspection.notes?.join(' ')).toMatch(/lower bound/);
  });

  it('times a short Chrome recording exactly when the budget covers the whole file', async () => {
    const noSizeLimit = { ...FPT_VIDEO, minLongSide: 0, minShortSide: 0 };

    const { inspection } = await inspectBytes(loadFixture('chromium_fakecam.webm'), noSizeLimit);

    expect(inspection.facts).toMatchObject({ container: 'webm', codec: 'vp9', width: 640, height: 480 });
    expect(inspection.facts.durationSeconds).toBeCloseTo(2.99, 1);
    expect(inspection.problem).toEqual({ code: 'VIDEO_TOO_SHORT', message: 'video: 3.0 s, minimum 5 s' });
  });
});

describe('inspectPart refuses fixture videos that break a rule, naming the rule and the value', () => {
  it('refuses a 1 s video as too short', async () => {
    const { inspection } = await inspectBytes(loadFixture('face_1s.mp4'), FPT_VIDEO);

    expect(inspection.problem).toEqual({ code: 'VIDEO_TOO_SHORT', message: 'video: 1.0 s, minimum 5 s' });
    expect(inspection.facts).toMatchObject({ container: 'mp4', codec: 'h264', width: 1280, height: 720, durationSeconds: 1 });
  });

  it('refuses a 12 s video as too long', async () => {
    const { inspection } = await inspectBytes(loadFixture('face_12s.mp4'), FPT_VIDEO);

    expect(inspection.problem).toEqual({ code: 'VIDEO_TOO_LONG', message: 'video: 12.0 s, maximum 10 s' });
    expect(inspection.facts.durationSeconds).toBeCloseTo(12, 1);
  });

  it('refuses a 320x240 video as too small', async () => {
    const { inspection } = await inspectBytes(loadFixture('face_tiny_320x240.mp4'), FPT_VIDEO);

    expect(inspection.problem).toEqual({ code: 'RESOLUTION_TOO_LOW', message: 'video: 320x240, minimum 800x600' });
    expect(inspection.facts).toMatchObject({ width: 320, height: 240, durationSeconds: 6 });
  });

  it('refuses a 640x480 Chrome recording as too small', async () => {
    const { inspection } = await inspectBytes(loadFixture('chromium_fakecam.webm'), FPT_VIDEO);

    expect(inspection.problem).toEqual({ code: 'RESOLUTION_TOO_LOW', message: 'video: 640x480, minimum 800x600' });
  });

  it('refuses a file over the byte limit and still reports what it measured', async () => {
    const limits = { ...FPT_VIDEO, maxBytes: 400_000 };

    const { inspection } = await inspectBytes(loadFixture('face_moving.mp4'), limits);

    expect(inspection.problem).toEqual({ code: 'MEDIA_TOO_LARGE', message: 'video: 436464 bytes, maximum 400000 bytes' });
    expect(inspection.facts).toMatchObject({ container: 'mp4', width: 1280, height: 720, durationSeconds: 6 });
  });

  it('refuses a JPEG uploaded as the video', async () => {
    const { inspection } = await inspectBytes(loadFixture('id_astronaut_1024.jpg'), FPT_VIDEO);

    expect(inspection.problem).toEqual({
      code: 'UNSUPPORTED_FORMAT',
      message: 'video: jpeg content, expected mp4, mov, mkv, webm',
    });
    expect(inspection.facts).toMatchObject({ container: 'jpeg', width: 1024, height: 1024 });
  });

  it.each([
    ['face_moving.mkv', 'video/mp4'],
    ['face_moving.mp4', 'video/webm'],
    ['face_moving_vp9.webm', 'video/mp4'],
    ['face_moving.mp4', 'image/jpeg'],
    ['face_moving.mp4', 'video/x-msvideo'],
  ])('refuses %s declared as %s', async (name, contentType) => {
    const { inspection } = await inspectBytes(loadFixture(name), FPT_VIDEO, { contentType });

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain(`declared as ${contentType}`);
  });

  it.each([
    ['face_moving_vp9.webm', 'video/x-matroska'],
    ['face_moving.mp4', 'video/quicktime'],
    ['face_moving.mp4', 'application/octet-stream'],
    ['face_moving.mkv', ' Video/X-Matroska ; codecs="avc1"'],
  ])('accepts %s declared as the compatible or undeclared type %s', async (name, contentType) => {
    const { inspection } = await inspectBytes(loadFixture(name), FPT_VIDEO, { contentType });

    expect(inspection.problem).toBeUndefined();
  });
});

describe('inspectPart on the fixture images (FPT image profile)', () => {
  it('passes a 1024x1024 JPEG', async () => {
    const { inspection } = await inspectBytes(loadFixture('id_astronaut_1024.jpg'), FPT_IMAGE, { contentType: 'image/jpeg' });

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts).toMatchObject({ container: 'jpeg', width: 1024, height: 1024, rotation: 0, bytes: 148625 });
  });

  it('passes a JPEG with EXIF orientation 6 and reports its displayed portrait size', async () => {
    const { inspection } = await inspectBytes(loadFixture('id_exif_orient6.jpg'), FPT_IMAGE, { contentType: 'image/jpeg' });

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts).toMatchObject({ container: 'jpeg', width: 768, height: 1024, rotation: 90 });
  });

  it('refuses a 512x512 PNG as too small', async () => {
    const { inspection } = await inspectBytes(loadFixture('id_astronaut_512.png'), FPT_IMAGE, { contentType: 'image/png' });

    expect(inspection.problem).toEqual({ code: 'RESOLUTION_TOO_LOW', message: 'selfie: 512x512, minimum 800x600' });
    expect(inspection.facts).toMatchObject({ container: 'png', width: 512, height: 512 });
  });

  it('detects a PNG renamed .jpg by its bytes and refuses it when declared image/jpeg', async () => {
    const { inspection } = await inspectBytes(loadFixture('id_astronaut_512.png'), FPT_IMAGE, { contentType: 'image/jpeg' });

    expect(inspection.problem).toEqual({
      code: 'UNSUPPORTED_FORMAT',
      message: 'selfie: the content is png but was declared as image/jpeg',
    });
    expect(inspection.facts).toMatchObject({ container: 'png', width: 512, height: 512, contentType: 'image/jpeg' });
  });

  it('refuses an image wider than a configured maximum long side', async () => {
    const limits = { ...FPT_IMAGE, maxLongSide: 1000 };

    const { inspection } = await inspectBytes(loadFixture('id_astronaut_1024.jpg'), limits, {}, 'reference');

    expect(inspection.problem).toEqual({ code: 'MEDIA_TOO_LARGE', message: 'reference: 1024x1024, maximum long side 1000 px' });
  });

  it('refuses a video uploaded as the selfie', async () => {
    const { inspection } = await inspectBytes(loadFixture('face_moving.mp4'), FPT_IMAGE);

    expect(inspection.problem).toEqual({ code: 'UNSUPPORTED_FORMAT', message: 'selfie: mp4 content, expected jpeg, png' });
  });
});
