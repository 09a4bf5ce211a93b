import { describe, expect, it } from 'vitest';
import { redactBody } from '../../../src/providers/redact';

const BASE64 = Buffer.from('x'.repeat(600)).toString('base64');

describe('redactBody', () => {
  it('replaces long Base64 JSON values at any depth and keeps everything else', () => {
    const body = JSON.stringify({
      code: 1000,
      passed: true,
      base64_image: BASE64,
      nested: [{ face: `data:image/jpeg;base64,${BASE64}` }],
    });
    expect(JSON.parse(redactBody(body))).toEqual({
      code: 1000,
      passed: true,
      base64_image: `[redacted ${BASE64.length} chars]`,
      nested: [{ face: `[redacted ${BASE64.length + 23} chars]` }],
    });
  });

  it('keeps short strings and long strings that are not Base64', () => {
    const prose = 'a long message with spaces '.repeat(20);
    const body = JSON.stringify({ id: 'QUJD', message: prose });
    expect(JSON.parse(redactBody(body))).toEqual({ id: 'QUJD', message: prose });
  });

  it('replaces Base64 runs in text that is not JSON, such as a cut-off body', () => {
    const text = `{"base64_image":"${BASE64}`;
    expect(redactBody(text)).toBe(`{"base64_image":"[redacted ${BASE64.length} chars]`);
  });

  it('caps the length at 8 KB by default and marks the cut', () => {
    const out = redactBody('<html> '.repeat(5_000));
    expect(out.startsWith('<html> ')).toBe(true);
    expect(out).toMatch(/…\[truncated, 35000 chars in total\]$/);
    expect(out.length).toBeLessThan(8 * 1024 + 50);
    expect(redactBody('abc', { maxChars: 2 })).toBe('ab…[truncated, 3 chars in total]');
  });
});
