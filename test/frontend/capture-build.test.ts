// The capture page as static files for any host (S3 + CloudFront): what buildCapturePage writes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildCapturePage, CAPTURE_PAGE_FILES, FACE_GUIDE_FOLDER, faceGuideFiles } from '../../web/serve';

let outDir: string | undefined;
afterEach(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** esbuild writes non-ASCII characters as \u and \x escapes. */
function unescaped(js: string): string {
  return js.replace(
    /\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))/g,
    (_, braced?: string, four?: string, two?: string) => String.fromCodePoint(parseInt(braced ?? four ?? two ?? '0', 16)),
  );
}

it('writes index.html, app.js, its source map, app.css and the face guide’s files, linked relatively so any path can serve them', async () => {
  outDir = mkdtempSync(join(tmpdir(), 'capture-page-'));

  const page = await buildCapturePage(outDir);

  expect(readdirSync(outDir).sort()).toEqual([...CAPTURE_PAGE_FILES, FACE_GUIDE_FOLDER].sort());
  // The detector's code, model and wasm are copied beside the page: it never fetches them from a CDN.
  expect(readdirSync(join(outDir, FACE_GUIDE_FOLDER)).sort()).toEqual(
    faceGuideFiles()
      .map((file) => file.name)
      .sort(),
  );
  expect(readFileSync(join(outDir, FACE_GUIDE_FOLDER, 'blazeface.json'), 'utf8')).toContain('blazeface.bin');
  // The guide is loaded lazily: human is not in app.js.
  expect(page.inputs.some((input) => input.includes('@vladmandic/human'))).toBe(false);
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  expect(html).toContain('src="app.js"');
  expect(html).toContain('href="app.css"');
  expect(html).not.toMatch(/(src|href)="\/(?!\/)/);
  expect(readFileSync(join(outDir, 'app.js'), 'utf8')).toBe(page.js);
  expect(page.js).toContain('sourceMappingURL=app.js.map');
  // Every locale is in the bundle; no Node module or AWS SDK leaked into it.
  const text = unescaped(page.js);
  const titles = ['Verify it’s you', 'Xác thực danh tính', 'Verifikasi identitas Anda', 'ご本人確認'];
  expect(titles.filter((title) => !text.includes(title))).toEqual([]);
  expect(page.inputs.some((input) => input.includes('@aws-sdk') || input.startsWith('node:'))).toBe(false);
});
