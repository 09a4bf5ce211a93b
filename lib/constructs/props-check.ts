// Shared prop checks: every construct collects its problems first and throws once, before it
// creates any resource, so a bad context fails synth with every mistake listed.
import { Token } from 'aws-cdk-lib';

/** Throws `Invalid <construct> props` listing every problem, if there is any. */
export function assertNoProblems(construct: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`Invalid ${construct} props:\n- ${problems.join('\n- ')}`);
}

/**
 * Problems with browser origins: each must be scheme, host and optional port, nothing more.
 * `wildcardHosts` also accepts a leading `*.` label (CSP sources like `https://*.s3.eu-west-1.amazonaws.com`).
 */
export function corsOriginProblems(origins: readonly string[], key = 'corsOrigins', wildcardHosts = false): string[] {
  const asOrigin = (origin: string) => (wildcardHosts ? origin.replace('://*.', '://wildcard.') : origin);
  // A deploy-time value (the capture page's distribution domain) is built as an origin by its construct.
  const bad = origins.filter((origin) => !Token.isUnresolved(origin) && !isOrigin(asOrigin(origin)));
  return bad.map(
    (origin) => `${key}: "${origin}" is not an origin like https://app.example.com (scheme, host, optional port, no path)`,
  );
}

export function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
