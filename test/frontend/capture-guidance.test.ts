// The on-device capture guide in headless Chromium: with Chromium's own fake camera (a moving
// pattern, no face) the page says so in the user's language and records nothing; with a real
// face clip it records by itself and the check completes. The detector comes from the page's
// origin only, and only once the camera starts. (A quality gate, not presentation-attack detection.)
import { statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { faceGuideFiles, startLocalStackWithPage } from '../../web/serve';
import { FIXTURES, result } from '../support/api-client';
import { axe, faceCameraClip, launchBrowser, PHONE, recordRequests } from '../support/browser';
import { acceptConsent, createdCheck, pageErrors, waitForOutcome } from './support/capture-flow';

let stack: LocalStack;
let patternCamera: Browser;
let faceCamera: Browser;

beforeAll(async () => {
  [stack, patternCamera, faceCamera] = await Promise.all([
    startLocalStackWithPage({ port: 0, env: { DUPLICATE_MEDIA_CHECK: 'off' } }),
    launchBrowser({ fakePatternCamera: true }),
    launchBrowser({ fakeCameraClip: faceCameraClip() }),
  ]);
});
afterAll(async () => {
  await Promise.all([patternCamera?.close(), faceCamera?.close()]);
  await stack?.stop();
});

/** Counts MediaRecorder starts on the page. */
async function countRecorderStarts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const start = MediaRecorder.prototype.start;
    (window as unknown as { recorderStarts: number }).recorderStarts = 0;
    MediaRecorder.prototype.start = function (this: MediaRecorder, ...args: Parameters<MediaRecorder['start']>) {
      (window as unknown as { recorderStarts: number }).recorderStarts += 1;
      return start.apply(this, args);
    };
  });
}

const recorderStarts = (page: Page) => page.evaluate(() => (window as unknown as { recorderStarts: number }).recorderStarts);

async function guideFacts(page: Page): Promise<{ state?: string; backend?: string; fps?: string }> {
  return page.locator('#camera').evaluate((camera: HTMLElement) => ({
    state: camera.dataset.guide,
    backend: camera.dataset.guideBackend,
    fps: camera.dataset.guideFps,
  }));
}

