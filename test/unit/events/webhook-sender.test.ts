// The deployed sender's decisions, one queued message at a time, on a virtual clock: deliver,
// re-queue with back-off (in hops of at most 15 minutes), or dead-letter after at least 24 h.
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../src/core/log';
import { buildOutcomeEvent } from '../../../src/events/envelope';
import { generateWebhookSecret, webhookSecretKey, WebhookSecretError } from '../../../src/events/standard-webhooks';
import { DEPLOYED_RETRY_SCHEDULE, type DeliveryResult } from '../../../src/events/webhook-delivery';
import {
  MAX_QUEUE_DELAY_SECONDS,
  sendQueuedWebhook,
  webhookSecretsFrom,
  type WebhookMessage,
  type WebhookQueue,
  type WebhookSenderDeps,
} from '../../../src/events/webhook-sender';
import { InMemoryAuditLog } from '../../support/in-memory';

const ENDPOINT = 'https://backend.example.com/hooks';
const EVENT = buildOutcomeEvent({
  type: 'check.completed',
  check: { checkId: '6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f', provider: 'fpt', result: { decision: 'PASS', reasons: [] } },
  occurredAt: '2026-11-29T10:00:00.000Z',
});
const T0 = 1_800_000_000;

class RecordingQueue implements WebhookQueue {
  readonly sent: { message: WebhookMessage; delaySeconds: number }[] = [];
  readonly deadLetters: WebhookMessage[] = [];
  async send(message: WebhookMessage, delaySeconds: number) {
    this.sent.push({ message, delaySeconds });
  }
  async deadLetter(message: WebhookMessage) {
    this.deadLetters.push(message);
  }
}

function sender(answer: DeliveryResult, now = T0) {
  const queue = new RecordingQueue();
  const audit = new InMemoryAuditLog();
  const clock = { now };
  const deliveries: number[] = [];
  const deps: WebhookSenderDeps = {
    endpoints: [ENDPOINT],
    secrets: async () => [generateWebhookSecret()],
    policy: {},
    schedule: DEPLOYED_RETRY_SCHEDULE,
    queue,
    audit,
    log: silentLog,
    now: () => clock.now,
    random: () => 0.5,
    deliver: async () => {
      deliveries.push(clock.now);
      return answer;
    },
  };
  return { deps, queue, audit, clock, deliveries };
}

const FIRST: WebhookMessage = { event: EVENT, endpoint: ENDPOINT, attempt: 1 };
const FAILED_500: DeliveryResult = { ok: false, retryable: true, status: 500, ms: 12, failure: 'HTTP_STATUS' };

