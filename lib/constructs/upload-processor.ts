// Upload events: S3 → SQS (buffer, retries, dead-letter queue) → the processor, which inspects
// the media, calls the provider and records the decision. Its timeout decides the processing lease.
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { GatewayConfig, GatewayConfigInput } from '../../src/core/config';
import { bundlingCommands } from '../../src/media/face/assets';
import { parseDeployedConfig } from '../gateway-config';
import { functionEntry, GatewayFunction, loggingOf, type FunctionLoggingOptions } from '../gateway-function';
import type { CheckTables } from './check-tables';
import type { MediaStorage } from './media-storage';
import { assertNoProblems } from './props-check';
import type { ProviderSecrets } from './provider-secrets';

export interface UploadProcessorOptions {
  /** Concurrent processor invocations, and so concurrent provider calls (2–1000). @default 5 */
  readonly processorConcurrency?: number;
  /** S3 notifications per processor invocation (1–5). @default 1 */
  readonly processorBatchSize?: number;
  /**
   * Must cover the media check plus the worst failover chain — a provider's `totalBudgetMs` plus
   * those of its `fallbacks`, and the slot wait (`slotWaitSeconds`) of each capped provider in it —
   * with 30 s to spare.
   * @default Duration.minutes(2)
   */
  readonly processorTimeout?: Duration;
  /** @default 1024 */
  readonly processorMemorySize?: number;
}

export interface UploadProcessorProps extends UploadProcessorOptions, FunctionLoggingOptions {
  /**
   * The runtime configuration. When it sets no `processingLeaseSeconds`, the lease is the
   * processor timeout plus 60 s; a lease that does not exceed the timeout is refused, or a resumed
   * attempt could run beside one that is still alive.
   */
  readonly gatewayConfig: GatewayConfigInput;
  readonly storage: MediaStorage;
  readonly tables: CheckTables;
  readonly secrets: ProviderSecrets;
}

const DEFAULT_CONCURRENCY = 5;
const DEFAULT_BATCH_SIZE = 1;
const DEFAULT_TIMEOUT = Duration.minutes(2);
const DEFAULT_MEMORY_SIZE = 1024;
// The processor must outlive the provider budget by enough to inspect media and write results.
const HEADROOM_MS = 30_000;
// Lease beyond the processor timeout: Lambda stops an invocation at its timeout, and the margin
// covers clock skew and the last write in flight, so a resumed attempt never meets a live one.
const LEASE_MARGIN_SECONDS = 60;
// Visibility timeout (6 × the timeout) may not exceed SQS's 12 hours; Lambda stops at 15 minutes anyway.
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

export class UploadProcessor extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: GatewayFunction;
  /** The configuration every function runs with: parsed, defaults filled in, the lease decided. */
  readonly gatewayConfig: GatewayConfig;

  constructor(scope: Construct, id: string, props: UploadProcessorProps) {
    super(scope, id);
    const concurrency = props.processorConcurrency ?? DEFAULT_CONCURRENCY;
    const batchSize = props.processorBatchSize ?? DEFAULT_BATCH_SIZE;
    const timeout = props.processorTimeout ?? DEFAULT_TIMEOUT;
    const leaseSeconds = props.gatewayConfig.processingLeaseSeconds ?? timeout.toSeconds() + LEASE_MARGIN_SECONDS;
    // The runtime values' own ranges are the schema's, checked first; here only what ties them to the processor.
    this.gatewayConfig = parseDeployedConfig({ ...props.gatewayConfig, processingLeaseSeconds: leaseSeconds });
    const largestBudgetMs = worstChainMs(this.gatewayConfig);
    const problems: string[] = [];
    // SQS event source maximum concurrency accepts 2–1000.
    if (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 1000)
      problems.push('processorConcurrency: must be an integer from 2 to 1000');
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5)
      problems.push('processorBatchSize: must be an integer from 1 to 5');
    if (timeout.toSeconds() > LAMBDA_MAX_TIMEOUT_SECONDS) problems.push('processorTimeout: Lambda allows at most 15 minutes');
    if (timeout.toMilliseconds() < largestBudgetMs + HEADROOM_MS) {
      problems.push(
        `processorTimeout: must be at least the worst provider chain (totalBudgetMs of a provider and its fallbacks, plus slot waits) + ${HEADROOM_MS / 1000} s (${(largestBudgetMs + HEADROOM_MS) / 1000} s)`,
      );
    }
    if (leaseSeconds <= timeout.toSeconds()) {
      problems.push(
        `processingLeaseSeconds: must exceed the processor timeout (${timeout.toSeconds()} s), or a resumed attempt could run beside a live one`,
      );
    }
    assertNoProblems('UploadProcessor', problems);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed rather than KMS: S3 notifications cannot publish to a queue under the AWS-managed SQS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    this.function = new GatewayFunction(this, 'ProcessUpload', {
      gatewayConfig: this.gatewayConfig,
      ...loggingOf(props),
      entry: functionEntry('process-upload'),
      description: 'Liveness Gateway upload processor',
      timeout,
      memorySize: props.processorMemorySize ?? DEFAULT_MEMORY_SIZE,
      // The face pre-check reads its detector (human's wasm build, BlazeFace, the tfjs wasm
      // binaries, 3.2 MB) from a face-assets folder beside the bundle: nothing is downloaded at run time.
      ...(this.gatewayConfig.facePrecheck ? { afterBundling: bundlingCommands } : {}),
    });
    // get, then conditional transitions only (recordPart, start/resume, answer, complete/fail,
    // markMediaDeleted): no PutItem, no DeleteItem.
    props.tables.grantCheckOperations(this.function, ['get', 'update']);
    props.tables.grantAuditLog(this.function);
    props.storage.grantReadMedia(this.function);
    // Media goes after the decision, and an upload for an unknown (erased) check at once.
    props.storage.grantDeleteMedia(this.function);
    props.secrets.grantRead(this.function);
    this.function.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        reportBatchItemFailures: true,
        // Caps concurrent invocations, hence concurrent calls to the (paid, rate-limited) providers.
        maxConcurrency: concurrency,
      }),
    );
  }

  /** Lets a function hand a check back to the processor (the sweep's resume requests). */
  grantResumeRequests(fn: GatewayFunction): void {
    fn.bindQueueSend(this.queue);
  }
}

/**
 * The longest a check can spend on providers: over every provider, its budget and its fallbacks'
 * (each may be called in turn), plus the slot wait before each capped one.
 */
export function worstChainMs(config: GatewayConfig): number {
  const costOf = (id: string): number => {
    const provider = config.providers[id];
    if (!provider) return 0;
    return provider.totalBudgetMs + (provider.maxConcurrency !== undefined ? config.slotWaitSeconds * 1000 : 0);
  };
  return Math.max(
    0,
    ...Object.entries(config.providers).map(([id, provider]) =>
      [id, ...(provider?.fallbacks ?? [])].reduce((sum, member) => sum + costOf(member), 0),
    ),
  );
}
