// The audit decorator turns a check's steps into metrics: real Powertools Metrics whose EMF
// records are captured (local/observability), an in-memory audit trail underneath.
import { describe, expect, it } from 'vitest';
import { localObservability } from '../../../local/observability';
import { MetricsAuditLog } from '../../../src/adapters/observability/metrics-audit-log';
import type { AuditEntry, Clock } from '../../../src/core/ports';
import { InMemoryAuditLog } from '../../support/in-memory';

/** The in-memory trail, which can be made to refuse writes. */
class TrailInMemory extends InMemoryAuditLog {
  fail = false;
  override async append(entry: AuditEntry): Promise<void> {
    if (this.fail) throw new Error('table unavailable');
    return super.append(entry);
  }
}

function setup(providerOf?: (checkId: string) => Promise<string | undefined>) {
  let now = Date.parse('2026-11-29T10:00:00.000Z');
  const clock: Clock = { now: () => new Date(now) };
  const observability = localObservability({ logLevel: 'SILENT' });
  const trail = new TrailInMemory();
  const audit = new MetricsAuditLog(trail, observability.metrics, { clock, ...(providerOf ? { providerOf } : {}) });
  const metric = (name: string, dimensions: Record<string, string> = {}) =>
    observability.totals
      .list()
      .find(
        (total) =>
          total.name === name &&
          JSON.stringify(Object.entries(total.dimensions).sort()) ===
            JSON.stringify(Object.entries({ service: 'liveness-gateway', ...dimensions }).sort()),
      );
  return { audit, trail, metric, advance: (ms: number) => (now += ms) };
}

const CHECK = '6f1c2a52-3f0e-4c59-9d7e-1f2a3b4c5d6e';

