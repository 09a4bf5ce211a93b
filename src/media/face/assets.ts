// Where the face detector's code, model and wasm binaries live. Nothing is ever downloaded: in
// development they are read from the npm packages; in a Lambda bundle from a folder shipped next
// to it (the same three kinds of file, copied at bundling time).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface FaceDetectorAssets {
  /** human's Node build for the wasm backend (CommonJS). */
  readonly humanScript: string;
  /** Folder holding blazeface.json and blazeface.bin. */
  readonly modelDir: string;
  /** Folder holding tfjs-backend-wasm*.wasm, with a trailing slash as tfjs expects. */
  readonly wasmDir: string;
}

export const MODEL_FILES = ['blazeface.json', 'blazeface.bin'] as const;
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;
export const HUMAN_SCRIPT = 'human.node-wasm.js';

/**
 * The files inside node_modules. human's `exports` map only exposes its tfjs-node build (which
 * downloads libtensorflow at install), so its wasm build is reached through the folder of the
 * build it does expose.
 */
export function packageAssets(): FaceDetectorAssets {
  const require = createRequire(import.meta.url);
  const humanDist = dirname(require.resolve('@vladmandic/human'));
  const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  return {
    humanScript: join(humanDist, HUMAN_SCRIPT),
    modelDir: join(humanDist, '..', 'models'),
    wasmDir: `${wasmDist}/`,
  };
}

/** The layout of an asset folder shipped next to a bundle: `face-assets/{human.node-wasm.js,models/,wasm/}`. */
export function folderAssets(dir: string): FaceDetectorAssets {
  return { humanScript: join(dir, HUMAN_SCRIPT), modelDir: join(dir, 'models'), wasmDir: `${join(dir, 'wasm')}/` };
}