describe('with a camera that shows no face', () => {
  it.for<[string, string]>([
    ['en', 'We can’t see a face. Look straight at the camera.'],
    ['vi', 'Chưa thấy khuôn mặt. Xin nhìn thẳng vào camera.'],
  ])('%s: says there is no face and neither records nor uploads', { timeout: 90_000 }, async ([lang, noFace]) => {
    const context = await patternCamera.newContext(PHONE);
    const page = await context.newPage();
    const errors = pageErrors(page);
    const requests = recordRequests(page);
    try {
      await countRecorderStarts(page);
      await page.goto(`${stack.apiUrl}/?provider=senseid&lang=${lang}`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      // Nothing of the detector before the camera step.
      expect(requests.toPaths('/face/')).toEqual([]);
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await page.locator('#start-camera').click();
      await expect.poll(() => page.locator('#guide-hint').textContent(), { timeout: 60_000 }).toBe(noFace);
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe(noFace);
      // Hold on the pattern a while: still nothing recorded, the record button not offered.
      await page.waitForTimeout(3000);
      expect(await recorderStarts(page)).toBe(0);
      expect(await page.locator('#capture').isHidden()).toBe(true);
      expect(await page.locator('#rec-indicator').isHidden()).toBe(true);
      const facts = await guideFacts(page);
      expect(facts.state).toBe('active');
      console.info(`face guide on the pattern camera: ${facts.backend} backend, ${facts.fps} detections/s`);
      const origin = new URL(stack.apiUrl).origin;
      expect(requests.outside(origin)).toEqual([]);
      expect(requests.requests.filter((request) => request.method === 'POST' && request.url.includes(stack.s3Endpoint))).toEqual(
        [],
      );
      expect((await result(stack.apiUrl, checkId)).body).toMatchObject({ status: 'AWAITING_UPLOAD' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('with a face in view', () => {
  it('FPT: records by itself once the face has held, uploads, and the check passes', { timeout: 120_000 }, async () => {
    const context = await faceCamera.newContext(PHONE);
    const page = await context.newPage();
    const errors = pageErrors(page);
    const requests = recordRequests(page);
    try {
      await countRecorderStarts(page);
      await page.goto(`${stack.apiUrl}/?provider=fpt&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      expect(requests.toPaths('/face/')).toEqual([]);
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await page.locator('#start-camera').click();
      await page.locator('#camera').waitFor({ state: 'visible' });
      await expect.poll(() => page.locator('#guide-hint').textContent(), { timeout: 60_000 }).toBe('That’s it. Hold still…');
      const guidance = await axe(page).analyze();
      const facts = await guideFacts(page);
      // Nobody pressed anything: the recording starts by itself.
      await page.locator('#rec-indicator').waitFor({ state: 'visible', timeout: 20_000 });
      expect(await page.locator('#capture').isHidden()).toBe(true);
      expect((await waitForOutcome(page, 60_000)).title).toBe('You’re verified');
      expect(await recorderStarts(page)).toBe(1);

      expect(
        guidance.violations
          .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
          .map(({ id, nodes }) => ({ id, targets: nodes.map((node) => node.target) })),
      ).toEqual([]);
      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', parts: ['video', 'reference'] });
      // Every request, the detector's code, model and wasm included, went to the page's origin or the bucket.
      const origin = new URL(stack.apiUrl).origin;
      const bucket = new URL(stack.s3Endpoint).origin;
      expect(requests.outside(origin, bucket)).toEqual([]);
      const detectorFiles = requests.toPaths('/face/').map((request) => new URL(request.url).pathname);
      expect(detectorFiles).toEqual(
        expect.arrayContaining(['/face/human.esm.js', '/face/blazeface.json', '/face/blazeface.bin']),
      );
      const sizes = new Map(faceGuideFiles().map((file) => [`/face/${file.name}`, statSync(file.source).size]));
      const bytes = detectorFiles.reduce((sum, path) => sum + (sizes.get(path) ?? 0), 0);
      console.info(
        `face guide: ${facts.backend} backend, ${facts.fps} detections/s; lazily loaded ${bytes} bytes (${detectorFiles.join(', ')})`,
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Verihubs: takes the still by itself once the face has held', { timeout: 120_000 }, async () => {
    const context = await faceCamera.newContext(PHONE);
    const page = await context.newPage();
    const errors = pageErrors(page);
    const requests = recordRequests(page);
    try {
      await page.goto(`${stack.apiUrl}/?provider=verihubs&lang=ja`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      // Everything the live region says, in order.
      await page.evaluate(() => {
        const status = document.getElementById('status');
        const said: string[] = [];
        (window as unknown as { said: string[] }).said = said;
        if (status) new MutationObserver(() => said.push(status.textContent ?? '')).observe(status, { childList: true });
      });
      await page.locator('#start-camera').click();
      expect((await waitForOutcome(page, 60_000)).title).toBe('本人確認が完了しました');
      const said = await page.evaluate(() => (window as unknown as { said: string[] }).said);
      expect(said).toContain('そのまま動かないでください。お顔の位置が合うと、自動で写真を撮ります。');
      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({ provider: 'verihubs', decision: 'PASS', parts: ['selfie'] });
      expect(requests.outside(new URL(stack.apiUrl).origin, new URL(stack.s3Endpoint).origin)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('falls back to the record button, said in the live region, when the detector cannot load', { timeout: 60_000 }, async () => {
    const context = await faceCamera.newContext(PHONE);
    const page = await context.newPage();
    const errors = pageErrors(page);
    try {
      await page.route('**/face/**', (route) => route.abort());
      await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=id`);
      await acceptConsent(page);
      await page.locator('#start-camera').click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 30_000 })
        .toBe(
          'Pengambilan otomatis tidak tersedia di perangkat ini. Posisikan wajah Anda di dalam bingkai oval, lalu tekan Rekam.',
        );
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('capture');
      expect(await guideFacts(page)).toMatchObject({ state: 'manual' });
      expect(await page.locator('#guide-hint').isHidden()).toBe(true);
      await page.keyboard.press('Enter');
      expect((await waitForOutcome(page, 60_000)).title).toBe('Verifikasi berhasil');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
