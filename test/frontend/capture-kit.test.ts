// The capture kit as an operator ships it: every provider's parts end to end on the local stack
// (fake camera), every locale, the deployed flow from a session in the URL fragment, consent
// recorded with the check, doomed captures refused on the device, keyboard-only use, and axe on
// every screen.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { startLocalStackWithPage } from '../../web/serve';
import { createCheck, FIXTURES, result, type CreatedCheck } from '../support/api-client';
import { axe, faceCameraClip, launchBrowser, PHONE, recordRequests, type RequestLog } from '../support/browser';
import { acceptConsent, createdCheck, openCamera, pageErrors, waitForOutcome, withoutFaceGuide } from './support/capture-flow';

let stack: LocalStack;
let browser: Browser;
let phone: BrowserContext;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    // The same fixture is uploaded many times: the replay check would (rightly) flag it.
    startLocalStackWithPage({
      port: 0,
      env: { DUPLICATE_MEDIA_CHECK: 'off' },
      // An operator's own page: our markup with autostart off; it calls LivenessCapture.start itself.
      staticRoutes: [
        {
          path: '/embedded',
          contentType: 'text/html; charset=utf-8',
          body: readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8').replace(
            '<body',
            '<body data-autostart="false"',
          ),
        },
      ],
    }),
    launchBrowser({ fakeCameraClip: faceCameraClip() }),
  ]);
  phone = await browser.newContext(PHONE);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function withPage<T>(run: (page: Page) => Promise<T>, context: BrowserContext = phone): Promise<T> {
  const page = await context.newPage();
  const errors = pageErrors(page);
  // These tests drive the record button: the fallback when the face guide cannot load.
  await withoutFaceGuide(page);
  try {
    const value = await run(page);
    expect(errors).toEqual([]);
    return value;
  } finally {
    await page.close();
  }
}

/** Serious and critical axe findings on what is on screen now. */
async function seriousViolations(page: Page): Promise<unknown[]> {
  const scan = await axe(page).analyze();
  return scan.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target) }));
}

const bucketPosts = (requests: RequestLog, bucketOrigin: string) =>
  requests.requests.filter((request) => request.origin === bucketOrigin && request.method === 'POST');

