// Headless Chromium for page tests, taken from the @sparticuz/chromium npm package (its binary ships
// brotli-compressed inside the package), so the tests need nothing but Node and npm.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import { decode } from 'jpeg-js';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { FIXTURES } from './api-client';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** 12 frames of our test face moving, 1280x720 JPEGs end to end (MJPEG); see the media README. */
export const FACE_FRAMES = `${FIXTURES}face_moving_1280x720.mjpeg`;

/** The JPEGs of an MJPEG stream (JPEG files end to end; ours carry no embedded thumbnails). */
function splitMjpeg(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let start = 0;
  while (start < stream.length) {
    const next = stream.indexOf(Buffer.from([0xff, 0xd9, 0xff, 0xd8]), start);
    const end = next === -1 ? stream.length : next + 2;
    frames.push(stream.subarray(start, end));
    start = end;
  }
  return frames;
}

/** One RGBA picture as planar 4:2:0 (BT.601, limited range, chroma averaged over 2x2). */
function toI420({ width, height, data }: { width: number; height: number; data: Uint8Array }): Buffer {
  const chromaWidth = width / 2;
  const out = Buffer.alloc(width * height * 1.5);
  const u = width * height;
  const v = u + (width * height) / 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      out[y * width + x] = Math.round(
        16 + (65.481 * (data[i] ?? 0) + 128.553 * (data[i + 1] ?? 0) + 24.966 * (data[i + 2] ?? 0)) / 255,
      );
    }
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const i of [y * width + x, y * width + x + 1, (y + 1) * width + x, (y + 1) * width + x + 1]) {
        r += data[i * 4] ?? 0;
        g += data[i * 4 + 1] ?? 0;
        b += data[i * 4 + 2] ?? 0;
      }
      const c = (y / 2) * chromaWidth + x / 2;
      out[u + c] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 4 / 255);
      out[v + c] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 4 / 255);
    }
  }
  return out;
}

/**
 * The fake camera's clip: FACE_FRAMES as a 15 fps y4m in the temp dir (~16 MB, made once per
 * source content). Chromium plays an MJPEG at a fixed 30 fps, which is more than a busy two-core
 * machine can encode while recording (frames are lost and a 6 s recording comes out 2-3 s long);
 * a y4m states its own frame rate. The y4m is written aside and renamed, so a parallel run never
 * reads half a file.
 */
export function faceCameraClip(fps = 15): string {
  const source = readFileSync(FACE_FRAMES);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const folder = join(tmpdir(), 'liveness-gateway-fake-camera');
  const target = join(folder, `face-${digest}-${fps}fps.y4m`);
  if (existsSync(target)) return target;
  const frames = splitMjpeg(source).map((jpeg) => decode(jpeg, { useTArray: true, formatAsRGBA: true }));
  const first = frames[0];
  if (!first || first.width % 2 !== 0 || first.height % 2 !== 0) throw new Error(`${FACE_FRAMES} has no even-sized first frame`);
  const header = `YUV4MPEG2 W${first.width} H${first.height} F${fps}:1 Ip A1:1 C420jpeg\n`;
  const chunks: Buffer[] = [Buffer.from(header)];
  for (const frame of frames) chunks.push(Buffer.from('FRAME\n'), toI420(frame));
  mkdirSync(folder, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.concat(chunks));
  renameSync(partial, target);
  return target;
}

/** A phone held upright: what the capture kit is built for. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

function packageVersion(name: string): string {
  const manifest: unknown = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  if (typeof version !== 'string') throw new Error(`${name} has no version in its package.json`);
  return version;
}

/**
 * Unpacks the package's Chromium once per version and user, and returns the binary's path.
 *
 * The package's own executablePath() unpacks into the shared /tmp/chromium and returns that path as
 * soon as it exists, so a second process starting mid-unpack would launch half a binary (and any
 * other version left there would be taken as is). Here the package unpacks in a child process whose
 * temp dir is a private staging folder, which is then renamed into place: the rename is atomic, so
 * the folder is either complete or absent, and when two runs race the loser drops its copy.
 */
export async function ensureChromium(): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const folder = join(tmpdir(), `liveness-gateway-chromium-${packageVersion('@sparticuz/chromium')}-${uid}`);
  const binary = join(folder, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(`${folder}.unpacking-`);
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { default: chromium } = await import('@sparticuz/chromium'); process.stdout.write(await chromium.executablePath());",
      ],
      { cwd: ROOT, env: { ...process.env, TMPDIR: staging } },
    );
    if (stdout !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not ${staging}`);
    try {
      renameSync(staging, folder);
    } catch (error) {
      // Another run renamed its complete copy into place first.
      if (!existsSync(binary)) throw error;
    }
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface LaunchOptions {
  /** A y4m or MJPEG clip the fake camera plays (in a loop); without it there is no camera. */
  readonly fakeCameraClip?: string;
  /** Chromium's own fake camera (a moving test pattern, no face); ignored when a clip is given. */
  readonly fakePatternCamera?: boolean;
}

/**
 * Headless Chromium. Playwright gives every launch a fresh profile (and deletes it on close);
 * each context from browser.newContext() is isolated from the others.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const camera = options.fakeCameraClip
    ? [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${options.fakeCameraClip}`,
      ]
    : options.fakePatternCamera
      ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']
      : [];
  // None of the package's Lambda defaults (--single-process, --disable-web-security,
  // --allow-running-insecure-content): pages must meet CORS, CSP and mixed-content rules as in a
  // real browser. --no-sandbox because CI runs as root.
  return chromium.launch({
    executablePath: await ensureChromium(),
    headless: true,
    args: [
      ...camera,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly origin: string;
  readonly resourceType: string;
}

export interface RequestLog {
  /** Every request the pages made, in order. */
  readonly requests: readonly RecordedRequest[];
  /** The requests to any origin not listed (e.g. a CDN, an analytics host). */
  outside(...allowedOrigins: string[]): RecordedRequest[];
  /** The requests whose path starts with one of the prefixes (e.g. '/v1/admin'). */
  toPaths(...prefixes: string[]): RecordedRequest[];
}

/**
 * Records every request the pages of a context (or one page) make, including those answered from
 * cache and those that fail; data: URLs are left out (they never leave the page).
 */
export function recordRequests(target: BrowserContext | Page): RequestLog {
  const requests: RecordedRequest[] = [];
  target.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:') return;
    requests.push({ method: request.method(), url: request.url(), origin: url.origin, resourceType: request.resourceType() });
  });
  return {
    requests,
    outside: (...allowed) => requests.filter((request) => !allowed.includes(request.origin)),
    toPaths: (...prefixes) =>
      requests.filter((request) => prefixes.some((prefix) => new URL(request.url).pathname.startsWith(prefix))),
  };
}

/** An axe scan with the axe-core version this project pins (not the one @axe-core/playwright bundles). */
export function axe(page: Page): AxeBuilder {
  return new AxeBuilder({
    page,
    axeSource: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'),
  });
}
