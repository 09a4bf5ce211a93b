// The local review page in headless Chromium: the queue, one REVIEW check with its media played
// from the local S3 through presigned links, the reviewer's decision, and a second reviewer who
// comes too late.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { startLocalStackWithPage } from '../../web/serve';
import { result } from '../support/api-client';
import { axe, launchBrowser, recordRequests } from '../support/browser';
import { createReviewCheck, ID_PHOTO, REVIEW_STACK_OPTIONS, REVIEW_VIDEO } from '../support/review-checks';
import { pageErrors } from './support/capture-flow';

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
/** HTMLMediaElement.HAVE_CURRENT_DATA: a frame is decoded and shown. */
const HAVE_CURRENT_DATA = 2;

let stack: LocalStack;
let browser: Browser;
let desk: BrowserContext;
/** Two checks the provider sent to review, the first one older. */
let older: string;
let newer: string;

async function noAxeViolations(page: Page): Promise<void> {
  const scan = await axe(page).analyze();
  expect(scan.passes.length).toBeGreaterThan(0);
  expect(scan.violations.map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target) }))).toEqual([]);
}

const queuedIds = (page: Page) =>
  page.locator('#queue-rows tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-check-id')));

async function openQueue(page: Page, query = ''): Promise<Response | null> {
  const response = await page.goto(`${stack.apiUrl}/review${query}`);
  await expect.poll(() => page.locator('#queue-summary').textContent()).not.toBe('Loading…');
  return response;
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startLocalStackWithPage(REVIEW_STACK_OPTIONS), launchBrowser()]);
  desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  mkdirSync(SCREENSHOTS, { recursive: true });
  older = await createReviewCheck(stack.apiUrl, 'applicant-older');
  newer = await createReviewCheck(stack.apiUrl, 'applicant-newer');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('lists the checks awaiting review oldest first, a page at a time, with no accessibility violations', async () => {
  const page = await desk.newPage();
  const errors = pageErrors(page);
  try {
    const served = await openQueue(page, '?limit=1');

    // Its own script and styles only, and media only from the bucket.
    const policy = served?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain(`media-src ${new URL(stack.s3Endpoint).origin}`);
    expect(await queuedIds(page)).toEqual([older]);
    const first = page.locator(`#queue-rows tr[data-check-id="${older}"]`);
    expect(await first.locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
      older,
      'applicant-older',
      'fpt',
      expect.stringContaining('NEEDS_REVIEW'),
      `Open check ${older}`,
    ]);
    await noAxeViolations(page);
    // A page of one says more may be waiting; the last page has no "Load more".
    for (let pages = 1; pages <= 3 && (await page.getByRole('button', { name: 'Load more' }).isVisible()); pages++) {
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => page.locator('#queue-summary').textContent()).not.toBe('Loading…');
    }
    expect(await queuedIds(page)).toEqual([older, newer]);
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);
    expect(await page.locator('#queue-summary').textContent()).toBe('2 checks shown, oldest first.');
    await page.screenshot({ path: `${SCREENSHOTS}review-queue.png` });
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});

