// Observability on one machine: the same Powertools Logger, Metrics and Tracer as in Lambda, with
// their outputs captured. Metrics keep their EMF records (totals served at GET /__local/metrics,
// and each record handed on as the raw line Lambda would print); the logger's lines can be
// handed to a sink as well as printed. Tracing stays off outside Lambda (Powertools' own rule).
import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../src/adapters/observability/metric-names';
import type { Observability } from '../functions/common/observability';

/** One EMF record as Powertools serialises it. */
export type EmfRecord = ReturnType<Metrics['serializeMetrics']>;
type EmfSink = (record: EmfRecord) => void;

type MetricsOptions = NonNullable<ConstructorParameters<typeof Metrics>[0]>;

/**
 * Powertools Metrics whose records go to a sink instead of stdout. singleMetric() hands out the
 * same kind, so records with their own dimensions are captured too.
 */
class CapturingMetrics extends Metrics {
  constructor(
    private readonly options: MetricsOptions,
    private readonly sink: EmfSink,
  ) {
    super(options);
  }

  override publishStoredMetrics(): this {
    try {
      if (this.hasStoredMetrics() && !this.isDisabled()) this.sink(this.serializeMetrics());
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
    return this;
  }

  /** Default dimensions are those given at construction (this stack never sets more later). */
  override singleMetric(): Metrics {
    return new CapturingMetrics({ ...this.options, singleMetric: true }, this.sink);
  }
}

export interface MetricTotal {
  readonly name: string;
  readonly unit: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** How many values were recorded. */
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p99: number;
}

/** Totals since start per metric name and dimension set, as CloudWatch would aggregate the EMF records. */
export class MetricTotals {
  private readonly series = new Map<
    string,
    { name: string; unit: string; dimensions: Record<string, string>; values: number[] }
  >();

  add(record: EmfRecord): void {
    const source = record as unknown as Record<string, unknown>;
    for (const directive of record._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions: Record<string, string> = {};
        for (const key of [...dimensionSet].sort()) dimensions[key] = String(source[key]);
        for (const definition of directive.Metrics) {
          const raw = source[definition.Name];
          const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === 'number');
          const key = JSON.stringify([definition.Name, dimensions]);
          let entry = this.series.get(key);
          if (!entry) {
            entry = { name: definition.Name, unit: definition.Unit, dimensions, values: [] };
            this.series.set(key, entry);
          }
          entry.values.push(...values);
        }
      }
    }
  }

  list(): MetricTotal[] {
    return [...this.series.values()].map(({ name, unit, dimensions, values }) => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        name,
        unit,
        dimensions,
        count: values.length,
        sum: values.reduce((total, value) => total + value, 0),
        min: sorted[0] ?? 0,
        max: sorted[sorted.length - 1] ?? 0,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
      };
    });
  }
}

/** Nearest-rank percentile, as CloudWatch reports for few values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** One log line as the Lambda logger would print it, handed to a sink as well. */
export type LogLine = Readonly<Record<string, unknown>>;

/** Powertools' standard keys (request id included), every line also handed to a sink. */
class TeeLogFormatter extends LogFormatter {
  constructor(private readonly sink: (line: LogLine) => void) {
    super();
  }

  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const item = new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_name: attributes.lambdaContext?.functionName,
        function_request_id: attributes.lambdaContext?.awsRequestId,
      },
    }).addAttributes(additional);
    this.sink(JSON.parse(JSON.stringify(item.getAttributes())) as LogLine);
    return item;
  }
}

export interface LocalObservabilityOptions {
  /** Default INFO. SILENT prints nothing (the sink still gets nothing below the level). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Every log line, as printed. */
  readonly onLogLine?: (line: LogLine) => void;
  /** Every EMF record, as Lambda would print it to its log. */
  readonly onEmf?: (line: string) => void;
}

export interface LocalObservability extends Observability {
  readonly totals: MetricTotals;
}

export function localObservability(options: LocalObservabilityOptions = {}): LocalObservability {
  const totals = new MetricTotals();
  const onLogLine = options.onLogLine;
  const logger = new Logger({
    serviceName: METRICS_SERVICE,
    logLevel: options.logLevel ?? 'INFO',
    ...(onLogLine ? { logFormatter: new TeeLogFormatter(onLogLine) } : {}),
  });
  const metrics = new CapturingMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE, logger }, (record) => {
    totals.add(record);
    options.onEmf?.(JSON.stringify(record));
  });
  return { logger, metrics, tracer: new Tracer({ serviceName: METRICS_SERVICE, enabled: false }), totals };
}
