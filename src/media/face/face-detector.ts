// Face detection embedded in the processor: human's BlazeFace detector on the tfjs wasm backend,
// loaded once per cold start from files on disk. It finds faces (count, box, score) and nothing
// else: no landmarks, no recognition, no anti-spoofing.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config, Human } from '@vladmandic/human';
import { assetsBeside, type FaceDetectorAssets } from './assets';
import { blazeFaceOnlyConfig } from './blazeface-config';
import { toDetectorCanvas } from './decode';

export { FaceImageError } from './decode';

export const FACE_MODEL = 'blazeface';

/** Relative to the displayed (upright) image, 0–1. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface DetectedFace {
  readonly box: FaceBox;
  /** BlazeFace detection score, 0–1. */
  readonly score: number;
}

export interface FaceDetection {
  readonly faces: readonly DetectedFace[];
  /** Displayed size of the image, in its own pixels. */
  readonly width: number;
  readonly height: number;
  readonly ms: number;
}

export interface DetectOptions {
  /** The client's declared type, for error messages only: the bytes decide the format. */
  readonly contentType?: string;
}

export interface FaceDetector {
  /** human's version, recorded with every pre-check in the audit trail. */
  readonly version: string;
  detectFaces(imageBytes: Uint8Array, options?: DetectOptions): Promise<FaceDetection>;
}

export interface FaceDetectorOptions {
  readonly assets?: FaceDetectorAssets;
  /** Candidates below this score are dropped by the detector itself; the gate applies its own minimum. */
  readonly minCandidateScore?: number;
  readonly maxFaces?: number;
}

/** Low enough to see a second, weaker face; the pre-check thresholds decide what counts. */
const MIN_CANDIDATE_SCORE = 0.2;
const MAX_FACES = 10;

function humanConfig(assets: FaceDetectorAssets, options: FaceDetectorOptions): Partial<Config> {
  return blazeFaceOnlyConfig({
    backend: 'wasm',
    wasmPath: assets.wasmDir,
    modelBasePath: `${pathToFileURL(assets.modelDir).href}/`,
    maxDetected: options.maxFaces ?? MAX_FACES,
    minConfidence: options.minCandidateScore ?? MIN_CANDIDATE_SCORE,
    // One image at a time, in a function that has nothing else to do meanwhile.
    async: false,
  });
}

/**
 * human reads its model with fetch(), and Node's fetch refuses file: URLs. For the duration of the
 * load only, file: URLs are answered from disk; every other URL goes to the real fetch untouched.
 */
async function withFileFetch<T>(load: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  const fileFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith('file:')) return realFetch(input, init);
    return new Response(await readFile(fileURLToPath(url)));
  };
  globalThis.fetch = fileFetch;
  try {
    return await load();
  } finally {
    globalThis.fetch = realFetch;
  }
}

interface HumanModule {
  readonly Human: new (config: Partial<Config>) => Human;
}

async function loadHuman(assets: FaceDetectorAssets, options: FaceDetectorOptions): Promise<Human> {
  const require = createRequire(import.meta.url);
  const { Human: HumanClass } = require(assets.humanScript) as HumanModule;
  const human = new HumanClass(humanConfig(assets, options));
  await withFileFetch(() => human.load());
  if (!human.models.models.blazeface) throw new Error(`the ${FACE_MODEL} model did not load from ${assets.modelDir}`);
  return human;
}

class HumanFaceDetector implements FaceDetector {
  /** Detections run one at a time: tfjs keeps global state and the processor has one core's worth of CPU. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly human: Human) {}

  get version(): string {
    return this.human.version;
  }

  detectFaces(imageBytes: Uint8Array, options: DetectOptions = {}): Promise<FaceDetection> {
    const run = this.queue.then(() => this.detect(imageBytes, options.contentType));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async detect(imageBytes: Uint8Array, contentType: string | undefined): Promise<FaceDetection> {
    const started = performance.now();
    const canvas = await toDetectorCanvas(imageBytes, contentType);
    const { tf } = this.human;
    const input = tf.tensor4d(canvas.rgb, [1, canvas.side, canvas.side, 3], 'int32');
    try {
      const result = await this.human.detect(input);
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      // Boxes are relative to the square canvas; the picture fills only its top-left part.
      const fx = canvas.side / canvas.contentWidth;
      const fy = canvas.side / canvas.contentHeight;
      const faces = result.face.map(({ boxRaw: [x, y, w, h], boxScore }) => {
        const left = clamp01(x * fx);
        const top = clamp01(y * fy);
        return {
          box: { x: left, y: top, w: clamp01((x + w) * fx) - left, h: clamp01((y + h) * fy) - top },
          score: boxScore,
        };
      });
      faces.sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
      return { faces, width: canvas.width, height: canvas.height, ms: Math.round(performance.now() - started) };
    } finally {
      tf.dispose(input);
    }
  }
}

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

let shared: Promise<FaceDetector> | undefined;

/**
 * The detector of this process, loaded on first use (≈ 150–300 ms) and kept for the warm container.
 * A failed load is not memoised, so the next call tries again.
 */
export function createFaceDetector(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
  shared ??= loadHuman(options.assets ?? assetsBeside(import.meta.url), options).then(
    (human) => new HumanFaceDetector(human),
    (error: unknown) => {
      shared = undefined;
      throw new Error('the face detector could not be loaded', { cause: error });
    },
  );
  return shared;
}
