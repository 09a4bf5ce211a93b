// Operating the gateway: alarms to one encrypted SNS topic and one CloudWatch dashboard, over the
// EMF metrics the functions emit (namespace LivenessGateway, see metric-names.ts) and the AWS
// metrics of the queues, the processor and the API. Every threshold is a prop with a default.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../src/adapters/observability/metric-names';
import { assertNoProblems } from './props-check';

export interface MonitoringOptions {
  /** Alarms are also e-mailed here (the address must confirm the subscription). @default - topic only */
  readonly alarmEmail?: string;
  /** Percent of a provider's attempts ending in an operational failure, sustained 5 minutes. @default 20 */
  readonly providerFailureRatePercent?: number;
  /** Below this many attempts a minute the failure rate is not judged (one failure of two is not an outage). @default 5 */
  readonly providerFailureMinCalls?: number;
  /** API responses with a 5xx status within 5 minutes. @default 5 */
  readonly api5xxThreshold?: number;
  /** Checks the sweep found stuck in PROCESSING past their lease, within 15 minutes. @default 1 */
  readonly stuckChecksThreshold?: number;
  /** Processor invocation errors within 5 minutes. @default 1 */
  readonly processorErrorsThreshold?: number;
  /** Processor throttles within 5 minutes. @default 1 */
  readonly processorThrottlesThreshold?: number;
  /**
   * Checks ended on replayed media (DUPLICATE_MEDIA), all providers, within 15 minutes. One is an
   * applicant sending a file twice; a burst is someone replaying captured media. @default 5
   */
  readonly replayedMediaThreshold?: number;
}

export interface MonitoringProps extends MonitoringOptions {
  /** The enabled providers: one failure-rate and one breaker alarm each. */
  readonly providers: readonly string[];
  /** Work queues, shown on the dashboard. */
  readonly queues: readonly sqs.IQueue[];
  /** Every dead-letter queue: an alarm each as soon as one holds a message. More via addDeadLetterQueue. */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly processor: lambda.IFunction;
  readonly httpApi: apigwv2.IHttpApi;
  /** Whether the replayed-media check runs (the stack prop of that name): its alarm is made only then. @default true */
  readonly duplicateMediaCheck?: boolean;
}

