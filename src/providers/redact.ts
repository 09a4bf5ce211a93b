// Raw provider bodies go to the append-only audit trail, which must never hold media. Some
// providers echo images back as Base64 (SenseID `base64_image`); a body is also untrusted input,
// so its size is capped before it is stored.

export interface RedactOptions {
  /** Longest text kept; anything beyond is cut and the cut is marked. */
  readonly maxChars?: number;
  /** Strings at least this long that look like Base64 are replaced. */
  readonly minBase64Chars?: number;
}

export const DEFAULT_MAX_BODY_CHARS = 8 * 1024;
export const DEFAULT_MIN_BASE64_CHARS = 200;

// Standard and URL-safe alphabets, padding, line breaks (MIME wraps at 76), and an optional data-URL prefix.
const BASE64_VALUE = /^(?:data:[\w.+/-]+;base64,)?[A-Za-z0-9+/_\-\r\n]+={0,2}$/;

function looksLikeBase64(value: string, minChars: number): boolean {
  return value.length >= minChars && BASE64_VALUE.test(value);
}

function placeholder(length: number): string {
  return `[redacted ${length} chars]`;
}

function redactValue(value: unknown, minChars: number): unknown {
  if (typeof value === 'string') return looksLikeBase64(value, minChars) ? placeholder(value.length) : value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, minChars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item, minChars);
    return out;
  }
  return value;
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…[truncated, ${text.length} chars in total]`;
}

/**
 * Makes a provider response body safe and small enough for the audit trail. JSON bodies keep
 * their structure with Base64-looking string values replaced by `[redacted N chars]`. Other text
 * (including JSON cut short) has long Base64-looking runs replaced the same way, because a
 * truncated body can still carry most of an image. Both are then capped at `maxChars`.
 */
export function redactBody(text: string, options: RedactOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_BODY_CHARS;
  const minChars = options.minBase64Chars ?? DEFAULT_MIN_BASE64_CHARS;
  let parsed: unknown;
  let isJson = false;
  try {
    parsed = JSON.parse(text);
    isJson = true;
  } catch {
    // Not JSON: handled as plain text below.
  }
  if (isJson) return truncate(JSON.stringify(redactValue(parsed, minChars)), maxChars);
  const runs = new RegExp(`[A-Za-z0-9+/_\\-]{${minChars},}={0,2}`, 'g');
  return truncate(
    text.replace(runs, (run) => placeholder(run.length)),
    maxChars,
  );
}
