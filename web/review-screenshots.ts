// Screenshots of the local review page for the README (docs/review-*.png), taken from the local
// stack with checks the FPT simulator sends to review: `npx tsx web/review-screenshots.ts`
// (a desk-sized window at 1x: the queue, one check open, the recorded decision).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/support/browser';
import { createReviewCheck, REVIEW_STACK_OPTIONS } from '../test/support/review-checks';
import { startLocalStackWithPage } from './serve';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

async function main(): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  const [stack, browser] = await Promise.all([startLocalStackWithPage(REVIEW_STACK_OPTIONS), launchBrowser()]);
  try {
    const first = await createReviewCheck(stack.apiUrl, 'applicant-1042');
    for (const ref of ['applicant-1043', 'applicant-1057']) await createReviewCheck(stack.apiUrl, ref);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();

    await page.goto(`${stack.apiUrl}/review`);
    await page.locator('#queue-rows tr').first().waitFor();
    await page.screenshot({ path: `${DOCS}review-queue.png` });

    await page.getByRole('button', { name: `Open check ${first}` }).click();
    // The first frame of the video and the whole ID photo, both from the bucket.
    await page.waitForFunction(() => {
      const video = document.querySelector('figure[data-part="video"] video');
      const image = document.querySelector('figure[data-part="reference"] img');
      return video instanceof HTMLVideoElement && video.readyState >= 2 && image instanceof HTMLImageElement && image.complete;
    });
    await page.getByLabel('Reviewer name').fill('Alice Reviewer');
    await page.getByLabel('Note (optional)').fill('Same person as the ID photo; good light.');
    await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
    await page.screenshot({ path: `${DOCS}review-check.png`, fullPage: true });

    await page.getByRole('button', { name: 'PASS' }).click();
    await page.getByRole('heading', { name: 'Review recorded' }).waitFor();
    await page.screenshot({ path: `${DOCS}review-decided.png` });
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
