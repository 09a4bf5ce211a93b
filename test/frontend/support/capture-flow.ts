// Drives the capture page the way a customer does: consent, what is needed, camera or file,
// outcome. Shared by the page tests.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Waits for the page's own POST /v1/checks (local mode) and returns the check id from its answer. */
export async function createdCheck(page: Page, act: () => Promise<void>): Promise<string> {
  const created = page.waitForResponse(
    (response) => response.url().endsWith('/v1/checks') && response.request().method() === 'POST',
    { timeout: 20_000 },
  );
  await act();
  const response = await created;
  expect(response.status()).toBe(201);
  const body: unknown = await response.json();
  return typeof body === 'object' && body !== null && 'checkId' in body ? String(body.checkId) : '';
}

export async function acceptConsent(page: Page): Promise<void> {
  await page.locator('#consent-accept').click();
  await page.locator('#prepare').waitFor({ state: 'visible', timeout: 20_000 });
}

/** Opens the camera and waits for frames. */
export async function openCamera(page: Page): Promise<void> {
  await page.locator('#start-camera').click();
  await page.locator('#camera').waitFor({ state: 'visible', timeout: 20_000 });
  await expect.poll(() => page.locator('#preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
}

export async function waitForOutcome(page: Page, timeout = 30_000): Promise<{ title: string; message: string; tone: string }> {
  await page.locator('#outcome-title').waitFor({ state: 'visible', timeout });
  return {
    title: (await page.locator('#outcome-title').textContent()) ?? '',
    message: (await page.locator('#outcome-message').textContent()) ?? '',
    tone: (await page.locator('#outcome').getAttribute('data-tone')) ?? '',
  };
}

/**
 * Makes the face guide's files unreachable, as on a network that drops them: the page falls back
 * to its record button (the manual path these tests drive). The guide itself: capture-guidance.test.ts.
 */
export async function withoutFaceGuide(page: Page): Promise<void> {
  await page.route('**/face/**', (route) => route.abort());
}

/** Collects uncaught page errors; assert on them at the end. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
