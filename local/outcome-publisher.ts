// The local OutcomePublisher: EventBridge is not emulated, so events handed to "the bus" are kept
// in a list (tests read it); each event goes to every WEBHOOK_URL in the background, signed, with
// the local retry schedule (first retry within 2 s, at least 5 attempts), every attempt audited,
// the last one of a delivery given up marked `exhausted`.
// publish() returns at once: delivery is off the critical path, as the queue makes it in AWS.
import type { Log } from '../src/core/log';
import type { AuditLog, OutcomePublisher } from '../src/core/ports';
import type { OutcomeEvent } from '../src/events/envelope';
import {
  deliverWithRetries,
  LOCAL_RETRY_SCHEDULE,
  webhookAttemptAudit,
  type DeliveryResult,
} from '../src/events/webhook-delivery';

export interface LocalOutcomePublisherOptions {
  readonly endpoints: readonly string[];
  readonly secrets: readonly string[];
  readonly audit: AuditLog;
  readonly log: Log;
  /** The jitter of the retry delays, [0, 1) (tests pass 0 to retry at once). @default Math.random */
  readonly random?: () => number;
}

export class LocalOutcomePublisher implements OutcomePublisher {
  /** Every event put on the (simulated) bus, in order. */
  readonly published: OutcomeEvent[] = [];
  private readonly deliveries = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: LocalOutcomePublisherOptions) {}

  async publish(events: readonly OutcomeEvent[]): Promise<void> {
    this.published.push(...structuredClone(events));
    for (const event of events) {
      for (const url of this.options.endpoints) this.track(this.deliver(event, url));
    }
  }

  /** Resolves when no delivery is in progress (retries included). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  /** Stops retrying; an attempt in flight finishes (within its 10 s timeout). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private track(delivery: Promise<unknown>): void {
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private async deliver(event: OutcomeEvent, url: string): Promise<DeliveryResult | undefined> {
    const { audit, log, secrets } = this.options;
    const host = new URL(url).host;
    try {
      const result = await deliverWithRetries(
        { url, event, secrets, policy: { allowHttp: true, allowPrivate: true } },
        {
          schedule: LOCAL_RETRY_SCHEDULE,
          signal: this.stopping.signal,
          ...(this.options.random ? { random: this.options.random } : {}),
          onAttempt: async (attempt, outcome, exhausted) => {
            const detail = webhookAttemptAudit(event, url, attempt, outcome, exhausted);
            log.info('Webhook attempt', { checkId: event.data.checkId, ...detail });
            await audit.append({ checkId: event.data.checkId, type: 'WEBHOOK_DELIVERY', detail: { ...detail } }).catch(() => {});
          },
        },
      );
      if (!result.ok)
        log.warn('Webhook delivery given up', { checkId: event.data.checkId, eventId: event.id, endpointHost: host });
      return result;
    } catch (error) {
      log.error('Webhook delivery crashed', { eventId: event.id, error: error instanceof Error ? error.message : 'unknown' });
      return undefined;
    }
  }
}
