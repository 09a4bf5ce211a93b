// Headless Debian Chromium with a fake camera that plays a y4m clip of our test face.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { FIXTURES } from '../../support/api-client';

const run = promisify(execFile);

export const CHROMIUM = '/usr/bin/chromium';
export const FFMPEG = '/usr/bin/ffmpeg';

/**
 * face_moving.mp4 as a y4m (1280x720, 4 s at 15 fps: ~80 MB, made once per source version and
 * kept in the temp dir). The fake camera loops it, so a 6 s recording works.
 */
export async function fakeCameraClip(): Promise<string> {
  const source = `${FIXTURES}face_moving.mp4`;
  const { size, mtimeMs } = statSync(source);
  const directory = join(tmpdir(), 'liveness-gateway-e2e');
  const target = join(directory, `face_moving-${size}-${Math.round(mtimeMs)}-4s15fps.y4m`);
  if (existsSync(target)) return target;
  mkdirSync(directory, { recursive: true });
  // Written aside and renamed, so a parallel run never reads half a file.
  const partial = `${target}.${process.pid}.partial`;
  await run(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-i',
    source,
    '-t',
    '4',
    '-vf',
    'fps=15',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    partial,
  ]);
  renameSync(partial, target);
  return target;
}

export interface FakeCameraBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A phone-sized context in a fresh profile (Playwright takes the profile as userDataDir, not as a flag). */
export async function launchWithFakeCamera(clip: string): Promise<FakeCameraBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'liveness-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${clip}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
