// Outcome events over the local stack, received by a real node:http server: one signed event per
// terminal transition, retries under the same webhook-id, delivery off the critical path, and no
// second event id from a duplicate S3 event or an attempt resumed after a crash.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../functions/common/wiring';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { verifyWebhook } from '../../src/client/node/webhooks';
import type { OutcomePublisher } from '../../src/core/ports';
import { OUTBOX_SWEEP_DELAY_SECONDS } from '../../src/core/use-cases/outcome-events';
import { outcomeEventId, type OutcomeEvent } from '../../src/events/envelope';
import { generateWebhookSecret } from '../../src/events/standard-webhooks';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { createCheck, fixture, result, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

const SECRET = generateWebhookSecret();
const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');
type Form = CreatedCheck['uploads'][string];

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly checkId: string;
  readonly receivedAt: number;
  /** The check's status as the result route gave it while this delivery was being received. */
  statusWhenReceived?: unknown;
}

type Answer = number | 'hang';

/** A webhook receiver: records every delivery and answers as told per check (default 204). */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const answers = new Map<string, Answer[]>();
  const hanging: ServerResponse[] = [];
  let apiUrl = '';
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const checkId = String((JSON.parse(body.toString('utf8')) as OutcomeEvent).data.checkId);
      const delivery: Delivery = { headers: request.headers, body, checkId, receivedAt: Date.now() };
      deliveries.push(delivery);
      const answer = answers.get(checkId)?.shift() ?? 204;
      if (answer !== 'hang') {
        response.writeHead(answer).end();
        return;
      }
      hanging.push(response);
      void result(apiUrl, checkId).then((view) => {
        delivery.statusWhenReceived = view.body.status;
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    answers,
    setApiUrl: (url: string) => {
      apiUrl = url;
    },
    of: (checkId: string) => deliveries.filter((delivery) => delivery.checkId === checkId),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function waitForDeliveries(receiver: Receiver, checkId: string, count: number, timeoutMs = 10_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = receiver.of(checkId);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} deliveries for ${checkId}, got ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits a little longer to see that nothing more arrives. */
async function settle(ms = 1_500): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function uploadBoth(check: CreatedCheck, video: Uint8Array = VIDEO): Promise<void> {
  await uploadOk(check.uploads.video as Form, video, 'video/mp4');
  await uploadOk(check.uploads.reference as Form, ID_PHOTO, 'image/jpeg');
}

function movableClock() {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  return clock;
}

const publishedFor = (stack: LocalStack, checkId: string) =>
  stack.outcomes.published.filter((event) => event.data.checkId === checkId).map((event) => event.id);

describe('webhooks for every terminal status', () => {
  let receiver: Receiver;
  let stack: LocalStack;
  const clock = movableClock();

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      clock,
      sweepIntervalMs: 0,
      providerConfig: { fpt: { timeoutMs: 500, maxAttempts: 1, totalBudgetMs: 2_000 } },
    });
    receiver.setApiUrl(stack.apiUrl);
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('sends one signed check.completed with the decision, after the result is stored, and audits the attempt', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    await uploadBoth(check);
    await waitForEnd(stack.apiUrl, check.checkId);

    const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);
    await settle();

    expect(receiver.of(check.checkId)).toHaveLength(1);
    const verified = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? Buffer.alloc(0), SECRET);
    expect(verified.id).toBe(outcomeEventId(check.checkId, 'check.completed'));
    expect(verified.event).toMatchObject({
      type: 'check.completed',
      data: { checkId: check.checkId, provider: 'fpt', status: 'COMPLETED', decision: 'PASS', reasons: [] },
    });
    const audit = await stack.deps.audit.list(check.checkId);
    const attempts = audit.filter((entry) => entry.type === 'WEBHOOK_DELIVERY');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.detail).toMatchObject({
      eventId: verified.id,
      endpointHost: new URL(receiver.url).host,
      attempt: 1,
      status: 204,
      ok: true,
      latencyMs: expect.any(Number),
    });
  });

  it('sends one signed check.failed with the operational reason', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    await uploadBoth(check, withScenarioMarker(VIDEO, 'mp4', 'fault_500'));
    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'FAILED' });

    const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);

    const { event } = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? Buffer.alloc(0), SECRET);
    expect(event).toMatchObject({
      id: outcomeEventId(check.checkId, 'check.failed'),
      type: 'check.failed',
      data: { status: 'FAILED', reasons: [{ code: 'PROVIDER_UNAVAILABLE' }] },
    });
  });

  it('sends one signed check.erased on the first DELETE and nothing on the second', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });

    const first = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
    const second = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
    const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);
    await settle();

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(receiver.of(check.checkId)).toHaveLength(1);
    const { event } = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? Buffer.alloc(0), SECRET);
    expect(event).toMatchObject({ type: 'check.erased', data: { checkId: check.checkId, status: 'ERASED', reasons: [] } });
  });

  it('sends check.completed REVIEW, then one signed check.reviewed with the reviewer’s decision, and nothing for a second review', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'], externalRef: 'applicant-reviewed' });
    await uploadBoth(check, withScenarioMarker(VIDEO, 'mp4', 'review'));
    expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ decision: 'REVIEW' });
    await waitForDeliveries(receiver, check.checkId, 1);
    const decide = (reviewer: string) =>
      fetch(`${stack.apiUrl}/v1/checks/${check.checkId}/review`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'FAIL', reviewer, note: 'printed photo held to the camera' }),
      });

    const first = await decide('alice');
    const second = await decide('bob');
    const deliveries = await waitForDeliveries(receiver, check.checkId, 2);
    await settle();

    expect([first.status, second.status]).toEqual([200, 409]);
    expect(receiver.of(check.checkId)).toHaveLength(2);
    const events = deliveries.map((delivery) => verifyWebhook(delivery.headers, delivery.body, SECRET).event);
    expect(events.map((event) => [event.type, event.data.decision])).toEqual([
      ['check.completed', 'REVIEW'],
      ['check.reviewed', 'FAIL'],
    ]);
    expect(events[1]).toMatchObject({
      id: outcomeEventId(check.checkId, 'check.reviewed'),
      data: {
        checkId: check.checkId,
        externalRef: 'applicant-reviewed',
        status: 'COMPLETED',
        reasons: [{ code: 'NEEDS_REVIEW' }],
      },
    });
    // The reviewer and the note stay in the result and the audit trail, not in the event.
    expect(deliveries[1]?.body.toString('utf8')).not.toMatch(/alice|printed photo/);
    expect((await stack.deps.checks.get(check.checkId))?.outbox ?? []).toEqual([]);
  });

  it('retries a receiver that answers 500 twice with the same webhook-id, the first retry within 2 s', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    receiver.answers.set(check.checkId, [500, 500, 200]);
    await uploadBoth(check);

    const deliveries = await waitForDeliveries(receiver, check.checkId, 3);
    await settle();

    expect(receiver.of(check.checkId)).toHaveLength(3);
    const ids = deliveries.map((delivery) => verifyWebhook(delivery.headers, delivery.body, SECRET).id);
    expect(new Set(ids)).toEqual(new Set([outcomeEventId(check.checkId, 'check.completed')]));
    expect((deliveries[1]?.receivedAt ?? 0) - (deliveries[0]?.receivedAt ?? 0)).toBeLessThan(2_000);
    const statuses = (await stack.deps.audit.list(check.checkId))
      .filter((entry) => entry.type === 'WEBHOOK_DELIVERY')
      .map((entry) => [entry.detail.attempt, entry.detail.status]);
    expect(statuses).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
  });

  it('stores the result before delivering, and a receiver that never answers does not hold the check up', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    receiver.answers.set(check.checkId, ['hang']);
    await uploadOk(check.uploads.video as Form, VIDEO, 'video/mp4');
    await uploadOk(check.uploads.reference as Form, ID_PHOTO, 'image/jpeg');
    const uploaded = Date.now();

    const body = await waitForEnd(stack.apiUrl, check.checkId);
    const processingMs = Date.now() - uploaded;
    const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);
    await settle(500);

    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
    // The attempt is still waiting for its 10 s timeout; the check was decided long before.
    expect(processingMs).toBeLessThan(8_000);
    expect(delivery?.statusWhenReceived).toBe('COMPLETED');
    expect((await result(stack.apiUrl, check.checkId)).body).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
  });

  it('sends one signed check.expired when the uploads never come', async () => {
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    clock.offsetMs = (900 + 300 + 1) * 1000;
    try {
      await stack.sweep();
    } finally {
      clock.offsetMs = 0;
    }

    const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);

    const { id, event } = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? Buffer.alloc(0), SECRET);
    expect(id).toBe(outcomeEventId(check.checkId, 'check.expired'));
    expect(event).toMatchObject({ type: 'check.expired', data: { status: 'EXPIRED', reasons: [{ code: 'MEDIA_MISSING' }] } });
  });
});

