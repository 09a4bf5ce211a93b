// Domain metrics without touching the use cases: every step of a check is already appended to
// the audit trail, so a decorator of the AuditLog port turns each appended entry into CloudWatch
// metrics (EMF through Powertools). The trail stays the single source; metrics never fail a write.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { describeError } from '../../core/errors';
import { silentLog, type Log } from '../../core/log';
import { systemClock, type AuditEntry, type AuditLog, type Clock, type StoredAuditEntry } from '../../core/ports';
import { OPERATIONAL_REASONS, type VerdictReasonCode } from '../../core/reasons';
import { METRIC } from './metric-names';

export interface MetricsAuditLogOptions {
  readonly clock?: Clock;
  /** The check's provider when no entry of this invocation named it (a media refusal, a resumed check). */
  readonly providerOf?: (checkId: string) => Promise<string | undefined>;
  readonly log?: Log;
}

type Dimensions = Readonly<Record<string, string>>;
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** What one invocation learnt about a check from its earlier entries. */
interface CheckTrace {
  provider?: string;
  /** When the last part arrived (epoch ms), for upload-to-decision. */
  lastPartAt?: number;
}

/** Traces kept per container; a processor handles a few checks per invocation, so this is generous. */
const MAX_TRACES = 500;
const OPERATIONAL = new Set<string>(OPERATIONAL_REASONS);
/** The reason of a check ended on a live part already submitted (RESULT_RECORDED keeps reason codes). */
const DUPLICATE_MEDIA: VerdictReasonCode = 'DUPLICATE_MEDIA';

/**
 * Audit types of features that record their own steps (failover, breaker): each becomes a count,
 * with the provider as its dimension when the entry names one.
 */
const COUNTED_TYPES: Readonly<Record<string, string>> = {
  PROVIDER_FAILOVER: METRIC.providerFailovers,
  BREAKER_OPENED: METRIC.breakerOpened,
};

export class MetricsAuditLog implements AuditLog {
  private readonly traces = new Map<string, CheckTrace>();
  private readonly clock: Clock;
  private readonly log: Log;

  constructor(
    private readonly inner: AuditLog,
    private readonly metrics: Metrics,
    private readonly options: MetricsAuditLogOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLog;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.inner.append(entry);
    try {
      await this.record(entry);
    } catch (error) {
      // A metric is worth less than the step it describes: log and carry on.
      this.log.warn('Could not emit metrics for an audit entry', {
        checkId: entry.checkId,
        type: entry.type,
        error: describeError(error),
      });
    }
  }

  list(checkId: string): Promise<readonly StoredAuditEntry[]> {
    return this.inner.list(checkId);
  }

  private async record({ checkId, type, detail }: AuditEntry): Promise<void> {
    const provider = text(detail.provider);
    if (provider) this.trace(checkId).provider = provider;
    switch (type) {
      case 'PART_RECEIVED': {
        const receivedAt = Date.parse(text(detail.receivedAt) ?? '');
        this.trace(checkId).lastPartAt = Number.isNaN(receivedAt) ? this.clock.now().getTime() : receivedAt;
        return;
      }
      case 'MEDIA_CHECKED':
        for (const problem of Array.isArray(detail.problems) ? detail.problems : []) {
          const code = text((problem as { code?: unknown } | null)?.code);
          if (code) this.count(METRIC.mediaRefused, { reason: code });
        }
        return;
      case 'PROVIDER_RESPONSE': {
        if (!provider) return;
        this.count(METRIC.providerCalls, { provider });
        const latencyMs = detail.latencyMs;
        if (typeof latencyMs === 'number') this.emit(METRIC.providerLatency, { provider }, MetricUnit.Milliseconds, latencyMs);
        const outcome = text(detail.outcome);
        if (detail.error !== undefined || (outcome !== undefined && OPERATIONAL.has(outcome))) {
          this.count(METRIC.providerFailures, { provider });
        }
        return;
      }
      case 'PROVIDER_RETRY':
        if (provider) this.count(METRIC.providerRetries, { provider });
        return;
      case 'RESULT_RECORDED': {
        const decidedBy = await this.decided(checkId, METRIC.checksDecided, { decision: text(detail.decision) ?? 'UNKNOWN' });
        if (Array.isArray(detail.reasons) && detail.reasons.includes(DUPLICATE_MEDIA)) {
          this.count(METRIC.replayedMedia, { provider: decidedBy });
        }
        return;
      }
      case 'CHECK_FAILED':
        await this.decided(checkId, METRIC.checksFailed, { reason: text(detail.reason) ?? 'UNKNOWN' });
        return;
      case 'CHECK_EXPIRED':
        this.count(METRIC.checksExpired, {});
        return;
      case 'PROCESSING_RESUMED':
        this.count(METRIC.processingResumed, {});
        return;
      case 'WEBHOOK_DELIVERY':
        // One entry per delivery attempt; the last one of a delivery given up for good says so.
        this.count(detail.ok === true ? METRIC.webhookDelivered : METRIC.webhookDeliveryFailed, {});
        if (detail.exhausted === true) this.count(METRIC.webhookDeliveryExhausted, {});
        return;
      case 'REVIEW_DECIDED':
        this.count(METRIC.reviewsDecided, { decision: text(detail.decision) ?? 'UNKNOWN' });
        return;
      case 'MEDIA_VIEWED':
        this.count(METRIC.mediaViewed, {});
        return;
      default: {
        const name = COUNTED_TYPES[type];
        if (name) this.count(name, provider ? { provider } : {});
      }
    }
  }

  /** Counts the check's end under its provider, and returns that provider. */
  private async decided(checkId: string, name: string, dimensions: Dimensions): Promise<string> {
    const trace = this.traces.get(checkId);
    this.traces.delete(checkId);
    const provider = trace?.provider ?? (await this.options.providerOf?.(checkId)) ?? 'unknown';
    this.count(name, { provider, ...dimensions });
    if (trace?.lastPartAt !== undefined) {
      const elapsed = Math.max(0, this.clock.now().getTime() - trace.lastPartAt);
      this.emit(METRIC.uploadToDecision, { provider }, MetricUnit.Milliseconds, elapsed);
    }
    return provider;
  }

  private trace(checkId: string): CheckTrace {
    let trace = this.traces.get(checkId);
    if (!trace) {
      if (this.traces.size >= MAX_TRACES) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
      trace = {};
      this.traces.set(checkId, trace);
    }
    return trace;
  }

  private count(name: string, dimensions: Dimensions): void {
    this.emit(name, dimensions, MetricUnit.Count, 1);
  }

  /** Each data point goes out as its own EMF record: its dimensions are not those of its neighbours. */
  private emit(name: string, dimensions: Dimensions, unit: Unit, value: number): void {
    const single = this.metrics.singleMetric();
    if (Object.keys(dimensions).length > 0) single.addDimensions({ ...dimensions });
    single.addMetric(name, unit, value);
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
