// The embedded face pre-check on real pictures: the real BlazeFace model on the tfjs wasm
// backend, loaded once for the file from the npm packages (nothing downloaded).
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASSET_FOLDER, assetsBeside, bundlingCommands, folderAssets, packageAssets } from '../../../src/media/face/assets';
import { createFaceDetector, FaceImageError, type FaceDetector } from '../../../src/media/face/face-detector';
import { precheckImage } from '../../../src/media/face/precheck';
import { FACE_PRECHECK_DEFAULTS, type FacePrecheckThresholds } from '../../../src/media/face/thresholds';
import { fixtureNames, isImageName, loadFixture } from './support/media-fixtures';

const FPT_SELFIE = FACE_PRECHECK_DEFAULTS.fpt.selfie as FacePrecheckThresholds;
const FPT_REFERENCE = FACE_PRECHECK_DEFAULTS.fpt.reference as FacePrecheckThresholds;
const VERIHUBS_SELFIE = FACE_PRECHECK_DEFAULTS.verihubs.selfie as FacePrecheckThresholds;

/** Made by scripts/make-face-fixtures.ts to be refused; every other fixture image is a good one. */
const REFUSED = ['face_two_portraits.jpg', 'face_none_backdrop.jpg', 'face_tiny_on_canvas.jpg'];
const GOOD_IMAGES = fixtureNames().filter((name) => isImageName(name) && !REFUSED.includes(name));

let detector: FaceDetector;
const fetchedUrls: string[] = [];

beforeAll(async () => {
  const realFetch = globalThis.fetch;
  const recordingFetch: typeof fetch = (input, init) => {
    fetchedUrls.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  globalThis.fetch = recordingFetch;
  try {
    detector = await createFaceDetector();
  } finally {
    globalThis.fetch = realFetch;
  }
});

describe('face detector', () => {
  it('loads BlazeFace from the package folder without any network fetch', () => {
    expect(detector.version).toBe('3.3.6');
    expect(fetchedUrls).toEqual([]);
  });

  it('is loaded once per process: a second call returns the same detector', async () => {
    await expect(createFaceDetector()).resolves.toBe(detector);
  });

  it('finds the face of a 16:9 picture where it is (letterboxed, not stretched)', async () => {
    const detection = await detector.detectFaces(loadFixture('base_1280x720.png'), { contentType: 'image/png' });

    expect(detection).toMatchObject({ width: 1280, height: 720 });
    expect(detection.faces).toHaveLength(1);
    const box = detection.faces[0]?.box;
    // The 1280x1280 portrait's face (x 0.30–0.58, y 0.11–0.39 of it) seen through the top 1280x720.
    expect(box?.x).toBeCloseTo(0.3, 1);
    expect(box?.y).toBeCloseTo(0.19, 1);
    expect((box?.w ?? 0) * 1280).toBeCloseTo((box?.h ?? 0) * 720, -1);
  });

  it('turns a phone photo upright by its EXIF orientation before looking for the face', async () => {
    const detection = await detector.detectFaces(loadFixture('face_exif_orient6_upright.jpg'));

    // Stored 768x1024 turned a quarter anticlockwise; displayed 1024x768 upright.
    expect(detection).toMatchObject({ width: 1024, height: 768 });
    expect(detection.faces[0]?.score).toBeGreaterThan(0.8);
    expect(detection.faces[0]?.box.x).toBeCloseTo(0.3, 1);
    expect(detection.faces[0]?.box.y).toBeCloseTo(0.14, 1);
  });
});

describe('precheckImage', () => {
  it.each(GOOD_IMAGES)('passes %s as a selfie and as a reference with one face', async (name) => {
    const bytes = loadFixture(name);

    const selfie = await precheckImage(detector, 'selfie', {}, bytes, FPT_SELFIE);
    const reference = await precheckImage(detector, 'reference', {}, bytes, FPT_REFERENCE);

    expect(selfie).toMatchObject({ verdict: 'ok', detail: { faces: 1, model: 'blazeface', version: '3.3.6' } });
    expect(reference).toMatchObject({ verdict: 'ok', detail: { faces: 1 } });
  });

  it('covers every good fixture image, including the shared photographs copied in', () => {
    expect(GOOD_IMAGES).toEqual(
      expect.arrayContaining(['id_astronaut_1024.jpg', 'id_astronaut_512.png', 'id_exif_orient6.jpg', 'base_1280x720.png']),
    );
  });

  it('refuses two portraits side by side with MULTIPLE_FACES', async () => {
    const result = await precheckImage(
      detector,
      'selfie',
      { contentType: 'image/jpeg' },
      loadFixture('face_two_portraits.jpg'),
      FPT_SELFIE,
    );

    expect(result).toMatchObject({ verdict: 'refuse', reason: 'MULTIPLE_FACES', detail: { faces: 2 } });
    expect(result.verdict === 'refuse' && result.message).toBe('selfie: 2 faces were found, one is expected');
  });

  it('refuses a picture of the backdrop with NO_FACE as a selfie', async () => {
    const result = await precheckImage(detector, 'selfie', {}, loadFixture('face_none_backdrop.jpg'), VERIHUBS_SELFIE);

    expect(result).toMatchObject({
      verdict: 'refuse',
      reason: 'NO_FACE',
      message: 'selfie: no face was found',
      detail: { faces: 0, largestFaceRatio: 0 },
    });
  });

  it('refuses the same picture with REFERENCE_NO_FACE as the ID photo', async () => {
    const result = await precheckImage(detector, 'reference', {}, loadFixture('face_none_backdrop.jpg'), FPT_REFERENCE);

    expect(result).toMatchObject({ verdict: 'refuse', reason: 'REFERENCE_NO_FACE' });
  });

  it('refuses a face far from the camera with FACE_TOO_SMALL, naming the measured share', async () => {
    const result = await precheckImage(detector, 'selfie', {}, loadFixture('face_tiny_on_canvas.jpg'), FPT_SELFIE);

    expect(result).toMatchObject({ verdict: 'refuse', reason: 'FACE_TOO_SMALL', detail: { faces: 1 } });
    expect(result.detail.largestFaceRatio).toBeLessThan(FPT_SELFIE.minFaceRatio);
    expect(result.verdict === 'refuse' && result.message).toMatch(
      /^selfie: the face spans \d+ % of the picture's short side, at least 15 % is needed$/,
    );
  });

  it('applies the pixel minimum on its own: a reference with a small but findable face passes only a low minimum', async () => {
    const bytes = loadFixture('face_tiny_on_canvas.jpg');

    const lenient = await precheckImage(detector, 'reference', {}, bytes, FPT_REFERENCE);
    const strict = await precheckImage(detector, 'reference', {}, bytes, { ...FPT_REFERENCE, minFacePixels: 200 });

    expect(lenient.verdict).toBe('ok');
    expect(strict).toMatchObject({ verdict: 'refuse', reason: 'FACE_TOO_SMALL' });
    expect(strict.verdict === 'refuse' && strict.message).toMatch(
      /^reference: the face is \d+ px across, at least 200 px is needed$/,
    );
  });
});

describe('pictures the pre-check cannot look at', () => {
  const astronaut = (): Uint8Array => loadFixture('id_astronaut_1024.jpg');

  async function failure(bytes: Uint8Array): Promise<FaceImageError> {
    const error: unknown = await precheckImage(detector, 'selfie', {}, bytes, FPT_SELFIE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceImageError);
    return error as FaceImageError;
  }

  it('reports a truncated JPEG as IMAGE_UNREADABLE', async () => {
    const bytes = astronaut();

    const error = await failure(bytes.subarray(0, bytes.length / 2));

    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message).toMatch(/truncated/);
  });

  it('reports bytes that are no image as IMAGE_UNREADABLE, naming the declared type', async () => {
    const bytes = new TextEncoder().encode('this is not a picture at all');

    const error: unknown = await detector.detectFaces(bytes, { contentType: 'image/jpeg' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FaceImageError);
    expect(error).toMatchObject({
      code: 'IMAGE_UNREADABLE',
      message: 'unrecognised content, expected jpeg, png (declared image/jpeg)',
    });
  });

  it('reports a PNG whose compressed pixels are damaged as IMAGE_UNREADABLE, from the decoder', async () => {
    const bytes = loadFixture('id_astronaut_512.png').slice();
    for (let i = 4000; i < 4400; i += 1) bytes[i] = 0xa5;

    const error = await failure(bytes);

    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message).toMatch(/^the png data could not be decoded: /);
  });

  it('refuses to decode a JPEG whose header claims 60 megapixels (IMAGE_TOO_LARGE)', async () => {
    const bytes = astronaut().slice();
    const sof = bytes.findIndex((byte, i) => byte === 0xff && bytes[i + 1] === 0xc0);
    new DataView(bytes.buffer).setUint16(sof + 5, 6000); // height
    new DataView(bytes.buffer).setUint16(sof + 7, 10000); // width

    const error = await failure(bytes);

    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toBe("10000x6000 is beyond the face pre-check's decoding limit of 16 megapixels");
  });

  it('keeps working after a failed picture', async () => {
    await failure(new Uint8Array([0xff, 0xd8, 0xff, 0x00]));

    const result = await precheckImage(detector, 'selfie', {}, astronaut(), FPT_SELFIE);

    expect(result.verdict).toBe('ok');
  });
});

