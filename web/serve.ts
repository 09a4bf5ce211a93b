// Builds the capture page (esbuild, in memory) and serves it from the local stack next to the
// OpenAPI document. `buildCapturePage(outDir)` writes the same static files for any host
// (S3 + CloudFront): index.html, app.js, app.js.map, app.css — relative links, no server code —
// and the on-device face guide's files in face/ (fetched by the page only once the camera starts).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StaticRoute } from '../local/api-server';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../local/stack';
import { packageAssets } from '../src/media/face/assets';
import { renderOpenApiDocument } from '../src/openapi/document';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Anything matching these in the browser bundle means a Node-only module leaked into it. */
const FORBIDDEN_IN_BROWSER = [/^node:/, /node_modules\/@aws-sdk\//, /node_modules\/@smithy\//, /src\/client\/node\//];

export interface CapturePage {
  readonly html: string;
  readonly css: string;
  readonly js: string;
  readonly sourceMap: string;
  /** Every file that went into the bundle, as esbuild names them. */
  readonly inputs: readonly string[];
}

/** Bundles the page; with `outDir`, also writes its four static files there. */
export async function buildCapturePage(outDir?: string): Promise<CapturePage> {
  const result = await build({
    entryPoints: [`${WEB_DIR}app/main.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    // Safari 15 is the oldest iOS browser with MediaRecorder.
    target: ['chrome109', 'firefox115', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    outdir: '/',
    entryNames: 'app',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((input) => FORBIDDEN_IN_BROWSER.some((pattern) => pattern.test(input)));
  if (leaked.length > 0) throw new Error(`Node-only modules in the browser bundle: ${leaked.join(', ')}`);
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const sourceMap = result.outputFiles.find((file) => file.path.endsWith('.js.map'))?.text;
  if (js === undefined || sourceMap === undefined) throw new Error('esbuild produced no output');
  const [html, css] = await Promise.all([readFile(`${WEB_DIR}index.html`, 'utf8'), readFile(`${WEB_DIR}styles.css`, 'utf8')]);
  const page = { html, css, js, sourceMap, inputs };
  if (outDir !== undefined) await writeCapturePage(page, outDir);
  return page;
}

export const CAPTURE_PAGE_FILES = ['index.html', 'app.js', 'app.js.map', 'app.css'] as const;

/** The folder beside app.js holding the face guide (web/app/face-guide.ts loads from there). */
export const FACE_GUIDE_FOLDER = 'face';

export interface FaceGuideFile {
  readonly name: string;
  readonly source: string;
  readonly contentType: string;
}

/**
 * human's browser build (tfjs bundled in, 2 MB), the BlazeFace model, and the tfjs wasm binaries
 * of the same tfjs version (the browser fetches one of the three: plain, SIMD or threaded SIMD).
 * Served from the page's own origin: the page never calls a CDN.
 */
export function faceGuideFiles(): FaceGuideFile[] {
  const assets = packageAssets();
  const humanDist = join(assets.modelDir, '..', 'dist');
  const wasm = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return [
    { name: 'human.esm.js', source: join(humanDist, 'human.esm.js'), contentType: 'text/javascript; charset=utf-8' },
    { name: 'blazeface.json', source: join(assets.modelDir, 'blazeface.json'), contentType: 'application/json' },
    { name: 'blazeface.bin', source: join(assets.modelDir, 'blazeface.bin'), contentType: 'application/octet-stream' },
    ...wasm.map((name) => ({ name, source: join(assets.wasmDir, name), contentType: 'application/wasm' })),
  ];
}

async function writeCapturePage(page: CapturePage, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const contents: Record<(typeof CAPTURE_PAGE_FILES)[number], string> = {
    'index.html': page.html,
    'app.js': page.js,
    'app.js.map': page.sourceMap,
    'app.css': page.css,
  };
  await Promise.all(Object.entries(contents).map(([name, body]) => writeFile(join(outDir, name), body)));
  await mkdir(join(outDir, FACE_GUIDE_FOLDER), { recursive: true });
  await Promise.all(faceGuideFiles().map((file) => copyFile(file.source, join(outDir, FACE_GUIDE_FOLDER, file.name))));
}

/** `/` (the capture page), its script and styles, the face guide's files, and `/v1/openapi.json`. */
export async function webStaticRoutes(): Promise<StaticRoute[]> {
  const page = await buildCapturePage();
  return [
    { path: '/', contentType: 'text/html; charset=utf-8', body: page.html },
    { path: '/index.html', contentType: 'text/html; charset=utf-8', body: page.html },
    { path: '/app.js', contentType: 'text/javascript; charset=utf-8', body: page.js },
    { path: '/app.js.map', contentType: 'application/json; charset=utf-8', body: page.sourceMap },
    { path: '/app.css', contentType: 'text/css; charset=utf-8', body: page.css },
    { path: '/v1/openapi.json', contentType: 'application/json; charset=utf-8', body: renderOpenApiDocument() },
    ...faceGuideFiles().map((file) => ({
      path: `/${FACE_GUIDE_FOLDER}/${file.name}`,
      contentType: file.contentType,
      body: () => readFile(file.source),
    })),
  ];
}

/** The local stack with the capture page and the OpenAPI document (npm start, browser tests). */
export async function startLocalStackWithPage(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ ...options, staticRoutes: [...(await webStaticRoutes()), ...(options.staticRoutes ?? [])] });
}
