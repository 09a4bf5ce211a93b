// Screenshots of the capture page's main screens for the README (docs/capture-*.png), taken from
// the local stack with the fake camera: `npx tsx web/screenshots.ts` (one phone-sized PNG per
// screen and language, at 1x so they stay small).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { faceCameraClip, launchBrowser, PHONE } from '../test/support/browser';
import { FIXTURES } from '../test/support/api-client';
import { startLocalStackWithPage } from './serve';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const LANGUAGES = ['en', 'vi'] as const;

async function main(): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  const [stack, browser] = await Promise.all([
    startLocalStackWithPage({ port: 0, env: { DUPLICATE_MEDIA_CHECK: 'off' } }),
    launchBrowser({ fakeCameraClip: faceCameraClip() }),
  ]);
  try {
    const context = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 760 }, deviceScaleFactor: 1 });
    for (const lang of LANGUAGES) {
      const page = await context.newPage();
      const shot = async (screen: string) => {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: `${DOCS}capture-${screen}-${lang}.png` });
      };
      await page.goto(`${stack.apiUrl}/?provider=fpt&lang=${lang}`);
      await page.locator('#consent').waitFor({ state: 'visible' });
      await shot('consent');
      await page.locator('#consent-accept').click();
      await page.locator('#prepare').waitFor({ state: 'visible' });
      await page.locator('#reference-file').setInputFiles(`${FIXTURES}id_astronaut_1024.jpg`);
      await shot('prepare');
      await page.locator('#start-camera').click();
      await page.locator('#camera').waitFor({ state: 'visible' });
      await page.waitForFunction(() => (document.getElementById('preview') as HTMLVideoElement).videoWidth > 0);
      // The face guide starts the recording once the face has held.
      await page.locator('#rec-indicator').waitFor({ state: 'visible', timeout: 60_000 });
      await shot('recording');
      await page.locator('#outcome-title').waitFor({ state: 'visible', timeout: 30_000 });
      await shot('outcome');
      await page.close();
    }
    // A retry in each language, with its localized reason.
    stack.simulators.fpt?.setDefaultScenario('multiple_faces');
    for (const lang of LANGUAGES) {
      const page = await context.newPage();
      await page.goto(`${stack.apiUrl}/?provider=fpt&parts=video&lang=${lang}`);
      await page.locator('#consent-accept').click();
      await page.locator('#prepare').waitFor({ state: 'visible' });
      await page.locator('#capture-file').setInputFiles(`${FIXTURES}face_moving.mp4`);
      await page.locator('#outcome-title').waitFor({ state: 'visible', timeout: 30_000 });
      await page.screenshot({ path: `${DOCS}capture-retry-${lang}.png` });
      await page.close();
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