describe('face assets for a Lambda bundle', () => {
  const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

  it('uses the npm packages when no face-assets folder sits beside the module', () => {
    expect(assetsBeside(new URL('../../../src/media/face/face-detector.ts', import.meta.url).href)).toEqual(packageAssets());
  });

  it('builds a self-contained face-assets folder that the bundle finds beside itself and detects with', () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'face-bundle-'));
    try {
      for (const command of bundlingCommands(projectRoot.replace(/\/$/, ''), outputDir)) execSync(command, { stdio: 'pipe' });
      const assets = assetsBeside(pathToFileURL(join(outputDir, 'index.mjs')).href);
      expect(assets).toEqual(folderAssets(join(outputDir, ASSET_FOLDER)));

      // A fresh process; the bundled human build sits outside the project, so it can find nothing in node_modules.
      const module = (path: string): string => JSON.stringify(pathToFileURL(join(projectRoot, path)).href);
      const script = [
        `import { readFileSync } from 'node:fs';`,
        `import { createFaceDetector } from ${module('src/media/face/face-detector.ts')};`,
        `import { folderAssets } from ${module('src/media/face/assets.ts')};`,
        `const detector = await createFaceDetector({ assets: folderAssets(${JSON.stringify(join(outputDir, ASSET_FOLDER))}) });`,
        `const detection = await detector.detectFaces(readFileSync(${JSON.stringify(join(projectRoot, 'test/fixtures/media/id_astronaut_1024.jpg'))}));`,
        `console.log(JSON.stringify({ faces: detection.faces.length, version: detector.version }));`,
      ].join('\n');
      const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: projectRoot,
        encoding: 'utf8',
      });

      expect(JSON.parse(output.trim())).toEqual({ faces: 1, version: '3.3.6' });
    } finally {
      rmSync(outputDir, { recursive: true, force: true });
    }
  });
});
