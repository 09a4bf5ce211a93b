// Where the face detector's code, model and wasm binaries live. Nothing is ever downloaded: in
// development they are read from the npm packages; in a Lambda bundle from a `face-assets` folder
// shipped next to it (the same three kinds of file, copied at bundling time: bundlingCommands()).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FaceDetectorAssets {
  /** human's Node build for the wasm backend (CommonJS). */
  readonly humanScript: string;
  /** Folder holding blazeface.json and blazeface.bin. */
  readonly modelDir: string;
  /** Folder holding tfjs-backend-wasm*.wasm, with a trailing slash as tfjs expects. */
  readonly wasmDir: string;
}

export const HUMAN_SCRIPT = 'human.node-wasm.js';
export const ASSET_FOLDER = 'face-assets';

/**
 * The files inside node_modules. human's `exports` map only exposes its tfjs-node build (which
 * downloads libtensorflow at install), so its wasm build is reached through the folder of the
 * build it does expose.
 */
export function packageAssets(): FaceDetectorAssets {
  const require = createRequire(import.meta.url);
  const humanDist = dirname(require.resolve('@vladmandic/human'));
  const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  return { humanScript: join(humanDist, HUMAN_SCRIPT), modelDir: join(humanDist, '..', 'models'), wasmDir: `${wasmDist}/` };
}

/** The layout of an asset folder: `{human.node-wasm.js, models/blazeface.*, wasm/*.wasm}`. */
export function folderAssets(dir: string): FaceDetectorAssets {
  return { humanScript: join(dir, HUMAN_SCRIPT), modelDir: join(dir, 'models'), wasmDir: `${join(dir, 'wasm')}/` };
}

/** A `face-assets` folder beside the running module (a bundle) wins; otherwise the npm packages. */
export function assetsBeside(moduleUrl: string): FaceDetectorAssets {
  const bundled = join(dirname(fileURLToPath(moduleUrl)), ASSET_FOLDER);
  return existsSync(join(bundled, HUMAN_SCRIPT)) ? folderAssets(bundled) : packageAssets();
}

/**
 * Shell commands that fill `<outputDir>/face-assets` from the project's node_modules, for a
 * NodejsFunction's `commandHooks.afterBundling`: human's wasm build with tfjs bundled into one
 * CommonJS file (1.4 MB), the BlazeFace model (0.6 MB) and the tfjs wasm binaries (1.2 MB).
 */
export function bundlingCommands(inputDir: string, outputDir: string): string[] {
  const modules = `${inputDir}/node_modules`;
  const target = `${outputDir}/${ASSET_FOLDER}`;
  return [
    `mkdir -p ${target}/models ${target}/wasm`,
    `${modules}/.bin/esbuild ${modules}/@vladmandic/human/dist/${HUMAN_SCRIPT} --bundle --platform=node --format=cjs ` +
      `--target=node22 --minify --log-level=warning --outfile=${target}/${HUMAN_SCRIPT}`,
    `cp ${modules}/@vladmandic/human/models/blazeface.json ${modules}/@vladmandic/human/models/blazeface.bin ${target}/models/`,
    `cp ${modules}/@tensorflow/tfjs-backend-wasm/dist/*.wasm ${target}/wasm/`,
  ];
}
