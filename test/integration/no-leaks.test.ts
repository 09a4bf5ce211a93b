// Whole checks with every provider at the most verbose log level: no secret, poll token, media
// byte or Base64 fragment of the media may appear in any log line or audit entry.
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { powertoolsLog } from '../../functions/common/log';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { PartName } from '../../src/core/check';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const MEDIA: Record<PartName, { bytes: Uint8Array; type: string }> = {
  video: { bytes: fixture('face_moving.mp4'), type: 'video/mp4' },
  reference: { bytes: fixture('id_astronaut_1024.jpg'), type: 'image/jpeg' },
  selfie: { bytes: fixture('id_exif_orient6.jpg'), type: 'image/jpeg' },
};

let stack: LocalStack;
const captured: string[] = [];
const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

function capture(stream: NodeJS.WriteStream, original: typeof process.stdout.write): void {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
}

beforeAll(async () => {
  capture(process.stdout, originalStdout);
  capture(process.stderr, originalStderr);
  const log = powertoolsLog(new Logger({ serviceName: 'no-leaks', logLevel: 'DEBUG' }));
  stack = await startLocalStack({ port: 0, env: {}, log, sweepIntervalMs: 0 });
});
afterAll(async () => {
  process.stdout.write = originalStdout;
  process.stderr.write = originalStderr;
  await stack?.stop();
});

/** Every string value of the provider secrets, except endpoint URLs (not secret). */
async function secretValues(): Promise<string[]> {
  const values: string[] = [];
  for (const id of stack.deps.providers.enabled) {
    const provider = stack.deps.providers.get(id);
    if (!provider) continue;
    const secret = (await stack.deps.secrets.getJson(provider.config.secretId)) as Record<string, unknown>;
    for (const [key, value] of Object.entries(secret)) {
      if (key !== 'endpoint' && typeof value === 'string' && value.length >= 6) values.push(value);
    }
  }
  return values;
}

/** Fragments of each file as they could leak: raw bytes (as latin1 text) and Base64 from several offsets. */
function mediaFragments(bytes: Uint8Array): string[] {
  const fragments: string[] = [];
  for (const offset of [0, 3, 1000, 4097, Math.floor(bytes.length / 2)]) {
    const slice = Buffer.from(bytes.subarray(offset, offset + 48));
    fragments.push(slice.toString('base64').slice(4, 40));
    fragments.push(slice.toString('base64url').slice(4, 40));
  }
  // A run of raw bytes from the middle of the file, unlikely to occur by chance in text.
  fragments.push(Buffer.from(bytes.subarray(bytes.length / 2, bytes.length / 2 + 24)).toString('latin1'));
  return fragments;
}

it('keeps secrets, tokens and media out of logs and the audit trail, for every provider', async () => {
  expect(stack.deps.providers.enabled.length).toBeGreaterThan(0);
  const tokens: string[] = [];
  const checks: CreatedCheck[] = [];
  for (const provider of stack.deps.providers.enabled) {
    const check = await createCheck(stack.apiUrl, { provider, externalRef: `leak-test-${provider}` });
    for (const part of check.parts as PartName[]) {
      const form = check.uploads[part];
      if (!form) throw new Error(`no form for ${part}`);
      await uploadOk(form, MEDIA[part].bytes, MEDIA[part].type);
    }
    const ended = await waitForEnd(stack.apiUrl, check.checkId);
    expect(ended.status, `${provider}: ${JSON.stringify(ended)}`).toBe('COMPLETED');
    await poll(stack.apiUrl, check.checkId, check.pollToken);
    await poll(stack.apiUrl, check.checkId, 'a-wrong-token-for-the-log');
    await result(stack.apiUrl, check.checkId);
    tokens.push(check.pollToken);
    checks.push(check);
  }
  await stack.idle();

  const audit = (await Promise.all(checks.map((check) => stack.deps.audit.list(check.checkId)))).flat();
  const haystack = [...captured, JSON.stringify(audit)].join('\n');
  expect(captured.join('').length, 'the DEBUG logs were captured').toBeGreaterThan(1000);
  expect(audit.some((entry) => entry.type === 'PROVIDER_RESPONSE')).toBe(true);

  const secrets = await secretValues();
  expect(secrets.length).toBeGreaterThanOrEqual(stack.deps.providers.enabled.length);
  for (const secret of secrets) expect(haystack.includes(secret), 'a provider secret leaked').toBe(false);
  for (const token of tokens) expect(haystack.includes(token), 'a poll token leaked').toBe(false);
  for (const { bytes } of Object.values(MEDIA)) {
    for (const fragment of mediaFragments(bytes)) expect(haystack.includes(fragment), 'media leaked').toBe(false);
  }
});
