// The scheduled sweep: expires checks whose uploads never arrived, deletes media that is due, and
// hands dead processing attempts back to the processor through its queue.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../../src/core/config';
import { functionEntry, GatewayFunction, loggingOf, type FunctionLoggingOptions } from '../gateway-function';
import type { CheckTables } from './check-tables';
import type { MediaStorage } from './media-storage';
import { assertNoProblems } from './props-check';
import type { UploadProcessor } from './upload-processor';

export interface SweepOptions {
  /** How often the sweep runs (whole minutes, 1–60). @default Duration.minutes(5) */
  readonly sweepInterval?: Duration;
}

export interface SweepProps extends SweepOptions, FunctionLoggingOptions {
  /** The parsed configuration the other functions run with; the sweep's adds the resume queue. */
  readonly gatewayConfig: GatewayConfig;
  readonly storage: MediaStorage;
  readonly tables: CheckTables;
  /** Whose queue takes the resume requests. */
  readonly processor: UploadProcessor;
}

const DEFAULT_INTERVAL = Duration.minutes(5);
// A sweep run handles at most 200 due checks (sweep.ts), a few sequential calls each.
const RUN_TIMEOUT = Duration.minutes(1);

export class Sweep extends Construct {
  readonly function: GatewayFunction;
  /** Runs the sweep every `sweepInterval`. */
  readonly schedule: events.Rule;
  /**
   * The longest the gateway itself may legitimately keep an upload: forms valid, late events,
   * every attempt's lease plus a sweep run to notice it, the keep window, and one more sweep run
   * to delete it. A lifecycle rule on the media must not fire before that.
   */
  readonly mediaKeptAtMost: Duration;

  constructor(scope: Construct, id: string, props: SweepProps) {
    super(scope, id);
    const interval = props.sweepInterval ?? DEFAULT_INTERVAL;
    const minutes = interval.toSeconds() / 60;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60)
      assertNoProblems('Sweep', ['sweepInterval: must be a whole number of minutes from 1 to 60']);

    const config = props.gatewayConfig;
    const runSeconds = interval.toSeconds();
    this.mediaKeptAtMost = Duration.seconds(
      config.uploadExpirySeconds +
        config.uploadGraceSeconds +
        config.maxProcessingAttempts * (config.processingLeaseSeconds + runSeconds) +
        // A REVIEW check keeps its media for the review window, which may be the longer keep.
        Math.max(config.mediaRetentionSeconds, config.reviewWindowSeconds) +
        runSeconds,
    );

    // Only the sweep sends resume requests, so only its configuration names the queue.
    this.function = new GatewayFunction(this, 'Sweep', {
      gatewayConfig: { ...config, resumeQueueUrl: props.processor.queue.queueUrl },
      ...loggingOf(props),
      entry: functionEntry('sweep'),
      description: 'Liveness Gateway scheduled sweep',
      timeout: RUN_TIMEOUT,
    });
    // The sweep never reads media or secrets: it expires, deletes media that is due, and hands
    // dead attempts back to the processor, so those grants stay with the processor.
    // listDue queries the sweep index; expire and markMediaDeleted are conditional UpdateItems.
    props.tables.grantSweepIndexQuery(this.function);
    props.tables.grantCheckOperations(this.function, ['update']);
    props.tables.grantAuditLog(this.function);
    props.storage.grantDeleteMedia(this.function);
    props.processor.grantResumeRequests(this.function);
    // No retries, neither of a failed delivery (EventBridge) nor of a failed run (Lambda async
    // invoke): every run starts afresh from the index, so the next scheduled run picks up whatever
    // this one missed, and a retry would only overlap it.
    this.function.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the Liveness Gateway sweep',
      schedule: events.Schedule.rate(interval),
      targets: [new eventsTargets.LambdaFunction(this.function.function, { retryAttempts: 0 })],
    });
  }
}