function encodeSession(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('every provider’s parts, end to end', () => {
  it('FPT: a recorded video and the ID photo, with the consent recorded in the check', { timeout: 60_000 }, async () => {
    await withPage(async (page) => {
      await page.goto(`${stack.apiUrl}/?provider=fpt&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      expect(await page.locator('#needs li').allTextContents()).toEqual([
        'A 6-second video of your face, recorded with your camera',
        'A photo of the portrait page of your ID document',
      ]);
      // Without the ID photo the camera does not start.
      await page.locator('#start-camera').click();
      expect(await page.locator('#error').textContent()).toBe('Please add a photo of your ID first.');
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await openCamera(page);
      await page.locator('#capture').click();
      expect((await waitForOutcome(page)).title).toBe('You’re verified');

      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({ provider: 'fpt', decision: 'PASS', parts: ['video', 'reference'] });
      const consent = full.body.consent as { noticeVersion: string; acceptedAt: string };
      expect(consent.noticeVersion).toBe('capture-notice-2026-11');
      expect(Date.now() - Date.parse(consent.acceptedAt)).toBeLessThan(120_000);
    });
  });

  it('SenseID: a recorded video and the required reference photo', { timeout: 60_000 }, async () => {
    await withPage(async (page) => {
      await page.goto(`${stack.apiUrl}/?provider=senseid&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      expect(await page.locator('#needs li').allTextContents()).toEqual([
        'A 4-second video of your face, recorded with your camera',
        'A photo of the portrait page of your ID document',
      ]);
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await openCamera(page);
      expect(await page.locator('#capture').textContent()).toBe('Record 4 seconds');
      await page.locator('#capture').click();
      expect((await waitForOutcome(page)).title).toBe('You’re verified');
      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({ provider: 'senseid', decision: 'PASS', parts: ['video', 'reference'] });
      const video = (full.body.media as { part: string; durationSeconds: number }[]).find((media) => media.part === 'video');
      expect(video?.durationSeconds).toBeGreaterThanOrEqual(2);
    });
  });

  it('Verihubs: a still selfie taken from the camera, nothing else asked for', { timeout: 60_000 }, async () => {
    await withPage(async (page) => {
      await page.goto(`${stack.apiUrl}/?provider=verihubs&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      expect(await page.locator('#needs li').allTextContents()).toEqual(['A photo of your face, taken with your camera']);
      expect(await page.locator('#reference-field').isHidden()).toBe(true);
      expect(await page.locator('#capture-file-label').textContent()).toBe('Choose a photo');
      await openCamera(page);
      await page.getByRole('button', { name: 'Take photo' }).click();
      expect((await waitForOutcome(page)).title).toBe('You’re verified');
      const full = await result(stack.apiUrl, checkId);
      expect(full.body).toMatchObject({ provider: 'verihubs', decision: 'PASS', parts: ['selfie'] });
      expect((full.body.media as { part: string; container: string; width: number }[])[0]).toMatchObject({
        part: 'selfie',
        container: 'jpeg',
        width: 1280,
      });
    });
  });

  it('Verihubs: a chosen photo instead of the camera', { timeout: 30_000 }, async () => {
    await withPage(async (page) => {
      await page.goto(`${stack.apiUrl}/?provider=verihubs&lang=en`);
      await acceptConsent(page);
      await page.locator('#capture-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      expect((await waitForOutcome(page)).title).toBe('You’re verified');
    });
  });
});

describe('in the user’s language', () => {
  // One RETRY per locale: the reason comes from the locale by its code, never the server's English.
  it.for<[string, string, string, string]>([
    ['en', 'fpt', 'Let’s try that again', 'We could not check this capture: More than one face was in view.'],
    [
      'vi',
      'fpt',
      'Xin vui lòng thử lại',
      'Chúng tôi chưa thể kiểm tra lần ghi hình này: Có nhiều hơn một khuôn mặt trong khung hình.',
    ],
    ['id', 'fpt', 'Mohon coba lagi', 'Rekaman ini belum dapat kami periksa: Terlihat lebih dari satu wajah.'],
    ['ja', 'fpt', 'もう一度お試しください', '今回の撮影では確認できませんでした：複数の顔が映っていました。'],
  ])('%s: the outcome and its reason', { timeout: 30_000 }, async ([lang, provider, title, message]) => {
    stack.simulators.fpt?.setDefaultScenario('multiple_faces');
    try {
      await withPage(async (page) => {
        await page.goto(`${stack.apiUrl}/?provider=${provider}&parts=video&lang=${lang}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        await acceptConsent(page);
        await page.locator('#capture-file').setInputFiles(`${FIXTURES}face_moving.mp4`);
        expect(await waitForOutcome(page)).toEqual({ title, message, tone: 'retry' });
      });
    } finally {
      stack.simulators.fpt?.setDefaultScenario('pass');
    }
  });

  it('follows navigator.languages when no ?lang= is given', async () => {
    const vietnamese = await browser.newContext({ ...PHONE, locale: 'vi-VN' });
    try {
      await withPage(async (page) => {
        await page.goto(`${stack.apiUrl}/`);
        await page.locator('#consent').waitFor({ state: 'visible' });
        expect(await page.locator('#consent-accept').textContent()).toBe('Tôi đồng ý, tiếp tục');
        expect(await page.title()).toBe('Xác thực danh tính');
      }, vietnamese);
    } finally {
      await vietnamese.close();
    }
  });
});

describe('deployed: a session the backend created, handed in the URL fragment', () => {
  it('uploads to the bucket and polls with the token, and calls no create or result route', { timeout: 60_000 }, async () => {
    // The operator's backend (signed when deployed): creates the check with its consent record.
    const created: CreatedCheck = await createCheck(stack.apiUrl, {
      provider: 'fpt',
      parts: ['video'],
      consent: { noticeVersion: 'acme-2026-10', acceptedAt: new Date().toISOString() },
    });
    const session = { ...created, apiUrl: stack.apiUrl };
    const bucketOrigin = new URL(created.uploads.video?.url ?? '').origin;

    await withPage(async (page) => {
      const requests = recordRequests(page);
      await page.goto(`${stack.apiUrl}/?lang=en#session=${encodeSession(session)}`);
      await page.locator('#consent').waitFor({ state: 'visible' });
      // The poll token does not stay in the address bar.
      expect(page.url()).not.toContain('session=');
      await page.locator('#consent-accept').click();
      await page.locator('#prepare').waitFor({ state: 'visible' });
      await openCamera(page);
      await page.locator('#capture').click();
      expect(await waitForOutcome(page)).toMatchObject({ title: 'You’re verified', tone: 'success' });
      // No new check from here: the action ends the flow.
      expect(await page.locator('#again').textContent()).toBe('Done');

      const api = new URL(stack.apiUrl).origin;
      const apiCalls = requests.requests.filter(
        (request) => request.origin === api && !['document', 'script', 'stylesheet', 'other'].includes(request.resourceType),
      );
      expect(requests.toPaths('/v1/checks').filter((request) => request.method !== 'GET')).toEqual([]);
      expect(requests.requests.filter((request) => request.url.endsWith('/result'))).toEqual([]);
      expect(new Set(apiCalls.map((request) => `${request.method} ${new URL(request.url).pathname}`))).toEqual(
        new Set([`GET /v1/checks/${created.checkId}`]),
      );
      expect(bucketPosts(requests, bucketOrigin)).toHaveLength(1);
      expect(requests.outside(api, bucketOrigin)).toEqual([]);
    });

    const full = await result(stack.apiUrl, created.checkId);
    expect(full.body).toMatchObject({ decision: 'PASS', consent: { noticeVersion: 'acme-2026-10' } });
  });

  it('tells the user a broken link is not valid, in their language, and calls nothing', async () => {
    await withPage(async (page) => {
      const requests = recordRequests(page);
      await page.goto(`${stack.apiUrl}/?lang=id#session=${encodeSession({ checkId: 'x' })}`);
      await expect
        .poll(() => page.locator('#error').textContent())
        .toBe('Tautan verifikasi ini tidak valid. Silakan mulai lagi dari aplikasi.');
      expect(requests.toPaths('/v1/')).toEqual([]);
    });
  });

  it('says an expired link has expired before the camera starts, and uploads nothing', async () => {
    const created = await createCheck(stack.apiUrl, { provider: 'verihubs' });
    const session = { ...created, apiUrl: stack.apiUrl, expiresAt: new Date(Date.now() - 1000).toISOString() };
    await withPage(async (page) => {
      const requests = recordRequests(page);
      await page.goto(`${stack.apiUrl}/?lang=vi#session=${encodeSession(session)}`);
      await page.locator('#consent-accept').click();
      await expect
        .poll(() => page.locator('#error').textContent())
        .toBe('Đường dẫn xác thực này đã hết hạn. Xin vui lòng bắt đầu lại từ ứng dụng.');
      expect(await page.locator('#prepare').isHidden()).toBe(true);
      expect(requests.outside(new URL(stack.apiUrl).origin)).toEqual([]);
      expect(requests.toPaths('/v1/')).toEqual([]);
    });
  });

  it('works embedded through LivenessCapture.start with createSession called after consent', { timeout: 60_000 }, async () => {
    await withPage(async (page) => {
      const requests = recordRequests(page);
      // The operator's page (see beforeAll) calls its own backend after consent.
      const createdIds: string[] = [];
      await page.exposeFunction('backendCreatesCheck', async (consent: { noticeVersion: string; acceptedAt: string }) => {
        const created = await createCheck(stack.apiUrl, { provider: 'verihubs', consent });
        createdIds.push(created.checkId);
        return { ...created, apiUrl: stack.apiUrl };
      });
      await page.goto(`${stack.apiUrl}/embedded`);
      // As a string: the page runs it as written (no bundler helpers), like the operator's own script.
      await page.evaluate(`window.LivenessCapture.start({
        lang: 'ja',
        consent: { noticeVersion: 'wallet-ja-3', texts: { ja: { processor: '株式会社サンプルウォレット' } } },
        createSession: (consent) => window.backendCreatesCheck(consent),
      })`);
      expect(await page.locator('#consent-processor').textContent()).toBe('株式会社サンプルウォレット');
      expect(requests.toPaths('/v1/checks')).toEqual([]);
      await acceptConsent(page);
      await openCamera(page);
      await page.locator('#capture').click();
      expect((await waitForOutcome(page)).title).toBe('本人確認が完了しました');
      expect(requests.toPaths('/v1/checks').filter((request) => request.method === 'POST')).toEqual([]);
      expect(createdIds).toHaveLength(1);
      const full = await result(stack.apiUrl, createdIds[0] ?? '');
      expect(full.body).toMatchObject({ provider: 'verihubs', decision: 'PASS', consent: { noticeVersion: 'wallet-ja-3' } });
    });
  });
});

describe('refused on the device, nothing uploaded', () => {
  it('a video too short for the provider', { timeout: 30_000 }, async () => {
    await withPage(async (page) => {
      const requests = recordRequests(page);
      await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=en`);
      const checkId = await createdCheck(page, () => acceptConsent(page));
      await page.locator('#capture-file').setInputFiles(`${FIXTURES}face_1s.mp4`);
      await expect
        .poll(() => page.locator('#error').textContent())
        .toMatch(/^The video is 1(\.\d)? seconds long; at least 5 seconds are needed\.$/);
      expect(await page.locator('#prepare').isVisible()).toBe(true);
      const created = await result(stack.apiUrl, checkId);
      // Nothing left the page but the API calls: no request to the bucket or anywhere else.
      expect(requests.outside(new URL(stack.apiUrl).origin)).toEqual([]);
      expect(bucketPosts(requests, new URL(stack.s3Endpoint).origin)).toEqual([]);
      expect(created.body).toMatchObject({ status: 'AWAITING_UPLOAD' });
    });
  });

  it('a file over the part’s size limit, in the user’s language', { timeout: 30_000 }, async () => {
    await withPage(async (page) => {
      const requests = recordRequests(page);
      await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=vi`);
      await acceptConsent(page);
      await page.locator('#capture-file').setInputFiles({
        name: 'big.mp4',
        mimeType: 'video/mp4',
        buffer: Buffer.alloc(10 * 1024 * 1024 + 1),
      });
      await expect
        .poll(() => page.locator('#error').textContent())
        .toBe('Video: tệp có dung lượng 10 MB, vượt quá giới hạn 10 MB. Xin quay video ngắn hơn hoặc chọn tệp nhỏ hơn.');
      expect(requests.outside(new URL(stack.apiUrl).origin)).toEqual([]);
      expect(requests.toPaths('/v1/checks/')).toEqual([]);
    });
  });
});

it('can be used with the keyboard alone, focus following each screen', { timeout: 60_000 }, async () => {
  await withPage(async (page) => {
    await page.goto(`${stack.apiUrl}/?provider=verihubs&lang=en`);
    await page.locator('#consent').waitFor({ state: 'visible' });
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    expect(await focused()).toBe('consent-title');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('consent-accept');
    await page.keyboard.press('Enter');
    await page.locator('#prepare').waitFor({ state: 'visible' });
    expect(await focused()).toBe('prepare-title');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('start-camera');
    await page.keyboard.press('Enter');
    await page.locator('#camera').waitFor({ state: 'visible' });
    await expect
      .poll(() => page.locator('#status').textContent())
      .toBe('Automatic capture isn’t available on this device. Fit your face inside the oval, then press Take photo.');
    expect(await focused()).toBe('capture');
    // As a person would: the photo is taken once the camera shows a picture (a blank one has no face).
    await expect.poll(() => page.locator('#preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
    await page.keyboard.press('Enter');
    await waitForOutcome(page);
    expect(await focused()).toBe('outcome-title');
    expect(await page.locator('#status').textContent()).toContain('You’re verified');
  });
});

it('has no serious or critical axe violations on any screen, in English and Japanese', { timeout: 90_000 }, async () => {
  for (const lang of ['en', 'ja']) {
    await withPage(async (page) => {
      const found: Record<string, unknown[]> = {};
      await page.goto(`${stack.apiUrl}/?provider=fpt&lang=${lang}`);
      await page.locator('#consent').waitFor({ state: 'visible' });
      found.consent = await seriousViolations(page);
      await page.locator('#consent-decline').click();
      await page.locator('#declined').waitFor({ state: 'visible' });
      found.declined = await seriousViolations(page);
      await page.locator('#consent-reopen').click();
      await acceptConsent(page);
      found.prepare = await seriousViolations(page);
      await page.locator('#start-camera').click();
      await page.locator('#error').waitFor({ state: 'visible' });
      found.prepareWithError = await seriousViolations(page);
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await openCamera(page);
      found.camera = await seriousViolations(page);
      // Hold the uploads to scan the progress screen, then let them through.
      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(`${new URL(stack.s3Endpoint).origin}/**`, async (route) => {
        await held;
        await route.continue();
      });
      await page.locator('#capture').click();
      await page.locator('#uploading').waitFor({ state: 'visible', timeout: 20_000 });
      found.uploading = await seriousViolations(page);
      release();
      await waitForOutcome(page);
      found.outcome = await seriousViolations(page);
      expect({ lang, ...found }).toEqual({
        lang,
        consent: [],
        declined: [],
        prepare: [],
        prepareWithError: [],
        camera: [],
        uploading: [],
        outcome: [],
      });
    });
  }
});
