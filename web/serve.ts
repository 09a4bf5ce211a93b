// Builds the capture page (esbuild, in memory) and serves it from the local stack next to the
// OpenAPI document. `buildCapturePage(outDir)` writes the same static files for any host
// (S3 + CloudFront): index.html, app.js, app.js.map, app.css — relative links, no server code.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StaticRoute } from '../local/api-server';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../local/stack';
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

async function writeCapturePage(page: CapturePage, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const contents: Record<(typeof CAPTURE_PAGE_FILES)[number], string> = {
    'index.html': page.html,
    'app.js': page.js,
    'app.js.map': page.sourceMap,
    'app.css': page.css,
  };
  await Promise.all(Object.entries(contents).map(([name, body]) => writeFile(join(outDir, name), body)));
}

/** `/` (the capture page), its script and styles, and `/v1/openapi.json`. */
export async function webStaticRoutes(): Promise<StaticRoute[]> {
  const page = await buildCapturePage();
  return [
    { path: '/', contentType: 'text/html; charset=utf-8', body: page.html },
    { path: '/index.html', contentType: 'text/html; charset=utf-8', body: page.html },
    { path: '/app.js', contentType: 'text/javascript; charset=utf-8', body: page.js },
    { path: '/app.js.map', contentType: 'application/json; charset=utf-8', body: page.sourceMap },
    { path: '/app.css', contentType: 'text/css; charset=utf-8', body: page.css },
    { path: '/v1/openapi.json', contentType: 'application/json; charset=utf-8', body: renderOpenApiDocument() },
  ];
}

/** The local stack with the capture page and the OpenAPI document (npm start, browser tests). */
export async function startLocalStackWithPage(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ ...options, staticRoutes: [...(await webStaticRoutes()), ...(options.staticRoutes ?? [])] });
}
