// Builds the capture page and the local review page (esbuild, in memory) and serves them from the
// local stack next to the OpenAPI document. `buildCapturePage(outDir)` writes the capture page's
// static files for any host (S3 + CloudFront): index.html, app.js, app.js.map, app.css — relative
// links, no server code — and the on-device face guide's files in face/ (fetched by the page only
// once the camera starts). The review page is served locally only (see buildReviewPage).
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

/** A page's four files: its HTML, its styles, its bundled script and that script's source map. */
export interface WebPage {
  readonly html: string;
  readonly css: string;
  readonly js: string;
  readonly sourceMap: string;
  /** Every file that went into the bundle, as esbuild names them. */
  readonly inputs: readonly string[];
}
export type CapturePage = WebPage;

interface Bundle {
  readonly js: string;
  readonly sourceMap: string;
  readonly inputs: readonly string[];
}

/** One browser entry as an ES module and its linked source map, refusing Node-only modules. */
async function bundle(entry: string, name: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [`${WEB_DIR}${entry}`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    // Safari 15 is the oldest iOS browser with MediaRecorder.
    target: ['chrome109', 'firefox115', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    outdir: '/',
    entryNames: name,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((input) => FORBIDDEN_IN_BROWSER.some((pattern) => pattern.test(input)));
  if (leaked.length > 0) throw new Error(`Node-only modules in the browser bundle: ${leaked.join(', ')}`);
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const sourceMap = result.outputFiles.find((file) => file.path.endsWith('.js.map'))?.text;
  if (js === undefined || sourceMap === undefined) throw new Error('esbuild produced no output');
  return { js, sourceMap, inputs };
}

/** Bundles the page; with `outDir`, also writes its four static files there. */
export async function buildCapturePage(outDir?: string): Promise<CapturePage> {
  const [{ js, sourceMap, inputs }, html, css] = await Promise.all([
    bundle('app/main.ts', 'app'),
    readFile(`${WEB_DIR}index.html`, 'utf8'),
    readFile(`${WEB_DIR}styles.css`, 'utf8'),
  ]);
  const page = { html, css, js, sourceMap, inputs };
  if (outDir !== undefined) await writeCapturePage(page, outDir);
  return page;
}

/**
 * The local review page (web/review.html, web/review/main.ts, web/review.css): the review queue,
 * one check's media and result, and the reviewer's decision, over the backend review routes.
 * Local only: deployed, those routes are IAM-authorised and a page would need its own sign-in.
 */
export async function buildReviewPage(): Promise<WebPage> {
  const [{ js, sourceMap, inputs }, html, css] = await Promise.all([
    bundle('review/main.ts', 'review'),
    readFile(`${WEB_DIR}review.html`, 'utf8'),
    readFile(`${WEB_DIR}review.css`, 'utf8'),
  ]);
  return { html, css, js, sourceMap, inputs };
}

/**
 * The review page's policy: its own script and styles, API calls to its own origin, and media
 * only from the bucket's presigned links (the media origins).
 */
export function reviewPageCsp(mediaOrigins: readonly string[]): string {
  const media = mediaOrigins.length > 0 ? mediaOrigins.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    `img-src 'self' data: ${media}`,
    `media-src ${media}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
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

export interface WebRoutesOptions {
  /** Origins the review page may load media from (the bucket's presigned links); read per request. */
  readonly mediaOrigins?: () => readonly string[];
}

/**
 * `/` (the capture page), its script and styles, the face guide's files, `/review` (the review
 * page) with its script and styles, and `/v1/openapi.json`.
 */
export async function webStaticRoutes(options: WebRoutesOptions = {}): Promise<StaticRoute[]> {
  const [page, review] = await Promise.all([buildCapturePage(), buildReviewPage()]);
  const mediaOrigins = options.mediaOrigins ?? (() => []);
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
    {
      path: '/review',
      handle: (request, response) => {
        const body = Buffer.from(review.html, 'utf8');
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': body.length,
          'cache-control': 'no-store',
          'content-security-policy': reviewPageCsp(mediaOrigins()),
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
    },
    { path: '/review.js', contentType: 'text/javascript; charset=utf-8', body: review.js },
    { path: '/review.js.map', contentType: 'application/json; charset=utf-8', body: review.sourceMap },
    { path: '/review.css', contentType: 'text/css; charset=utf-8', body: review.css },
  ];
}

/** The local stack with the capture page, the review page and the OpenAPI document (npm start, browser tests). */
export async function startLocalStackWithPage(options: LocalStackOptions = {}): Promise<LocalStack> {
  // The bucket's endpoint is known once the stack runs; the review page's policy reads it per request.
  let mediaOrigins: readonly string[] = [];
  const routes = await webStaticRoutes({ mediaOrigins: () => mediaOrigins });
  const stack = await startLocalStack({ ...options, staticRoutes: [...routes, ...(options.staticRoutes ?? [])] });
  mediaOrigins = [new URL(stack.s3Endpoint).origin];
  return stack;
}
