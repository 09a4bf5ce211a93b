// human's configuration for BlazeFace alone: the face detector on, every other model (mesh, iris,
// emotion, body, hands, …) off, and no reuse of earlier results. The processor (Node, wasm, models
// read from disk) and the capture page (browser, models served from its own origin) both build
// theirs here. Browser-safe: it imports types only, nothing from node:.
import type { Config } from '@vladmandic/human';

export interface BlazeFaceOnlyOptions {
  /** tfjs backend to run on (the processor: wasm; the page tries webgl, wasm, cpu in turn). */
  readonly backend: Config['backend'];
  /** Where blazeface.json and blazeface.bin are fetched from, with a trailing slash. */
  readonly modelBasePath: string;
  /** Where the tfjs wasm binaries are fetched from, with a trailing slash. */
  readonly wasmPath: string;
  /** Most faces returned per image. */
  readonly maxDetected: number;
  /** Candidates below this BlazeFace score are dropped by the detector itself. */
  readonly minConfidence: number;
  /** human's async mode: on in the page, which must keep answering while it detects. */
  readonly async: boolean;
}

export const BLAZEFACE_MODEL_FILE = 'blazeface.json';

export function blazeFaceOnlyConfig(options: BlazeFaceOnlyOptions): Partial<Config> {
  const off = { enabled: false };
  return {
    backend: options.backend,
    modelBasePath: options.modelBasePath,
    wasmPath: options.wasmPath,
    debug: false,
    async: options.async,
    warmup: 'none',
    // Each image is judged afresh: human otherwise reuses its result for a similar-looking frame.
    cacheSensitivity: 0,
    // The models are local files or come from the page's own origin, and are small: no IndexedDB copy.
    cacheModels: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: BLAZEFACE_MODEL_FILE,
        rotation: false,
        maxDetected: options.maxDetected,
        minConfidence: options.minConfidence,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: off,
      attention: off,
      iris: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      gear: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
  };
}