describe('sendQueuedWebhook', () => {
  it('delivers once and audits the attempt with host, status, latency and attempt number', async () => {
    const { deps, queue, audit } = sender({ ok: true, retryable: false, status: 204, ms: 31 });

    const outcome = await sendQueuedWebhook(deps, FIRST);

    expect(outcome).toBe('delivered');
    expect(queue.sent).toEqual([]);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        checkId: EVENT.data.checkId,
        type: 'WEBHOOK_DELIVERY',
        detail: expect.objectContaining({
          endpointHost: 'backend.example.com',
          status: 204,
          latencyMs: 31,
          attempt: 1,
          ok: true,
        }),
      }),
    ]);
  });

  it('re-queues a failed attempt as the next one, with a jittered delay and the time of the first attempt', async () => {
    const { deps, queue } = sender(FAILED_500);

    expect(await sendQueuedWebhook(deps, FIRST)).toBe('retry-scheduled');

    // random 0.5 × the first ceiling (5 s), rounded up.
    expect(queue.sent).toEqual([{ message: { ...FIRST, attempt: 2, firstAttemptAt: T0, notBefore: T0 + 3 }, delaySeconds: 3 }]);
  });

  it('waits out a delay longer than one queue delay in hops, without delivering', async () => {
    const { deps, queue, deliveries } = sender(FAILED_500);

    const outcome = await sendQueuedWebhook(deps, { ...FIRST, attempt: 12, firstAttemptAt: T0 - 3_600, notBefore: T0 + 2_000 });

    expect(outcome).toBe('waiting');
    expect(deliveries).toEqual([]);
    expect(queue.sent[0]?.delaySeconds).toBe(MAX_QUEUE_DELAY_SECONDS);
    expect(queue.sent[0]?.message.attempt).toBe(12);
  });

  it('dead-letters a message for an endpoint that is not configured, without calling it', async () => {
    const { deps, queue, deliveries } = sender(FAILED_500);

    expect(await sendQueuedWebhook(deps, { ...FIRST, endpoint: 'https://attacker.example/' })).toBe('dead-lettered');
    expect(deliveries).toEqual([]);
    expect(queue.deadLetters).toHaveLength(1);
  });

  it('keeps retrying a receiver that always fails for at least 24 h, then dead-letters the event', async () => {
    // Prepare: follow every re-queued message on the virtual clock, as SQS would hand it back.
    const { deps, queue, audit, clock, deliveries } = sender(FAILED_500);
    let message: WebhookMessage | undefined = FIRST;

    // Act
    while (message) {
      await sendQueuedWebhook(deps, message);
      const next = queue.sent.shift();
      if (next) clock.now += next.delaySeconds;
      message = next?.message;
    }

    // Assess
    expect(queue.deadLetters).toHaveLength(1);
    // Only the attempt before the dead-letter queue is marked as the end of the delivery.
    const audited = audit.entries.map((entry) => entry.detail);
    expect(audited).toHaveLength(deliveries.length);
    expect(audited.filter((detail) => detail.exhausted === true)).toEqual([audited.at(-1)]);
    expect(audited.at(-1)).toMatchObject({ attempt: deliveries.length, ok: false, exhausted: true });
    const span = (deliveries.at(-1) ?? 0) - (deliveries[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(24 * 3_600);
    expect(deliveries.length).toBeGreaterThanOrEqual(18);
    expect(deliveries.length).toBeLessThanOrEqual(DEPLOYED_RETRY_SCHEDULE.maxAttempts);
    expect(queue.deadLetters[0]?.attempt).toBe(deliveries.length);
  });

  it('dead-letters at once a failure no retry can fix (a refused URL)', async () => {
    const { deps, queue, audit } = sender({ ok: false, retryable: false, ms: 1, failure: 'PRIVATE_ADDRESS' });

    expect(await sendQueuedWebhook(deps, FIRST)).toBe('dead-lettered');
    expect(queue.sent).toEqual([]);
    expect(audit.entries.map((entry) => entry.detail)).toEqual([
      expect.objectContaining({ attempt: 1, failure: 'PRIVATE_ADDRESS', exhausted: true }),
    ]);
  });
});

describe('webhookSecretsFrom', () => {
  it('reads one or two whsec_ secrets (a rotation) from {"secrets": […]}', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(webhookSecretsFrom({ secrets: [a] })).toEqual([a]);
    expect(webhookSecretsFrom({ secrets: [a, b] })).toEqual([a, b]);
  });

  it('turns the generated {"key": 64 letters and digits} into a valid whsec_ secret', () => {
    const key = 'Ab3'.repeat(21) + 'Z';
    const [secret] = webhookSecretsFrom({ key });
    expect(secret).toBe(`whsec_${key}`);
    expect(webhookSecretKey(secret ?? '')).toHaveLength(48);
  });

  it('refuses other shapes without echoing the value', () => {
    for (const document of [{}, { secrets: [] }, { key: 'short' }, 'whsec_x', { secrets: ['not-a-secret-value'] }]) {
      let error: unknown;
      try {
        webhookSecretsFrom(document);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(WebhookSecretError);
      expect((error as Error).message).not.toContain('not-a-secret-value');
    }
  });
});