describe('MetricsAuditLog', () => {
  it('counts a decided check by provider and decision, with the time from its last upload', async () => {
    const { audit, metric, advance } = setup();
    await audit.append({
      checkId: CHECK,
      type: 'PART_RECEIVED',
      detail: { part: 'video', receivedAt: '2026-11-29T10:00:00.000Z' },
    });
    await audit.append({ checkId: CHECK, type: 'PROVIDER_REQUEST', detail: { provider: 'senseid', attempt: 1 } });
    await audit.append({
      checkId: CHECK,
      type: 'PROVIDER_RESPONSE',
      detail: { provider: 'senseid', attempt: 1, httpStatus: 200, latencyMs: 420, outcome: 'PASS' },
    });
    advance(1500);
    await audit.append({
      checkId: CHECK,
      type: 'RESULT_RECORDED',
      detail: { status: 'COMPLETED', decision: 'PASS', reasons: [] },
    });

    expect(metric('ChecksDecided', { provider: 'senseid', decision: 'PASS' })?.sum).toBe(1);
    expect(metric('ProviderCalls', { provider: 'senseid' })?.sum).toBe(1);
    expect(metric('ProviderFailures', { provider: 'senseid' })).toBeUndefined();
    expect(metric('ProviderLatency', { provider: 'senseid' })).toMatchObject({ unit: 'Milliseconds', count: 1, p50: 420 });
    expect(metric('UploadToDecision', { provider: 'senseid' })).toMatchObject({ count: 1, sum: 1500 });
  });

  it('counts refusals by reason and asks for the provider when no provider step named it', async () => {
    const asked: string[] = [];
    const { audit, metric } = setup(async (checkId) => {
      asked.push(checkId);
      return 'fpt';
    });
    await audit.append({
      checkId: CHECK,
      type: 'MEDIA_CHECKED',
      detail: {
        outcome: 'rejected',
        problems: [
          { code: 'VIDEO_TOO_SHORT', message: '…' },
          { code: 'MEDIA_TOO_SMALL', message: '…' },
        ],
      },
    });
    await audit.append({ checkId: CHECK, type: 'RESULT_RECORDED', detail: { decision: 'RETRY', reasons: ['VIDEO_TOO_SHORT'] } });

    expect(metric('MediaRefused', { reason: 'VIDEO_TOO_SHORT' })?.sum).toBe(1);
    expect(metric('MediaRefused', { reason: 'MEDIA_TOO_SMALL' })?.sum).toBe(1);
    expect(metric('ChecksDecided', { provider: 'fpt', decision: 'RETRY' })?.sum).toBe(1);
    expect(asked).toEqual([CHECK]);
  });

  it('counts operational failures of attempts, retries and failed checks by reason', async () => {
    const { audit, metric } = setup();
    await audit.append({
      checkId: CHECK,
      type: 'PROVIDER_RESPONSE',
      detail: { provider: 'fpt', attempt: 1, error: 'timeout', latencyMs: 5000 },
    });
    await audit.append({ checkId: CHECK, type: 'PROVIDER_RETRY', detail: { provider: 'fpt', afterAttempt: 1, delayMs: 200 } });
    await audit.append({
      checkId: CHECK,
      type: 'PROVIDER_RESPONSE',
      detail: { provider: 'fpt', attempt: 2, httpStatus: 503, latencyMs: 30, outcome: 'PROVIDER_UNAVAILABLE' },
    });
    await audit.append({ checkId: CHECK, type: 'CHECK_FAILED', detail: { status: 'FAILED', reason: 'PROVIDER_UNAVAILABLE' } });

    expect(metric('ProviderCalls', { provider: 'fpt' })?.sum).toBe(2);
    expect(metric('ProviderFailures', { provider: 'fpt' })?.sum).toBe(2);
    expect(metric('ProviderRetries', { provider: 'fpt' })?.sum).toBe(1);
    expect(metric('ProviderLatency', { provider: 'fpt' })).toMatchObject({ count: 2, p50: 30, p99: 5000 });
    expect(metric('ChecksFailed', { provider: 'fpt', reason: 'PROVIDER_UNAVAILABLE' })?.sum).toBe(1);
  });

  it('counts the steps of failover and breaker under their names, with the provider', async () => {
    const { audit, metric } = setup();
    for (const type of ['PROVIDER_FAILOVER', 'BREAKER_OPENED']) {
      await audit.append({ checkId: CHECK, type: type as AuditEntry['type'], detail: { provider: 'verihubs' } });
    }
    expect(metric('ProviderFailovers', { provider: 'verihubs' })?.sum).toBe(1);
    expect(metric('BreakerOpened', { provider: 'verihubs' })?.sum).toBe(1);
  });

  it('counts webhook attempts delivered and failed, and a delivery given up only on its exhausted attempt', async () => {
    const { audit, metric } = setup();
    const attempt = { eventId: 'evt_1', eventType: 'check.completed', endpointHost: 'hooks.example.com', latencyMs: 12 };
    await audit.append({ checkId: CHECK, type: 'WEBHOOK_DELIVERY', detail: { ...attempt, attempt: 1, ok: true, status: 204 } });
    await audit.append({
      checkId: CHECK,
      type: 'WEBHOOK_DELIVERY',
      detail: { ...attempt, attempt: 1, ok: false, retryable: true, status: 500 },
    });
    expect(metric('WebhookDeliveryExhausted')).toBeUndefined();

    await audit.append({
      checkId: CHECK,
      type: 'WEBHOOK_DELIVERY',
      detail: { ...attempt, attempt: 2, ok: false, retryable: true, status: 500, exhausted: true },
    });

    expect(metric('WebhookDelivered')?.sum).toBe(1);
    expect(metric('WebhookDeliveryFailed')?.sum).toBe(2);
    expect(metric('WebhookDeliveryExhausted')?.sum).toBe(1);
  });

  it('counts human reviews by the decision taken and every media link handed out', async () => {
    const { audit, metric } = setup();
    for (const decision of ['PASS', 'FAIL', 'PASS']) {
      await audit.append({
        checkId: CHECK,
        type: 'REVIEW_DECIDED',
        detail: { decision, previousDecision: 'REVIEW', reviewer: 'ops@example.com', reviewedAt: '2026-11-29T10:00:00.000Z' },
      });
    }
    for (const part of ['video', 'reference']) {
      await audit.append({
        checkId: CHECK,
        type: 'MEDIA_VIEWED',
        detail: { part, requestedBy: 'arn:aws:iam::123456789012:user/ops', expiresAt: '2026-11-29T10:05:00.000Z' },
      });
    }

    expect(metric('ReviewsDecided', { decision: 'PASS' })?.sum).toBe(2);
    expect(metric('ReviewsDecided', { decision: 'FAIL' })?.sum).toBe(1);
    expect(metric('ReviewsDecided', { decision: 'RETRY' })).toBeUndefined();
    expect(metric('MediaViewed')?.sum).toBe(2);
    // A review is not a second decision of the check.
    expect(metric('ChecksDecided', { provider: 'unknown', decision: 'PASS' })).toBeUndefined();
  });

  it('counts a check ended on replayed media under its provider, and no other decided check', async () => {
    const { audit, metric } = setup(async () => 'senseid');
    await audit.append({
      checkId: CHECK,
      type: 'RESULT_RECORDED',
      detail: { status: 'COMPLETED', decision: 'REVIEW', reasons: ['DUPLICATE_MEDIA'] },
    });
    await audit.append({
      checkId: '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70',
      type: 'RESULT_RECORDED',
      detail: { status: 'COMPLETED', decision: 'REVIEW', reasons: ['NEEDS_REVIEW'] },
    });

    expect(metric('ReplayedMedia', { provider: 'senseid' })?.sum).toBe(1);
    expect(metric('ChecksDecided', { provider: 'senseid', decision: 'REVIEW' })?.sum).toBe(2);
  });

  it('emits nothing for a step the trail did not keep, and keeps reading through to the trail', async () => {
    const { audit, trail, metric } = setup();
    trail.fail = true;
    await expect(audit.append({ checkId: CHECK, type: 'CHECK_FAILED', detail: { reason: 'PROCESSING_FAILED' } })).rejects.toThrow(
      'table unavailable',
    );
    expect(metric('ChecksFailed', { provider: 'unknown', reason: 'PROCESSING_FAILED' })).toBeUndefined();
    trail.fail = false;
    await audit.append({ checkId: CHECK, type: 'CHECK_EXPIRED', detail: { missing: ['video'] } });
    expect(metric('ChecksExpired')?.sum).toBe(1);
    expect((await audit.list(CHECK)).map((entry) => entry.type)).toEqual(['CHECK_EXPIRED']);
  });
});