const FIVE_MINUTES = Duration.minutes(5);

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly queueWidget: cloudwatch.GraphWidget;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const settings = {
      providerFailureRatePercent: props.providerFailureRatePercent ?? 20,
      providerFailureMinCalls: props.providerFailureMinCalls ?? 5,
      api5xxThreshold: props.api5xxThreshold ?? 5,
      stuckChecksThreshold: props.stuckChecksThreshold ?? 1,
      processorErrorsThreshold: props.processorErrorsThreshold ?? 1,
      processorThrottlesThreshold: props.processorThrottlesThreshold ?? 1,
      replayedMediaThreshold: props.replayedMediaThreshold ?? 5,
    };
    const problems: string[] = [];
    if (props.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alarmEmail))
      problems.push(`alarmEmail: "${props.alarmEmail}" is not an e-mail address`);
    if (!(settings.providerFailureRatePercent > 0 && settings.providerFailureRatePercent <= 100))
      problems.push('providerFailureRatePercent: must be above 0 and at most 100');
    for (const [name, value] of Object.entries(settings)) {
      if (name !== 'providerFailureRatePercent' && !(Number.isInteger(value) && value >= 1))
        problems.push(`${name}: must be a whole number of at least 1`);
    }
    assertNoProblems('Monitoring', problems);

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of our own lets it.
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Liveness Gateway alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Liveness Gateway alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const emf = (name: string, dimensions: Record<string, string>, statistic = 'Sum', period = FIVE_MINUTES) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: METRICS_SERVICE, ...dimensions },
        statistic,
        period,
      });

    // Provider health: the rate of operational failures among attempts, and the breaker.
    for (const provider of props.providers) {
      const calls = emf(METRIC.providerCalls, { provider }, 'Sum', Duration.minutes(1));
      const failures = emf(METRIC.providerFailures, { provider }, 'Sum', Duration.minutes(1));
      const rate = new cloudwatch.MathExpression({
        expression: `IF(calls >= ${settings.providerFailureMinCalls}, 100 * FILL(failures, 0) / calls, 0)`,
        usingMetrics: { calls, failures },
        period: Duration.minutes(1),
        label: `${provider} operational failures (%)`,
      });
      this.alarm(`ProviderFailureRate-${provider}`, rate, {
        threshold: settings.providerFailureRatePercent,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        description: `More than ${settings.providerFailureRatePercent}% of calls to ${provider} ended in an operational failure for 5 minutes.`,
      });
      this.alarm(`BreakerOpen-${provider}`, emf(METRIC.breakerOpened, { provider }, 'Sum', Duration.minutes(1)), {
        threshold: 1,
        description: `The circuit breaker for ${provider} opened: its checks skip it for the cool-down.`,
      });
    }

    this.alarm('Api5xx', props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), {
      threshold: settings.api5xxThreshold,
      description: `At least ${settings.api5xxThreshold} API responses with a 5xx status in 5 minutes.`,
    });
    this.alarm('StuckChecks', emf(METRIC.stuckChecks, {}, 'Sum', Duration.minutes(15)), {
      threshold: settings.stuckChecksThreshold,
      description: 'The sweep found checks in PROCESSING past their lease (a processor attempt died) and resumed them.',
    });
    this.alarm('WebhookDeliveryExhausted', emf(METRIC.webhookDeliveryExhausted, {}), {
      threshold: 1,
      description:
        'A webhook delivery was given up for good (every retry failed, or the endpoint URL is refused): the receiver missed an outcome event; it waits in the webhook dead-letter queue.',
    });
    // ReplayedMedia carries the check's provider; a replay is the applicant's doing, so all providers count together.
    const replayedMedia = new cloudwatch.MathExpression({
      expression: props.providers.map((_, index) => `FILL(p${index}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        props.providers.map((provider, index) => [
          `p${index}`,
          emf(METRIC.replayedMedia, { provider }, 'Sum', Duration.minutes(15)),
        ]),
      ),
      period: Duration.minutes(15),
      label: 'checks ended on replayed media',
    });
    if (props.duplicateMediaCheck !== false) {
      this.alarm('ReplayedMedia', replayedMedia, {
        threshold: settings.replayedMediaThreshold,
        description: `At least ${settings.replayedMediaThreshold} checks ended REVIEW on replayed media (DUPLICATE_MEDIA) within 15 minutes: someone may be replaying captured media.`,
      });
    }
    this.alarm('ProcessorErrors', props.processor.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), {
      threshold: settings.processorErrorsThreshold,
      description: 'The upload processor failed invocations (not single messages: whole batches).',
    });
    this.alarm('ProcessorThrottles', props.processor.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), {
      threshold: settings.processorThrottlesThreshold,
      description: 'The upload processor was throttled (account or reserved concurrency).',
    });

    for (const queue of props.deadLetterQueues) this.deadLetterAlarm(queue);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const search = (name: string, dimensions: readonly string[], label: string, statistic = 'Sum') =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${['service', ...dimensions].join(',')}} MetricName="${name}"', '${statistic}', 300)`,
        usingMetrics: {},
        label,
        period: FIVE_MINUTES,
      });
    const byProvider = (name: string, statistic: string) =>
      props.providers.map((provider) => emf(name, { provider }, statistic).with({ label: `${provider} ${statistic}` }));
    this.queueWidget = new cloudwatch.GraphWidget({
      title: 'Queue depths (messages visible)',
      left: [...props.queues, ...props.deadLetterQueues].map((queue) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      ),
      width: 12,
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Checks decided, by decision and provider',
        left: [search(METRIC.checksDecided, ['decision', 'provider'], '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Media refused, by reason',
        left: [search(METRIC.mediaRefused, ['reason'], '')],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Provider latency per attempt (ms)',
        left: [...byProvider(METRIC.providerLatency, 'p50'), ...byProvider(METRIC.providerLatency, 'p99')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures: checks FAILED by reason, provider attempts failed, retries',
        left: [search(METRIC.checksFailed, ['provider', 'reason'], '')],
        right: [...byProvider(METRIC.providerFailures, 'Sum'), ...byProvider(METRIC.providerRetries, 'Sum')],
        width: 12,
      }),
      this.queueWidget,
      new cloudwatch.GraphWidget({
        title: 'Webhook deliveries',
        left: [
          emf(METRIC.webhookDelivered, {}).with({ label: 'delivered' }),
          emf(METRIC.webhookDeliveryFailed, {}).with({ label: 'failed attempts' }),
          emf(METRIC.webhookDeliveryExhausted, {}).with({ label: 'exhausted' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API responses by route and status class',
        left: [search(METRIC.apiResponses, ['route', 'statusClass'], '')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Upload to decision (ms), stuck checks',
        left: [...byProvider(METRIC.uploadToDecision, 'p50'), ...byProvider(METRIC.uploadToDecision, 'p99')],
        right: [emf(METRIC.stuckChecks, {}).with({ label: 'stuck checks resumed' })],
        width: 12,
      }),
      new cloudwatch.TextWidget({ markdown: '### Human review and applicant policy', width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Reviews decided, by decision',
        left: [search(METRIC.reviewsDecided, ['decision'], '')],
        stacked: true,
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Media links handed to reviewers',
        left: [emf(METRIC.mediaViewed, {}).with({ label: 'media viewed' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Replayed media (checks, 15 minutes)',
        left: [replayedMedia],
        leftAnnotations: props.duplicateMediaCheck === false ? [] : [{ value: settings.replayedMediaThreshold, label: 'alarm' }],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Attempts refused (attempt cap, 429)',
        left: [emf(METRIC.attemptsRefused, {}).with({ label: 'attempts refused' })],
        width: 6,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }

  /** Another dead-letter queue (e.g. webhook deliveries): an alarm as soon as it holds a message. */
  addDeadLetterQueue(queue: sqs.IQueue): cloudwatch.Alarm {
    this.queueWidget.addLeftMetric(
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
    );
    return this.deadLetterAlarm(queue);
  }

  private deadLetterAlarm(queue: sqs.IQueue): cloudwatch.Alarm {
    return this.alarm(
      `DeadLetters-${queue.node.id}`,
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      {
        threshold: 1,
        description: `Messages are waiting in the dead-letter queue ${queue.node.path}: they failed every retry.`,
      },
    );
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; description: string; evaluationPeriods?: number; datapointsToAlarm?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      ...(options.datapointsToAlarm ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
