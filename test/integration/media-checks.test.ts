// Every upload is checked before a provider is paid: through the local stack, real uploads with the
// presigned forms, the media check over ranged S3 reads, and the FPT simulator counting its calls.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createS3Client } from '../../src/adapters/aws/clients';
import { mediaKey } from '../../src/core/ports';
import { LOCAL_S3_CREDENTIALS } from '../../local/s3-gateway';
import { pngWithHeader } from '../unit/media/support/forged-media';
import { createCheck, fixture, upload, uploadOk, waitForEnd, type CreatedCheck, type UploadForm } from '../support/api-client';

const ID_PHOTO = fixture('id_astronaut_1024.jpg');
const VIDEO = fixture('face_moving.mp4');

let stack: LocalStack;
const calls = () => stack.simulators.fpt?.stats().calls ?? Number.NaN;
const form = (check: CreatedCheck, part: string): UploadForm => {
  const found = check.uploads[part];
  if (!found) throw new Error(`no form for ${part}`);
  return found;
};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
});
afterAll(async () => stack?.stop());

/** Runs one FPT check with the given video and reference; returns the full result. */
async function runCheck(
  video: { bytes: Uint8Array; type: string },
  reference: { bytes: Uint8Array; type: string } = { bytes: ID_PHOTO, type: 'image/jpeg' },
) {
  const check = await createCheck(stack.apiUrl, { provider: 'fpt', parts: ['video', 'reference'] });
  await uploadOk(form(check, 'video'), video.bytes, video.type);
  await uploadOk(form(check, 'reference'), reference.bytes, reference.type);
  return waitForEnd(stack.apiUrl, check.checkId);
}

const truncated = VIDEO.subarray(0, Math.floor(VIDEO.length * 0.6));
const randomBytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2_654_435_761) >>> 24);

describe('media the provider would refuse ends RETRY with the rule and the measured value, and no provider call', () => {
  it.each([
    [
      'face_1s.mp4 (too short)',
      'VIDEO_TOO_SHORT',
      { bytes: fixture('face_1s.mp4'), type: 'video/mp4' },
      undefined,
      /1\.0 s, minimum 5 s/,
    ],
    [
      'face_12s.mp4 (too long)',
      'VIDEO_TOO_LONG',
      { bytes: fixture('face_12s.mp4'), type: 'video/mp4' },
      undefined,
      /12\.0 s, maximum 10 s/,
    ],
    [
      'face_tiny_320x240.mp4 (too small)',
      'RESOLUTION_TOO_LOW',
      { bytes: fixture('face_tiny_320x240.mp4'), type: 'video/mp4' },
      undefined,
      /320x240, minimum 800x600/,
    ],
    ['a truncated mp4', 'MEDIA_CORRUPT', { bytes: truncated, type: 'video/mp4' }, undefined, /truncat|past the end|runs past/i],
    ['random bytes', 'UNSUPPORTED_FORMAT', { bytes: randomBytes, type: 'video/mp4' }, undefined, /video/],
    ['a JPEG sent as the video', 'UNSUPPORTED_FORMAT', { bytes: ID_PHOTO, type: 'video/mp4' }, undefined, /jpeg/],
    [
      'a PNG renamed .jpg',
      'UNSUPPORTED_FORMAT',
      { bytes: VIDEO, type: 'video/mp4' },
      { bytes: fixture('id_astronaut_512.png'), type: 'image/jpeg' },
      /png/,
    ],
    [
      'an image claiming 100000x100000',
      'UNSUPPORTED_FORMAT',
      { bytes: VIDEO, type: 'video/mp4' },
      { bytes: pngWithHeader(100_000, 100_000), type: 'image/png' },
      /100000x100000/,
    ],
  ])('%s → %s', async (_label, code, video, reference, message) => {
    const before = calls();
    const body = await runCheck(video, reference);
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'RETRY' });
    expect(body.reasons).toEqual([expect.objectContaining({ code, message: expect.stringMatching(message) })]);
    await stack.idle();
    expect(calls()).toBe(before);
  });

  it('a zero-byte file: S3 refuses the form upload, and one put by any other path ends MEDIA_CORRUPT', async () => {
    const before = calls();
    const check = await createCheck(stack.apiUrl, { provider: 'fpt', parts: ['video', 'reference'] });
    const refused = await upload(form(check, 'video'), new Uint8Array(0), 'video/mp4');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('EntityTooSmall');

    const s3 = createS3Client({ region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS, endpoint: stack.s3Endpoint });
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: mediaKey(check.checkId, 'video'),
        Body: new Uint8Array(0),
        ContentType: 'video/mp4',
      }),
    );
    s3.destroy();
    await uploadOk(form(check, 'reference'), ID_PHOTO, 'image/jpeg');
    const body = await waitForEnd(stack.apiUrl, check.checkId);
    expect(body).toMatchObject({
      status: 'COMPLETED',
      decision: 'RETRY',
      reasons: [expect.objectContaining({ code: 'MEDIA_CORRUPT' })],
    });
    await stack.idle();
    expect(calls()).toBe(before);
  });
});

describe('real captures in every container pass the FPT profile and reach the provider', () => {
  it.each([
    ['face_moving.mp4', 'video/mp4'],
    ['face_moving_faststart.mp4', 'video/mp4'],
    ['face_moving.mov', 'video/quicktime'],
    ['face_moving.mkv', 'video/x-matroska'],
    ['face_moving_vp8.webm', 'video/webm'],
    ['face_moving_vp9.webm', 'video/webm'],
    ['face_rot90.mp4', 'video/mp4'],
    ['face_moving_audio.mp4', 'video/mp4'],
    ['chromium_fakecam_1280.webm', 'video/webm'],
    ['chromium_fakecam_1280.mp4', 'video/mp4'],
  ])('%s', async (name, type) => {
    const before = calls();
    const body = await runCheck({ bytes: fixture(name), type });
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(calls()).toBe(before + 1);
  });

  it('id_exif_orient6.jpg passes as the reference, measured after its EXIF rotation', async () => {
    const body = await runCheck(
      { bytes: VIDEO, type: 'video/mp4' },
      { bytes: fixture('id_exif_orient6.jpg'), type: 'image/jpeg' },
    );
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(body.media).toEqual(
      expect.arrayContaining([expect.objectContaining({ part: 'reference', width: 768, height: 1024, rotation: 90 })]),
    );
  });

  it('records the measured facts of a rotated phone video in the result', async () => {
    const body = await runCheck({ bytes: fixture('face_rot90.mp4'), type: 'video/mp4' });
    expect(body.media).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          part: 'video',
          container: 'mp4',
          codec: expect.any(String),
          width: 720,
          height: 1280,
          rotation: 90,
          durationSeconds: expect.closeTo(6, 1),
        }),
      ]),
    );
  });
});