describe('no second event id', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  it('from the last ObjectCreated event delivered three times at once', async () => {
    const stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      autoDeliver: false,
      sweepIntervalMs: 0,
    });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await uploadBoth(check);
      const deadline = Date.now() + 5_000;
      while (stack.createdRecords.filter((record) => record.s3.object.key.includes(check.checkId)).length < 2) {
        if (Date.now() > deadline) throw new Error('S3 records missing');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const [video, reference] = stack.createdRecords.filter((record) => record.s3.object.key.includes(check.checkId));
      if (!video || !reference) throw new Error('S3 records missing');

      await stack.deliver(video);
      await Promise.all([stack.deliver(reference), stack.deliver(reference), stack.deliver(reference)]);
      await stack.idle();
      await waitForDeliveries(receiver, check.checkId, 1);
      await settle();

      expect(publishedFor(stack, check.checkId)).toEqual([outcomeEventId(check.checkId, 'check.completed')]);
      expect(receiver.of(check.checkId)).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });

  it('from an attempt that died before its result and was resumed after its lease', async () => {
    const clock = movableClock();
    let crashes = 1;
    const stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      clock,
      sweepIntervalMs: 0,
      config: { processingLeaseSeconds: 60 },
      decorate: (deps: GatewayDeps): GatewayDeps => ({
        ...deps,
        checks: Object.assign(Object.create(deps.checks) as typeof deps.checks, {
          complete: (...args: Parameters<typeof deps.checks.complete>) =>
            crashes-- > 0 ? Promise.reject(new Error('processor killed before complete')) : deps.checks.complete(...args),
        }),
      }),
    });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await uploadBoth(check);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stack.idle();
      expect(publishedFor(stack, check.checkId)).toEqual([]);

      clock.offsetMs = 61_000;
      await stack.sweep();
      await waitForDeliveries(receiver, check.checkId, 1);
      await stack.sweep();
      await settle();

      expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED' });
      expect(publishedFor(stack, check.checkId)).toEqual([outcomeEventId(check.checkId, 'check.completed')]);
      expect(receiver.of(check.checkId)).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });

  it('from a DELETE that died between writing the tombstone and publishing: the sweep publishes check.erased once', async () => {
    // Prepare: the erase function is killed right after its conditional Put replaced the record.
    const clock = movableClock();
    let kills = 1;
    const stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      clock,
      sweepIntervalMs: 0,
      decorate: (deps: GatewayDeps): GatewayDeps => ({
        ...deps,
        checks: Object.assign(Object.create(deps.checks) as typeof deps.checks, {
          erase: async (...args: Parameters<typeof deps.checks.erase>) => {
            const erased = await deps.checks.erase(...args);
            if (kills-- > 0) throw new Error('erase function killed after the tombstone was written');
            return erased;
          },
        }),
      }),
    });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      const erasedId = outcomeEventId(check.checkId, 'check.erased');

      // Act: the DELETE dies; its client retries; the sweep runs once the outbox is due, and again.
      const died = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
      const retried = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
      await settle(500);
      const beforeSweep = publishedFor(stack, check.checkId);
      const early = await stack.sweep();
      clock.offsetMs = OUTBOX_SWEEP_DELAY_SECONDS * 1000;
      const due = await stack.sweep();
      const again = await stack.sweep();
      const [delivery] = await waitForDeliveries(receiver, check.checkId, 1);
      await settle();

      // Assess
      expect(died.status).toBe(500);
      // The retry answers with the receipt the dead call left on the tombstone, and audits it.
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ checkId: check.checkId, alreadyErased: true, deleted: { record: true } });
      const receipts = (await stack.deps.audit.list(check.checkId)).filter((entry) => entry.type === 'CHECK_ERASED');
      expect(receipts).toHaveLength(1);
      expect(beforeSweep).toEqual([]);
      expect([early.outboxesPublished, due.outboxesPublished, again.outboxesPublished]).toEqual([0, 1, 0]);
      expect(publishedFor(stack, check.checkId)).toEqual([erasedId]);
      expect(receiver.of(check.checkId)).toHaveLength(1);
      const { event } = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? Buffer.alloc(0), SECRET);
      expect(delivery?.headers['webhook-id']).toBe(erasedId);
      expect(event).toMatchObject({ id: erasedId, type: 'check.erased', data: { checkId: check.checkId, status: 'ERASED' } });
      expect(await stack.deps.checks.get(check.checkId)).toBeUndefined();
    } finally {
      await stack.stop();
    }
  });

  it('from a DELETE that published check.erased itself and a sweep after it, and a repeated DELETE', async () => {
    const clock = movableClock();
    const stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      clock,
      sweepIntervalMs: 0,
    });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });

      const first = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
      clock.offsetMs = OUTBOX_SWEEP_DELAY_SECONDS * 1000;
      const report = await stack.sweep();
      const second = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, { method: 'DELETE' });
      await waitForDeliveries(receiver, check.checkId, 1);
      await settle();

      expect([first.status, second.status]).toEqual([200, 200]);
      expect(report.outboxesPublished).toBe(0);
      expect(publishedFor(stack, check.checkId)).toEqual([outcomeEventId(check.checkId, 'check.erased')]);
      expect(receiver.of(check.checkId)).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  });

  it('from a function that died between committing the result and publishing: the sweep publishes it once', async () => {
    const clock = movableClock();
    let lost = 1;
    const stack = await startLocalStack({
      port: 0,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
      clock,
      sweepIntervalMs: 0,
      decorate: (deps: GatewayDeps): GatewayDeps => {
        const outcomes: OutcomePublisher = {
          publish: (events) =>
            lost-- > 0 ? Promise.reject(new Error('killed before publishing')) : deps.outcomes.publish(events),
        };
        return { ...deps, outcomes };
      },
    });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await uploadBoth(check);
      expect(await waitForEnd(stack.apiUrl, check.checkId)).toMatchObject({ status: 'COMPLETED' });
      await stack.idle();
      expect(publishedFor(stack, check.checkId)).toEqual([]);
      expect((await stack.deps.checks.get(check.checkId))?.outbox).toHaveLength(1);

      // No media keep window: the check is due for its media at once, so for its outbox too.
      clock.offsetMs = OUTBOX_SWEEP_DELAY_SECONDS * 1000;
      expect((await stack.sweep()).outboxesPublished).toBe(1);
      expect((await stack.sweep()).outboxesPublished).toBe(0);
      await waitForDeliveries(receiver, check.checkId, 1);
      await settle();

      expect(publishedFor(stack, check.checkId)).toEqual([outcomeEventId(check.checkId, 'check.completed')]);
      expect(receiver.of(check.checkId)).toHaveLength(1);
      expect((await stack.deps.checks.get(check.checkId))?.outbox).toBeUndefined();
    } finally {
      await stack.stop();
    }
  });
});
