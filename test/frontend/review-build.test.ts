// The review page's bundle: what web/serve.ts serves at /review, /review.js and /review.css.
import { expect, it } from 'vitest';
import { buildReviewPage, reviewPageCsp } from '../../web/serve';

it('links its script and styles relatively, runs no inline script, and never writes HTML from strings', async () => {
  const page = await buildReviewPage();

  expect(page.html).toContain('<script type="module" src="review.js"></script>');
  expect(page.html).toContain('href="review.css"');
  expect(page.html).not.toMatch(/(src|href)="\/(?!\/)/);
  expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(page.html).not.toMatch(/\son[a-z]+=/i);
  expect(page.js).toContain('sourceMappingURL=review.js.map');
  // Data reaches the page through textContent only.
  expect(page.js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  expect(page.inputs.some((input) => input.includes('@aws-sdk') || input.startsWith('node:'))).toBe(false);
});

it('allows media from the given origins only, and scripts and styles from its own', () => {
  const policy = reviewPageCsp(['http://127.0.0.1:4569']);

  expect(policy.split('; ')).toEqual(
    expect.arrayContaining([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data: http://127.0.0.1:4569",
      'media-src http://127.0.0.1:4569',
      "frame-ancestors 'none'",
    ]),
  );
  expect(reviewPageCsp([])).toContain("media-src 'none'");
});
