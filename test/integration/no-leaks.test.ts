// Whole checks with every provider at the most verbose log level: no secret, poll token, media
// byte or Base64 fragment of the media may appear in any log line, audit entry or outcome event;
// no event carries a score, and the webhook secret appears nowhere. The replayed-media check is on
// (its HMAC key must not leak), and a human review runs (its presigned link must not leak).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { powertoolsLog } from '../../functions/common/log';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { PartName } from '../../src/core/check';
import { generateWebhookSecret } from '../../src/events/standard-webhooks';
import { withIgnoredPayload, withScenarioMarker } from '../../src/providers/simulator-kit';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const WEBHOOK_SECRET = generateWebhookSecret();
/** Every webhook request as received: headers and raw body. */
const webhookRequests: string[] = [];
let receiver: Server;

const MEDIA: Record<PartName, { bytes: Uint8Array; type: string; format: 'mp4' | 'jpeg' }> = {
  video: { bytes: fixture('face_moving.mp4'), type: 'video/mp4', format: 'mp4' },
  reference: { bytes: fixture('id_astronaut_1024.jpg'), type: 'image/jpeg', format: 'jpeg' },
  selfie: { bytes: fixture('id_exif_orient6.jpg'), type: 'image/jpeg', format: 'jpeg' },
};

/** Live parts get bytes of their own per check, as real captures do, so no check is a replay of another. */
const uploadBytes = (part: PartName): Uint8Array =>
  part === 'reference' ? MEDIA[part].bytes : withIgnoredPayload(MEDIA[part].bytes, MEDIA[part].format, randomBytes(16));

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
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      webhookRequests.push(JSON.stringify(request.headers) + Buffer.concat(chunks).toString('utf8'));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const log = powertoolsLog(new Logger({ serviceName: 'no-leaks', logLevel: 'DEBUG' }));
  stack = await startLocalStack({
    port: 0,
    env: { WEBHOOK_URL: webhookUrl, WEBHOOK_SECRET },
    log,
    sweepIntervalMs: 0,
    duplicateMediaCheck: true,
  });
});
afterAll(async () => {
  process.stdout.write = originalStdout;
  process.stderr.write = originalStderr;
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
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
      await uploadOk(form, uploadBytes(part), MEDIA[part].type);
    }
    const ended = await waitForEnd(stack.apiUrl, check.checkId);
    expect(ended.status, `${provider}: ${JSON.stringify(ended)}`).toBe('COMPLETED');
    await poll(stack.apiUrl, check.checkId, check.pollToken);
    await poll(stack.apiUrl, check.checkId, 'a-wrong-token-for-the-log');
    await result(stack.apiUrl, check.checkId);
    tokens.push(check.pollToken);
    checks.push(check);
  }
  // One check goes to a person: its media is viewed through a presigned link, then decided.
  const reviewed = await createCheck(stack.apiUrl, { parts: ['video', 'reference'], externalRef: 'leak-test-review' });
  const reviewVideo = withScenarioMarker(uploadBytes('video'), 'mp4', 'review');
  await uploadOk(reviewed.uploads.video as CreatedCheck['uploads'][string], reviewVideo, 'video/mp4');
  await uploadOk(reviewed.uploads.reference as CreatedCheck['uploads'][string], MEDIA.reference.bytes, MEDIA.reference.type);
  expect(await waitForEnd(stack.apiUrl, reviewed.checkId)).toMatchObject({ decision: 'REVIEW' });
  const link = (await (await fetch(`${stack.apiUrl}/v1/checks/${reviewed.checkId}/media/video`)).json()) as { url: string };
  const signature = new URL(link.url).searchParams.get('X-Amz-Signature') ?? '';
  expect(signature).toMatch(/^[0-9a-f]{64}$/);
  const decided = await fetch(`${stack.apiUrl}/v1/checks/${reviewed.checkId}/review`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'PASS', reviewer: 'leak-test-reviewer', note: 'leak-test-note' }),
  });
  expect(decided.status).toBe(200);
  tokens.push(reviewed.pollToken);
  checks.push(reviewed);
  // One more check ends by erasure, so check.erased is among the events too.
  const erased = await createCheck(stack.apiUrl, { externalRef: 'leak-test-erased' });
  expect((await fetch(`${stack.apiUrl}/v1/checks/${erased.checkId}`, { method: 'DELETE' })).status).toBe(200);
  tokens.push(erased.pollToken);
  await stack.idle();
  await stack.outcomes.idle();

  const audit = (await Promise.all(checks.map((check) => stack.deps.audit.list(check.checkId)))).flat();
  const events = [JSON.stringify(stack.outcomes.published), ...webhookRequests].join('\n');
  const haystack = [...captured, JSON.stringify(audit), events].join('\n');
  // One event per check, one more for the review (check.reviewed) and one for the erasure.
  expect(webhookRequests).toHaveLength(checks.length + 2);
  expect(audit.filter((entry) => entry.type === 'WEBHOOK_DELIVERY')).toHaveLength(checks.length + 1);
  // The reviewer and the note are in the result and the audit trail, never in an event.
  expect(events).not.toMatch(/leak-test-reviewer|leak-test-note/);
  expect(haystack.includes(signature), 'a presigned media link leaked').toBe(false);
  const hashKey = (await stack.deps.secrets.getJson(stack.deps.config.indexKeySecretId ?? '')) as { key: string };
  expect(hashKey.key.length).toBeGreaterThanOrEqual(32);
  expect(haystack.includes(hashKey.key), 'the index key leaked').toBe(false);
  // No score in any event: no score field, no liveness/deepfake/faceMatch block, no score value of a result.
  expect(events).not.toMatch(/"(?:score|liveness|deepfake|faceMatch|quality|attributes|pollToken)"/i);
  for (const check of checks) {
    const view = (await result(stack.apiUrl, check.checkId)).body as { liveness?: { score?: number } };
    // As a JSON value (a timestamp's milliseconds may hold the same digits).
    const score = view.liveness?.score;
    if (score !== undefined) expect(events).not.toMatch(new RegExp(`[:,\\[]${String(score).replace('.', '\\.')}[,}\\]]`));
  }
  const secretKey = WEBHOOK_SECRET.slice('whsec_'.length);
  expect(haystack.includes(secretKey), 'the webhook secret leaked').toBe(false);
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
