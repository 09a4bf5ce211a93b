// Nothing lost, nothing doubled, nothing stuck: duplicated and reordered events, processors that
// die at the worst moment, and uploads that never come — over the local stack, with the real
// DynamoDB conditional writes deciding every race.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../functions/common/wiring';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { CheckRepository } from '../../src/core/ports';
import { createCheck, fixture, poll, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');
const LEASE_SECONDS = 60;

/** A clock the test can move forward, as time passing would. */
function movableClock() {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  return clock;
}

type Fault = { method: keyof CheckRepository; remaining: number };

/** Makes chosen repository writes throw, as a processor killed at that instant would never make them. */
function crashing(faults: Fault[]) {
  return (deps: GatewayDeps): GatewayDeps => {
    const checks = new Proxy(deps.checks, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        const fault = faults.find((candidate) => candidate.method === property);
        if (!fault || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (fault.remaining > 0) {
            fault.remaining -= 1;
            return Promise.reject(new Error(`processor killed before ${String(property)}`));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { ...deps, checks };
  };
}

async function uploadBoth(stack: LocalStack, check: CreatedCheck, order: 'video-first' | 'reference-first' = 'video-first') {
  const video = () => uploadOk(check.uploads.video as CreatedCheck['uploads'][string], VIDEO, 'video/mp4');
  const reference = () => uploadOk(check.uploads.reference as CreatedCheck['uploads'][string], ID_PHOTO, 'image/jpeg');
  if (order === 'video-first') {
    await video();
    await reference();
  } else {
    await reference();
    await video();
  }
}

async function recordsOf(stack: LocalStack, checkId: string, count: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const records = stack.createdRecords.filter((record) => record.s3.object.key.includes(checkId));
    if (records.length >= count) return records;
    if (Date.now() > deadline) throw new Error(`expected ${count} S3 records for ${checkId}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A stack on a movable clock whose repository crashes as told, with manual sweeps. */
async function crashingStack(faults: Fault[], config: { maxProcessingAttempts?: number } = {}) {
  const clock = movableClock();
  const stack = await startLocalStack({
    port: 0,
    env: {},
    clock,
    sweepIntervalMs: 0,
    config: { processingLeaseSeconds: LEASE_SECONDS, ...config },
    decorate: crashing(faults),
  });
  return { clock, stack };
}

/** Creates a check, uploads both parts and waits until the processor has had its go. */
async function uploadedCheck(stack: LocalStack): Promise<CreatedCheck> {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  await uploadBoth(stack, check);
  await recordsOf(stack, check.checkId, 2);
  await stack.idle();
  return check;
}

const calls = (stack: LocalStack) => stack.simulators.fpt?.stats().calls ?? Number.NaN;

async function auditTypes(stack: LocalStack, checkId: string) {
  return (await stack.deps.audit.list(checkId)).map((entry) => entry.type);
}

describe('duplicated and reordered S3 events (manual delivery)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: {}, autoDeliver: false, sweepIntervalMs: 0 });
  });
  afterAll(async () => stack?.stop());

  it('calls the provider once when the last ObjectCreated event arrives three times at once', async () => {
    const before = calls(stack);
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    await uploadBoth(stack, check);
    const [videoRecord, referenceRecord] = await recordsOf(stack, check.checkId, 2);
    if (!videoRecord || !referenceRecord) throw new Error('records missing');
    await stack.deliver(videoRecord);
    await Promise.all([stack.deliver(referenceRecord), stack.deliver(referenceRecord), stack.deliver(referenceRecord)]);
    await stack.idle();

    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(calls(stack) - before).toBe(1);
    const types = await auditTypes(stack, check.checkId);
    expect(types.filter((type) => type === 'PROCESSING_STARTED')).toHaveLength(1);
    expect(types.filter((type) => type === 'RESULT_RECORDED')).toHaveLength(1);
  });

  it('calls the provider once when the parts arrive in reverse order, each event twice', async () => {
    const before = calls(stack);
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    await uploadBoth(stack, check, 'reference-first');
    const records = await recordsOf(stack, check.checkId, 2);
    for (const record of records) await Promise.all([stack.deliver(record), stack.deliver(record)]);
    await stack.idle();

    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    expect(calls(stack) - before).toBe(1);
    expect((await auditTypes(stack, check.checkId)).filter((type) => type === 'RESULT_RECORDED')).toHaveLength(1);
  });
});

describe('a processor that dies mid-way', () => {
  it('is resumed from the recorded provider answer, without a second call, when it died before writing the result', async () => {
    const { clock, stack } = await crashingStack([{ method: 'complete', remaining: 1 }]);
    try {
      const check = await uploadedCheck(stack);
      const stuck = await result(stack.apiUrl, check.checkId);
      expect(stuck.body).toMatchObject({ status: 'PROCESSING' });
      expect(calls(stack)).toBe(1);

      expect((await stack.sweep()).resumeRequested).toBe(0); // the lease still holds
      clock.offsetMs = (LEASE_SECONDS + 1) * 1000;
      expect((await stack.sweep()).resumeRequested).toBe(1);

      expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
      expect(calls(stack)).toBe(1);
      const audit = await stack.deps.audit.list(check.checkId);
      expect(audit.find((entry) => entry.type === 'PROCESSING_RESUMED')?.detail).toMatchObject({
        attempt: 2,
        fromRecordedAnswer: true,
      });
      expect(audit.filter((entry) => entry.type === 'PROVIDER_REQUEST')).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });

  it('calls the provider once more, and only once, when it died before the answer was recorded', async () => {
    const { clock, stack } = await crashingStack([{ method: 'recordProviderAnswer', remaining: 1 }]);
    try {
      const check = await uploadedCheck(stack);
      expect(calls(stack)).toBe(1);

      clock.offsetMs = (LEASE_SECONDS + 1) * 1000;
      await stack.sweep();
      await stack.sweep(); // a second sweep finds nothing more to resume
      expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
      expect(calls(stack)).toBe(2);
    } finally {
      await stack.stop();
    }
  });

  it('ends FAILED / PROCESSING_FAILED when every attempt dies, once the attempts are used up', async () => {
    const { clock, stack } = await crashingStack([{ method: 'recordProviderAnswer', remaining: 1000 }], {
      maxProcessingAttempts: 2,
    });
    try {
      const check = await uploadedCheck(stack);
      for (let round = 1; round <= 3; round++) {
        clock.offsetMs = round * (LEASE_SECONDS + 1) * 1000;
        await stack.sweep();
      }
      const body = await waitForEnd(stack.apiUrl, check.checkId);
      expect(body).toMatchObject({ status: 'FAILED', reasons: [expect.objectContaining({ code: 'PROCESSING_FAILED' })] });
      expect(calls(stack)).toBe(2);
      const view = await poll(stack.apiUrl, check.checkId, check.pollToken);
      expect(view.body).toMatchObject({ status: 'FAILED' });
    } finally {
      await stack.stop();
    }
  });
});

describe('uploads that never come', () => {
  it('expires the check after the forms expired (plus grace) and deletes the part that did arrive', async () => {
    const clock = movableClock();
    const stack = await startLocalStack({ port: 0, env: {}, clock, sweepIntervalMs: 0, config: { uploadGraceSeconds: 60 } });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await uploadOk(check.uploads.video as CreatedCheck['uploads'][string], VIDEO, 'video/mp4');
      await recordsOf(stack, check.checkId, 1);
      await stack.idle();

      expect((await stack.sweep()).expired).toBe(0);
      clock.offsetMs = (900 + 61) * 1000;
      expect((await stack.sweep()).expired).toBe(1);

      const view = await poll(stack.apiUrl, check.checkId, check.pollToken);
      expect(view.body).toMatchObject({ status: 'EXPIRED', reasons: [expect.objectContaining({ code: 'MEDIA_MISSING' })] });
      expect(view.body.reasons).toEqual([expect.objectContaining({ message: expect.stringContaining('reference') })]);
      expect(await stack.deps.media.head(`checks/${check.checkId}/video`)).toBeUndefined();
      expect(await auditTypes(stack, check.checkId)).toEqual(expect.arrayContaining(['CHECK_EXPIRED', 'MEDIA_DELETED']));
      expect(calls(stack)).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});
