// The media judged is the media vetted, erasure wins every race, and the path from the last upload
// to the result is short — over the local stack: real SDK clients, the S3 gate (which enforces
// If-Match as S3 does), DynamoDB conditional writes, and the FPT simulator over HTTP.
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { AwsClients } from '../../src/adapters/aws/clients';
import { mediaKey } from '../../src/core/ports';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const SHORT_VIDEO = fixture('face_1s.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');
const PROVIDER_THINK_MS = 3000;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A video no other case uploads, so the simulator's log tells which request was this check's. */
function uniqueVideo(scenario = 'pass'): Uint8Array {
  return withScenarioMarker(VIDEO, 'mp4', `${scenario}&case=${randomUUID()}`);
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** Provider HTTP as the processor makes it, with the time each request was sent and answered. */
function recordingFetch() {
  const log = { sent: [] as number[], answered: [] as number[] };
  const wrapped: typeof fetch = async (input, init) => {
    log.sent.push(Date.now());
    try {
      return await fetch(input, init);
    } finally {
      log.answered.push(Date.now());
    }
  };
  return { log, fetch: wrapped };
}

type Form = CreatedCheck['uploads'][string];
const form = (check: CreatedCheck, part: string): Form => {
  const found = check.uploads[part];
  if (!found) throw new Error(`no form for ${part}`);
  return found;
};

async function auditOf(stack: LocalStack, checkId: string) {
  return stack.deps.audit.list(checkId);
}

/** The audit entries that tell a stored part was replaced by another upload. */
async function partReplaced(stack: LocalStack, checkId: string) {
  return (await auditOf(stack, checkId)).filter((entry) => entry.type === 'PART_REPLACED');
}

/** A local stack whose FPT simulator takes PROVIDER_THINK_MS to answer, its provider HTTP recorded. */
function slowProviderStack(
  provider: ReturnType<typeof recordingFetch>,
  options: Partial<Parameters<typeof startLocalStack>[0]> = {},
) {
  return startLocalStack({
    port: 0,
    env: {},
    sweepIntervalMs: 0,
    simulatorLatencyMs: PROVIDER_THINK_MS,
    http: { fetch: provider.fetch },
    ...options,
  });
}

/** A video-and-reference check, both parts uploaded with their forms: the processor takes it from here. */
async function uploadedCheck(stack: LocalStack, video: Uint8Array): Promise<CreatedCheck> {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  await uploadOk(form(check, 'video'), video, 'video/mp4');
  await uploadOk(form(check, 'reference'), ID_PHOTO, 'image/jpeg');
  return check;
}

/** The video's form used again, with another (shorter) video. */
async function reuploadVideo(check: CreatedCheck): Promise<void> {
  await uploadOk(form(check, 'video'), SHORT_VIDEO, 'video/mp4');
}

describe('a presigned form used again', () => {
  let stack: LocalStack;
  const provider = recordingFetch();
  beforeAll(async () => {
    stack = await slowProviderStack(provider);
  });
  afterAll(async () => stack?.stop());

  const simulatorRequestsWith = (digest: string) =>
    (stack.simulators.fpt?.requests?.() ?? []).filter((request) => request.mediaSha256?.includes(digest));

  it('is refused by the local S3 gate for a pinned read of the replaced upload (412, as S3 answers If-Match)', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    const key = mediaKey(check.checkId, 'reference');
    await uploadOk(form(check, 'reference'), ID_PHOTO, 'image/jpeg');
    const first = await stack.deps.media.head(key);
    const replacement = fixture('id_exif_orient6.jpg');
    await uploadOk(form(check, 'reference'), replacement, 'image/jpeg');
    const second = await stack.deps.media.head(key);

    const stale = await stack.deps.media.readPinned(key, first?.etag ?? '');
    const current = await stack.deps.media.readPinned(key, second?.etag ?? '');

    expect(first?.etag).not.toBe(second?.etag);
    expect(stale).toEqual({ kind: 'replaced' });
    expect(current.kind === 'object' && sha256(current.bytes)).toBe(sha256(replacement));
  });

  it('while the provider judges: the provider got the vetted bytes, the result is theirs, the audit says replaced', async () => {
    const video = uniqueVideo();
    const sentBefore = provider.log.sent.length;
    const check = await uploadedCheck(stack, video);
    await until('the provider request is in flight', () => provider.log.sent.length > sentBefore);

    await reuploadVideo(check);
    const body = await waitForEnd(stack.apiUrl, check.checkId);
    await stack.idle();

    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    const facts = (body.media as { part: string; sha256?: string; durationSeconds?: number }[]).find(
      (item) => item.part === 'video',
    );
    expect(facts?.sha256).toBe(sha256(video));
    expect(facts?.durationSeconds).toBeGreaterThan(3);
    expect(simulatorRequestsWith(sha256(video))).toHaveLength(1);
    expect(simulatorRequestsWith(sha256(SHORT_VIDEO))).toHaveLength(0);
    const replaced = await partReplaced(stack, check.checkId);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]?.detail).toMatchObject({ part: 'video', judged: false });
    expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
  });

  it('after the check ended: the result stands, nothing is judged again, and the new object is deleted', async () => {
    const video = uniqueVideo();
    const check = await uploadedCheck(stack, video);
    await waitForEnd(stack.apiUrl, check.checkId);
    await stack.idle();
    const decided = (await result(stack.apiUrl, check.checkId)).body;

    await reuploadVideo(check);
    await until('the re-upload is handled', () =>
      stack.createdRecords.some(
        (record) => record.s3.object.key.includes(check.checkId) && record.s3.object.size === SHORT_VIDEO.length,
      ),
    );
    await stack.idle();

    const after = await result(stack.apiUrl, check.checkId);
    expect(decided).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(after.body).toEqual(decided);
    expect(simulatorRequestsWith(sha256(video))).toHaveLength(1);
    expect(simulatorRequestsWith(sha256(SHORT_VIDEO))).toHaveLength(0);
    const [replaced] = await partReplaced(stack, check.checkId);
    expect(replaced?.detail).toMatchObject({ part: 'video', status: 'COMPLETED', judged: false });
    expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
  });
});

