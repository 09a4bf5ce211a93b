// The local webhook publisher against a real receiver that always answers 500: every local retry
// is made, the last attempt is audited as the end of the delivery and counted as exhausted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { localObservability } from '../../../local/observability';
import { LocalOutcomePublisher } from '../../../local/outcome-publisher';
import { MetricsAuditLog } from '../../../src/adapters/observability/metrics-audit-log';
import { silentLog } from '../../../src/core/log';
import { buildOutcomeEvent } from '../../../src/events/envelope';
import { generateWebhookSecret } from '../../../src/events/standard-webhooks';
import { LOCAL_RETRY_SCHEDULE } from '../../../src/events/webhook-delivery';
import { InMemoryAuditLog } from '../../support/in-memory';

const SECRET = generateWebhookSecret();
const EVENT = buildOutcomeEvent({
  type: 'check.completed',
  check: { checkId: '6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f', provider: 'fpt', result: { decision: 'PASS', reasons: [] } },
  occurredAt: '2026-11-29T10:00:00.000Z',
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function failingReceiver(): Promise<{ url: string; received: () => number }> {
  let received = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/liveness?token=receiver-own-token`, received: () => received };
}

describe('LocalOutcomePublisher', () => {
  it('gives up on a receiver that always fails after every local retry, auditing and counting the delivery as exhausted', async () => {
    // Prepare
    const receiver = await failingReceiver();
    const observability = localObservability({ logLevel: 'SILENT' });
    const trail = new InMemoryAuditLog();
    const publisher = new LocalOutcomePublisher({
      endpoints: [receiver.url],
      secrets: [SECRET],
      audit: new MetricsAuditLog(trail, observability.metrics),
      log: silentLog,
      random: () => 0,
    });
    const total = (name: string) => observability.totals.list().find((metric) => metric.name === name)?.sum;

    // Act
    await publisher.publish([EVENT]);
    await publisher.idle();

    // Assess
    expect(receiver.received()).toBe(LOCAL_RETRY_SCHEDULE.maxAttempts);
    const details = trail.entries.map((entry) => entry.detail);
    expect(details.map((detail) => [detail.attempt, detail.status, detail.exhausted])).toEqual([
      [1, 500, undefined],
      [2, 500, undefined],
      [3, 500, undefined],
      [4, 500, undefined],
      [5, 500, undefined],
      [6, 500, true],
    ]);
    expect(total('WebhookDeliveryFailed')).toBe(6);
    expect(total('WebhookDeliveryExhausted')).toBe(1);
    expect(total('WebhookDelivered')).toBeUndefined();
    const text = JSON.stringify(trail.entries);
    for (const secretive of ['receiver-own-token', '/hooks/liveness', SECRET]) expect(text).not.toContain(secretive);
  });
});
