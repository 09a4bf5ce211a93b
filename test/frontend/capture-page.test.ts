// The capture page in headless Chromium with a fake camera: it records, uploads straight to the
// local S3, polls, and shows the outcome, exactly as on a phone.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { startLocalStackWithPage } from '../../web/serve';
import { FIXTURES, result } from '../support/api-client';
import { axe, faceCameraClip, launchBrowser, PHONE, recordRequests } from '../support/browser';

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let stack: LocalStack;
let browser: Browser;
let phone: BrowserContext;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStackWithPage({ port: 0, env: {} }),
    launchBrowser({ fakeCameraClip: faceCameraClip() }),
  ]);
  phone = await browser.newContext(PHONE);
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Records through the page and returns the id of the check it created. */
async function captureOnPage(page: Page, options: { idPhoto?: string; screenshotWhileRecording?: string }): Promise<string> {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${stack.apiUrl}/`);
  if (options.idPhoto) await page.getByLabel('ID photo').setInputFiles(options.idPhoto);
  await page.getByRole('button', { name: 'Start camera' }).click();
  await expect.poll(() => page.locator('#preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);

  const created = page.waitForResponse(
    (response) => response.url().endsWith('/v1/checks') && response.request().method() === 'POST',
    {
      timeout: 20_000,
    },
  );
  await page.getByRole('button', { name: 'Record 6 seconds' }).click();
  if (options.screenshotWhileRecording) {
    await page.locator('#rec-indicator').waitFor({ state: 'visible' });
    await page.screenshot({ path: `${SCREENSHOTS}${options.screenshotWhileRecording}` });
  }
  const response = await created;
  expect(response.status()).toBe(201);
  const body: unknown = await response.json();
  const checkId = typeof body === 'object' && body !== null && 'checkId' in body ? String(body.checkId) : '';
  await page.locator('#outcome-title').waitFor({ state: 'visible', timeout: 20_000 });
  expect(pageErrors).toEqual([]);
  return checkId;
}

it('records 6 s from the camera, uploads video and ID photo with progress, and shows PASS', { timeout: 45_000 }, async () => {
  const page = await phone.newPage();
  try {
    const checkId = await captureOnPage(page, {
      idPhoto: `${FIXTURES}id_astronaut_1024.jpg`,
      screenshotWhileRecording: 'capture-recording.png',
    });

    await expect.poll(() => page.locator('#outcome-title').textContent()).toBe('You’re verified');
    expect(await page.locator('#outcome').getAttribute('data-tone')).toBe('success');
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
  } finally {
    await page.close();
  }
});

it(
  'records webm where mp4 is not offered, and shows the retry message when more than one face is in view',
  { timeout: 45_000 },
  async () => {
    stack.simulators.fpt?.setDefaultScenario('multiple_faces');
    const page = await phone.newPage();
    // Browsers without an mp4 MediaRecorder (Firefox, older Chrome) record webm: its header has no
    // duration, and the media check must measure it from the file.
    await page.addInitScript(() => {
      const supported = MediaRecorder.isTypeSupported.bind(MediaRecorder);
      MediaRecorder.isTypeSupported = (type: string) => !type.startsWith('video/mp4') && supported(type);
    });
    try {
      const checkId = await captureOnPage(page, {});

      await expect.poll(() => page.locator('#outcome-title').textContent()).toBe('Let’s try that again');
      expect(await page.locator('#outcome-message').textContent()).toBe('Record again: More than one face was in view.');
      expect(await page.locator('#outcome').getAttribute('data-tone')).toBe('retry');
      await page.screenshot({ path: `${SCREENSHOTS}capture-retry.png` });
      await page.getByRole('button', { name: 'Record again' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Record 6 seconds' }).isVisible()).toBe(true);

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

it('takes a video file instead of the camera', { timeout: 30_000 }, async () => {
  const page = await phone.newPage();
  try {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Choose a video file').setInputFiles(`${FIXTURES}face_moving.mp4`);
    await page.locator('#outcome-title').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#outcome-title').textContent()).toBe('You’re verified');
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
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('button', { name: 'Start camera' }).waitFor();

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