describe('erasure while the check is processing', () => {
  let stack: LocalStack;
  const provider = recordingFetch();
  beforeAll(async () => {
    stack = await slowProviderStack(provider, {
      providerConfig: { fpt: { timeoutMs: 5000, maxAttempts: 3, totalBudgetMs: 15_000 } },
    });
  });
  afterAll(async () => stack?.stop());

  async function erase(checkId: string): Promise<number> {
    const response = await fetch(`${stack.apiUrl}/v1/checks/${checkId}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    await response.text();
    return Date.now();
  }

  /**
   * After the erasure answered: no provider request, no audit entry but the erasure's own, and the
   * check reads as unknown. The simulator saw exactly the requests sent before the erasure.
   */
  async function expectNothingAfter(check: CreatedCheck, erasedAt: number, expectedCalls: number) {
    await stack.idle();
    await sleep(500);
    expect(provider.log.sent.filter((sent) => sent > erasedAt)).toEqual([]);
    const trail = await auditOf(stack, check.checkId);
    const types = trail.map((entry) => entry.type);
    expect(types.slice(types.indexOf('CHECK_ERASED'))).toEqual(['CHECK_ERASED']);
    expect(types).not.toContain('RESULT_RECORDED');
    expect(stack.simulators.fpt?.stats().calls).toBe(expectedCalls);
    const unknownId = randomUUID();
    expect((await result(stack.apiUrl, check.checkId)).status).toBe(404);
    expect((await poll(stack.apiUrl, check.checkId, check.pollToken)).status).toBe(
      (await poll(stack.apiUrl, unknownId, check.pollToken)).status,
    );
  }

  it('during the back-off between provider attempts: no further request, nothing after the tombstone', async () => {
    const answeredBefore = provider.log.answered.length;
    const callsBefore = stack.simulators.fpt?.stats().calls ?? Number.NaN;
    // The first answer is 429 with Retry-After: 3 s, so the processor waits before its retry.
    const check = await uploadedCheck(stack, uniqueVideo('fault_429_then_ok&retry_after=3'));
    await until('the first provider attempt was answered', () => provider.log.answered.length > answeredBefore);

    const erasedAt = await erase(check.checkId);
    await sleep(3500);

    await expectNothingAfter(check, erasedAt, callsBefore + 1);
  });

  it('during the provider call: its answer is dropped, nothing after the tombstone', async () => {
    const sentBefore = provider.log.sent.length;
    const callsBefore = stack.simulators.fpt?.stats().calls ?? Number.NaN;
    const check = await uploadedCheck(stack, uniqueVideo());
    await until('the provider request is in flight', () => provider.log.sent.length > sentBefore);

    const erasedAt = await erase(check.checkId);
    expect(provider.log.answered.length).toBe(sentBefore);
    await until('the provider answered', () => provider.log.answered.length > sentBefore);

    await expectNothingAfter(check, erasedAt, callsBefore + 1);
  });
});

interface AwsRequest {
  readonly op: string;
  readonly start: number;
  readonly end: number;
  readonly input: Readonly<Record<string, unknown>>;
}

/** Records every AWS request the processor's SDK clients make (one entry per call, retries inside). */
function recordRequests(requests: AwsRequest[]) {
  type Handler = (args: { input: Record<string, unknown> }) => Promise<unknown>;
  interface Recordable {
    middlewareStack: {
      add(
        middleware: (next: Handler, context: { commandName?: string }) => Handler,
        options: { step: 'initialize'; name: string },
      ): void;
    };
  }
  return (clients: AwsClients) => {
    for (const [service, client] of Object.entries({
      DynamoDB: clients.dynamo,
      S3: clients.s3,
      SecretsManager: clients.secrets,
    })) {
      (client as unknown as Recordable).middlewareStack.add(
        (next, context) => async (args) => {
          const start = performance.now();
          try {
            return await next(args);
          } finally {
            const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
            requests.push({ op: `${service}.${command}`, start, end: performance.now(), input: args.input });
          }
        },
        { step: 'initialize', name: `recordRequests${service}` },
      );
    }
  };
}

/**
 * The longest chain of requests ending with `last`, each starting after the previous one ended:
 * an upper bound of the round trips made one after another to get there.
 */
function longestChainTo(requests: readonly AwsRequest[], last: AwsRequest): AwsRequest[] {
  const sorted = [...requests].sort((a, b) => a.end - b.end);
  const best = new Map<AwsRequest, AwsRequest[]>();
  for (const request of sorted) {
    let chain: AwsRequest[] = [];
    for (const [earlier, candidate] of best) {
      if (earlier.end <= request.start && candidate.length > chain.length) chain = candidate;
    }
    best.set(request, [...chain, request]);
  }
  return best.get(last) ?? [];
}

describe('round trips from the last upload to the result', () => {
  let stack: LocalStack;
  const requests: AwsRequest[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      env: {},
      autoDeliver: false,
      sweepIntervalMs: 0,
      instrumentClients: recordRequests(requests),
    });
  });
  afterAll(async () => stack?.stop());

  it('takes at most 6 AWS requests in sequence besides the provider call', async () => {
    const check = await uploadedCheck(stack, VIDEO);
    await until(
      'both parts are stored',
      () => stack.createdRecords.filter((r) => r.s3.object.key.includes(check.checkId)).length === 2,
    );
    const [videoRecord, referenceRecord] = stack.createdRecords.filter((r) => r.s3.object.key.includes(check.checkId));
    if (!videoRecord || !referenceRecord) throw new Error('records missing');
    await stack.deliver(videoRecord);

    const lastPartEvent = performance.now();
    await stack.deliver(referenceRecord);

    const resultWrite = requests.find(
      (request) => request.start >= lastPartEvent && String(request.input.UpdateExpression ?? '').includes('#outcome'),
    );
    expect(resultWrite).toBeDefined();
    const window = requests.filter((request) => request.start >= lastPartEvent && request.end <= (resultWrite?.end ?? 0));
    if (!resultWrite) throw new Error('no result write');
    const chain = longestChainTo(window, resultWrite);
    console.log(
      `AWS requests in sequence, last part's event → result stored: ${chain.length}\n` +
        chain
          .map((request, index) => `  ${index + 1}. ${request.op} (${(request.end - request.start).toFixed(1)} ms)`)
          .join('\n') +
        `\nall requests in that window: ${window.map((request) => request.op).join(', ')}`,
    );
    expect(chain.length).toBeLessThanOrEqual(6);
    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
  });
});
