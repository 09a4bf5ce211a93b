// The capture page in headless Chromium with a fake camera: it records, uploads straight to the
// local S3, polls, and shows the outcome, exactly as on a phone.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { startLocalStackWithPage } from '../../web/serve';
import { FIXTURES, result } from '../support/api-client';
import { axe, faceCameraClip, launchBrowser, PHONE, recordRequests } from '../support/browser';
import { acceptConsent, createdCheck, openCamera, pageErrors, waitForOutcome, withoutFaceGuide } from './support/capture-flow';

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let stack: LocalStack;
let browser: Browser;
let phone: BrowserContext;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStackWithPage({ port: 0, env: { DUPLICATE_MEDIA_CHECK: 'off' } }),
    launchBrowser({ fakeCameraClip: faceCameraClip() }),
  ]);
  phone = await browser.newContext(PHONE);
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('records 6 s from the camera, uploads video and ID photo with progress, and shows PASS', { timeout: 60_000 }, async () => {
  const page = await phone.newPage();
  const errors = pageErrors(page);
  // The record button: the path where the face guide cannot run (capture-guidance.test.ts has the guide).
  await withoutFaceGuide(page);
  try {
    await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video,reference&lang=en`);
    const checkId = await createdCheck(page, () => acceptConsent(page));
    await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
    await openCamera(page);
    await page.getByRole('button', { name: 'Record 6 seconds' }).click();
    await page.locator('#rec-indicator').waitFor({ state: 'visible' });
    await page.screenshot({ path: `${SCREENSHOTS}capture-recording.png` });

    const outcome = await waitForOutcome(page);
    expect(outcome).toMatchObject({ title: 'You’re verified', tone: 'success' });
    expect(await page.locator('#status').textContent()).toContain('You’re verified');
    // The uploads section is hidden by now but keeps its final state.
    expect(await page.locator('#progress-video').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    expect(await page.locator('#progress-reference').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    await page.screenshot({ path: `${SCREENSHOTS}capture-pass.png` });

    const full = await result(stack.apiUrl, checkId);
    expect(full.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', parts: ['video', 'reference'] });
    const video = (full.body.media as { part: string; container: string; width: number; durationSeconds: number }[]).find(
      (media) => media.part === 'video',
    );
    const mp4Recorder = await page.evaluate(() => MediaRecorder.isTypeSupported('video/mp4'));
    expect(video?.container).toBe(mp4Recorder ? 'mp4' : 'webm');
    expect(video?.width).toBe(1280);
    expect(video?.durationSeconds).toBeGreaterThanOrEqual(5);
    expect(video?.durationSeconds).toBeLessThanOrEqual(7);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});

it(
  'records webm where mp4 is not offered, shows the retry message when more than one face is in view, and tries again on a new check',
  { timeout: 60_000 },
  async () => {
    stack.simulators.fpt?.setDefaultScenario('multiple_faces');
    const page = await phone.newPage();
    // Browsers without an mp4 MediaRecorder (Firefox, older Chrome) record webm: its header has no
    // duration, and the media check must measure it from the file.
    await page.addInitScript(() => {
      const supported = MediaRecorder.isTypeSupported.bind(MediaRecorder);
      MediaRecorder.isTypeSupported = (type: string) => !type.startsWith('video/mp4') && supported(type);
    });
    await withoutFaceGuide(page);
    try {
      await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      await openCamera(page);
      await page.getByRole('button', { name: 'Record 6 seconds' }).click();

      const outcome = await waitForOutcome(page);
      expect(outcome).toEqual({
        title: 'Let’s try that again',
        message: 'We could not check this capture: More than one face was in view.',
        tone: 'retry',
      });
      await page.screenshot({ path: `${SCREENSHOTS}capture-retry.png` });
      const second = await createdCheck(page, () => page.getByRole('button', { name: 'Try again' }).click());
      expect(second).not.toBe(checkId);
      await expect.poll(() => page.getByRole('button', { name: 'Start camera' }).isVisible()).toBe(true);

      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({
        status: 'COMPLETED',
        decision: 'RETRY',
        reasons: [{ code: 'MULTIPLE_FACES' }],
        parts: ['video'],
      });
      const video = (full.body.media as { part: string; container: string; durationSeconds: number }[])[0];
      expect(video?.container).toBe('webm');
      expect(video?.durationSeconds).toBeGreaterThanOrEqual(5);
    } finally {
      stack.simulators.fpt?.setDefaultScenario('pass');
      await page.close();
    }
  },
);

it('offers Take photo only once the camera has shown a frame, then sends that frame', { timeout: 60_000 }, async () => {
  const page = await phone.newPage();
  const errors = pageErrors(page);
  await withoutFaceGuide(page);
  // A camera that opens at once but holds its first frame back until the test lets it through,
  // as a slow phone camera does: the preview has no picture (videoWidth 0) meanwhile.
  await page.addInitScript(() => {
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const camera = await open(constraints);
      const source = document.createElement('video');
      source.muted = true;
      source.srcObject = camera;
      await source.play();
      const canvas = document.createElement('canvas');
      canvas.width = source.videoWidth;
      canvas.height = source.videoHeight;
      const held = canvas.captureStream(0);
      const [track] = held.getVideoTracks() as CanvasCaptureMediaStreamTrack[];
      (window as unknown as { releaseFrames: () => void }).releaseFrames = () => {
        const timer = setInterval(() => {
          if (track?.readyState !== 'live') return clearInterval(timer);
          canvas.getContext('2d')?.drawImage(source, 0, 0, canvas.width, canvas.height);
          track.requestFrame();
        }, 66);
      };
      return held;
    };
  });
  try {
    await page.goto(`${stack.apiUrl}/?provider=verihubs&parts=selfie&lang=en`);
    const checkId = await createdCheck(page, () => acceptConsent(page));
    await page.locator('#start-camera').click();
    const takePhoto = page.getByRole('button', { name: 'Take photo' });
    await takePhoto.waitFor({ state: 'visible', timeout: 20_000 });

    expect(await takePhoto.isDisabled()).toBe(true);
    expect(await page.locator('#preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBe(0);

    await page.evaluate(() => (window as unknown as { releaseFrames: () => void }).releaseFrames());
    await expect.poll(() => takePhoto.isEnabled()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('capture');
    await takePhoto.click();

    expect((await waitForOutcome(page)).title).toBe('You’re verified');
    const full = await result(stack.apiUrl, checkId);
    expect(full.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', parts: ['selfie'] });
    const selfie = (full.body.media as { part: string; width: number }[]).find((media) => media.part === 'selfie');
    expect(selfie?.width).toBe(1280);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});

it('takes a video file instead of the camera', { timeout: 30_000 }, async () => {
  const page = await phone.newPage();
  try {
    await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=en`);
    await acceptConsent(page);
    await page.getByLabel('Choose a video').setInputFiles(`${FIXTURES}face_moving.mp4`);
    expect((await waitForOutcome(page)).title).toBe('You’re verified');
    expect(await page.locator('#progress-video').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    expect(await page.locator('#progress-reference').count()).toBe(0);
  } finally {
    await page.close();
  }
});

it('shows a first screen with no accessibility violations axe finds, loaded from the gateway alone', async () => {
  const page = await phone.newPage();
  const requests = recordRequests(page);
  try {
    await page.goto(`${stack.apiUrl}/?lang=en`);
    await page.getByRole('button', { name: 'I agree, continue' }).waitFor();

    const scan = await axe(page).analyze();

    expect(scan.testEngine.version).toBe('4.14.1');
    expect(scan.passes.length).toBeGreaterThan(0);
    expect(scan.violations.map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target) }))).toEqual(
      [],
    );
    expect(requests.requests.length).toBeGreaterThan(0);
    expect(requests.outside(new URL(stack.apiUrl).origin)).toEqual([]);
  } finally {
    await page.close();
  }
});