it(
  'opens a check with its video and ID photo from the bucket, its reasons and scores, records PASS, and a second reviewer gets a clear 409',
  { timeout: 45_000 },
  async () => {
    // Prepare: a second reviewer has the same check open before the first one decides.
    const late = await desk.newPage();
    const page = await desk.newPage();
    const errors = pageErrors(page);
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));
    const requests = recordRequests(page);
    const mediaResponses: Response[] = [];
    const s3Origin = new URL(stack.s3Endpoint).origin;
    page.on('response', (response) => {
      if (new URL(response.url()).origin === s3Origin) mediaResponses.push(response);
    });
    try {
      await openQueue(late);
      await late.getByRole('button', { name: `Open check ${older}` }).click();
      await late.getByRole('heading', { name: `Check ${older}` }).waitFor();

      // Act: open the older check
      await openQueue(page);
      await page.getByRole('button', { name: `Open check ${older}` }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `Check ${older}` }).waitFor();
      // Keyboard and screen-reader users land on the check's heading.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('check-title');

      // Assess: the media plays in the page, straight from the bucket
      const video = page.locator('figure[data-part="video"] video');
      const photo = page.getByRole('img', { name: 'The ID photo the applicant uploaded' });
      await expect
        .poll(() => video.evaluate((element: HTMLVideoElement) => element.readyState), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(HAVE_CURRENT_DATA);
      expect(
        await video.evaluate((element: HTMLVideoElement) => ({
          controls: element.controls,
          width: element.videoWidth,
          height: element.videoHeight,
          seconds: Math.round(element.duration),
        })),
      ).toEqual({ controls: true, width: 1280, height: 720, seconds: 6 });
      await expect.poll(() => photo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(1024);
      const photoResponse = mediaResponses.find((response) => new URL(response.url()).pathname.endsWith('/reference'));
      expect(photoResponse?.status()).toBe(200);
      expect((await photoResponse?.body())?.length).toBe(ID_PHOTO.length);
      const videoResponse = mediaResponses.find((response) => new URL(response.url()).pathname.endsWith('/video'));
      expect([200, 206]).toContain(videoResponse?.status());
      // A 206 names the whole object's size after the slash.
      const size = videoResponse?.headers()['content-range']?.split('/')[1] ?? videoResponse?.headers()['content-length'];
      expect(Number(size)).toBe(REVIEW_VIDEO.length);
      expect(await page.locator('figure[data-part="reference"] figcaption').textContent()).toContain('jpeg, 1024×1024');

      // The provider's reasons, with their messages, and its scores
      const reasons = await page.locator('#check-reasons li').allTextContents();
      expect(reasons).toEqual([expect.stringMatching(/^NEEDS_REVIEW \S.+/)]);
      const full = await result(stack.apiUrl, older);
      const providerReason = (full.body.reasons as { code: string; message: string }[])[0];
      expect(reasons[0]).toBe(`NEEDS_REVIEW ${providerReason?.message}`);
      const scoreRows = await page.locator('#scores-rows tr').allTextContents();
      expect(scoreRows.length).toBeGreaterThan(0);
      expect(scoreRows[0]).toMatch(/^Liveness/);
      await noAxeViolations(page);
      await page.screenshot({ path: `${SCREENSHOTS}review-check.png`, fullPage: true });

      // No name, no decision
      await page.getByRole('button', { name: 'PASS' }).click();
      expect(await page.locator('#reviewer-error').isVisible()).toBe(true);
      expect(await page.getByLabel('Reviewer name').getAttribute('aria-invalid')).toBe('true');
      expect(requests.toPaths(`/v1/checks/${older}/review`)).toEqual([]);

      // Act: decide
      await page.getByLabel('Reviewer name').fill('Alice Reviewer');
      await page.getByLabel('Note (optional)').fill('Same person as the ID photo; good light.');
      await page.getByRole('button', { name: 'PASS' }).click();

      // Assess: the recorded review, here and in the API
      await page.getByRole('heading', { name: 'Review recorded' }).waitFor();
      const shown = await page
        .locator('#decided-facts')
        .evaluate((list) =>
          Object.fromEntries(
            [...list.querySelectorAll('dt')].map((term) => [term.textContent, term.nextElementSibling?.textContent]),
          ),
        );
      expect(shown).toMatchObject({
        Decision: 'PASS',
        Reviewer: 'Alice Reviewer',
        Note: 'Same person as the ID photo; good light.',
        'Provider’s decision': 'REVIEW',
        Media: expect.stringMatching(/^deleted at /),
      });
      const after = await result(stack.apiUrl, older);
      expect(after.body).toMatchObject({
        decision: 'PASS',
        review: { decision: 'PASS', reviewer: 'Alice Reviewer', note: 'Same person as the ID photo; good light.' },
      });
      expect(shown['Reviewed at']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      await noAxeViolations(page);
      await page.screenshot({ path: `${SCREENSHOTS}review-decided.png` });

      // The check has left the queue
      await page.getByRole('button', { name: 'Back to the queue' }).click();
      await expect.poll(() => queuedIds(page)).toEqual([newer]);

      // The second reviewer, too late: the 409 is shown and nothing changes
      await late.getByLabel('Reviewer name').fill('Bob');
      await late.getByRole('button', { name: 'FAIL' }).click();
      const alert = late.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(
        /^Someone else already decided this check: PASS by Alice Reviewer at .+ UTC\. Your decision was not recorded\.$/,
      );
      expect(await late.getByRole('button', { name: 'FAIL' }).isDisabled()).toBe(true);
      await noAxeViolations(late);
      expect((await result(stack.apiUrl, older)).body.review).toEqual(after.body.review);

      // Every view of the media was audited; no link reached the console; only the gateway and the bucket were called
      const viewed = (await stack.deps.audit.list(older)).filter((entry) => entry.type === 'MEDIA_VIEWED');
      expect(viewed.map((entry) => entry.detail.part).sort()).toEqual(['reference', 'reference', 'video', 'video']);
      expect(consoleLines.filter((line) => line.includes('X-Amz-'))).toEqual([]);
      expect(requests.outside(new URL(stack.apiUrl).origin, s3Origin)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await late.close();
    }
  },
);

it('shows what the API returns as text, never as markup', async () => {
  // Prepare: an operator's applicant id may hold any printable characters.
  const externalRef = '<img src=x onerror="document.title=1"><b>applicant</b>';
  const checkId = await createReviewCheck(stack.apiUrl, externalRef);
  const page = await desk.newPage();
  const errors = pageErrors(page);
  try {
    // Act
    await openQueue(page);
    const row = page.locator(`#queue-rows tr[data-check-id="${checkId}"]`);
    await row.getByRole('button', { name: `Open check ${checkId}` }).click();
    await page.getByRole('heading', { name: `Check ${checkId}` }).waitFor();

    // Assess
    expect(await row.locator('td').nth(2).textContent()).toBe(externalRef);
    const shownRef = await page
      .locator('#check-facts dt', { hasText: 'Applicant ref' })
      .evaluate((term) => term.nextElementSibling?.textContent);
    expect(shownRef).toBe(externalRef);
    expect(await page.locator('main img:not(figure img), main b').count()).toBe(0);
    expect(await page.title()).toBe('Human review — Liveness Gateway');
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
