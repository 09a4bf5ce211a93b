// The gateway's alarms, topic and dashboard as synthesised: each alarm watches the metric the code
// emits, with its threshold, and notifies the one encrypted topic; tracing is on for every function.
import { Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LivenessGatewayStack, type LivenessGatewayStackProps } from '../../lib/liveness-gateway-stack';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../src/adapters/observability/metric-names';
import { logicalId, newApp } from './synth-helpers';

const SYNTH_TIMEOUT_MS = 60_000;

const PROPS: LivenessGatewayStackProps = {
  providers: [{ id: 'fpt' }, { id: 'senseid' }],
  defaultProvider: 'fpt',
  corsOrigins: [],
  alarmEmail: 'oncall@example.com',
  providerFailureRatePercent: 30,
  api5xxThreshold: 7,
};

interface AlarmResource {
  readonly Properties: {
    readonly MetricName?: string;
    readonly Namespace?: string;
    readonly Dimensions?: readonly { Name: string; Value: unknown }[];
    readonly Threshold: number;
    readonly ComparisonOperator: string;
    readonly EvaluationPeriods: number;
    readonly DatapointsToAlarm?: number;
    readonly AlarmActions: readonly unknown[];
    readonly Metrics?: readonly {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period?: number };
    }[];
  };
}

let stack: LivenessGatewayStack;
let template: Template;
let alarms: AlarmResource[];
let topicRef: { Ref: string };

function dimensionsOf(alarm: AlarmResource): Record<string, unknown> {
  return Object.fromEntries((alarm.Properties.Dimensions ?? []).map(({ Name, Value }) => [Name, Value]));
}

function alarmOn(metricName: string, dimensions: Record<string, unknown> = {}): AlarmResource {
  const found = alarms.filter(
    (alarm) =>
      alarm.Properties.MetricName === metricName &&
      Object.entries(dimensions).every(([name, value]) => JSON.stringify(dimensionsOf(alarm)[name]) === JSON.stringify(value)),
  );
  expect(found, `one alarm on ${metricName} ${JSON.stringify(dimensions)}`).toHaveLength(1);
  return found[0] as AlarmResource;
}

/** The math-expression alarms that read `metricName`. */
function expressionAlarmsOn(candidates: readonly AlarmResource[], metricName: string): AlarmResource[] {
  return candidates.filter((alarm) =>
    alarm.Properties.Metrics?.some((metric) => metric.MetricStat?.Metric.MetricName === metricName),
  );
}

function expectNotifiesTopic(alarm: AlarmResource): void {
  expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
  expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
}

beforeAll(() => {
  const app = newApp();
  stack = new LivenessGatewayStack(app, 'Gateway', PROPS);
  Aspects.of(app).add(new AwsSolutionsChecks());
  template = Template.fromStack(stack);
  alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as AlarmResource[];
  topicRef = { Ref: logicalId(stack.parts.monitoring.topic) };
}, SYNTH_TIMEOUT_MS);

describe('alarm topic', () => {
  it('is encrypted with a rotated key CloudWatch may use, and refuses anything but TLS', () => {
    const keyId = logicalId(stack.parts.monitoring.topicKey);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('e-mails the address given as a prop', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: topicRef,
    });
  });
});

describe('alarms', () => {
  it('fires as soon as the upload dead-letter queue holds a message', () => {
    const alarm = alarmOn('ApproximateNumberOfMessagesVisible', {
      QueueName: { 'Fn::GetAtt': [logicalId(stack.uploadDeadLetterQueue), 'QueueName'] },
    });
    expect(alarm.Properties.Threshold).toBe(1);
    expectNotifiesTopic(alarm);
  });

  it.each(['fpt', 'senseid'])('watches the operational-failure rate of %s for 5 minutes against the prop', (provider) => {
    const rateAlarms = alarms.filter(
      (alarm) =>
        alarm.Properties.Metrics?.some((metric) =>
          metric.MetricStat?.Metric.Dimensions.some((dimension) => dimension.Name === 'provider' && dimension.Value === provider),
        ) && alarm.Properties.Metrics.some((metric) => metric.MetricStat?.Metric.MetricName === METRIC.providerFailures),
    );
    expect(rateAlarms).toHaveLength(1);
    const alarm = rateAlarms[0] as AlarmResource;
    expect(alarm.Properties.Threshold).toBe(30);
    expect(alarm.Properties.EvaluationPeriods).toBe(5);
    expect(alarm.Properties.DatapointsToAlarm).toBe(5);
    const names = alarm.Properties.Metrics?.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : []));
    expect(names?.sort()).toEqual([METRIC.providerCalls, METRIC.providerFailures].sort());
    expect(alarm.Properties.Metrics?.find((metric) => metric.Expression)?.Expression).toMatch(
      /100 \* FILL\(failures, 0\) \/ calls/,
    );
    expectNotifiesTopic(alarm);
  });

  it.each(['fpt', 'senseid'])('fires when the circuit breaker for %s opens', (provider) => {
    const alarm = alarmOn(METRIC.breakerOpened, { provider, service: METRICS_SERVICE });
    expect(alarm.Properties.Namespace).toBe(METRICS_NAMESPACE);
    expect(alarm.Properties.Threshold).toBe(1);
    expectNotifiesTopic(alarm);
  });

  it('counts API 5xx responses at API Gateway against the prop', () => {
    const alarm = alarmOn('5xx', { ApiId: { Ref: logicalId(stack.api) } });
    expect(alarm.Properties.Threshold).toBe(7);
    expectNotifiesTopic(alarm);
  });

  it('fires on checks stuck past their lease and on exhausted webhook deliveries', () => {
    for (const name of [METRIC.stuckChecks, METRIC.webhookDeliveryExhausted]) {
      const alarm = alarmOn(name, { service: METRICS_SERVICE });
      expect(alarm.Properties.Namespace).toBe(METRICS_NAMESPACE);
      expect(Object.keys(dimensionsOf(alarm))).toEqual(['service']);
      expect(alarm.Properties.Threshold).toBe(1);
      expectNotifiesTopic(alarm);
    }
  });

  it('fires on a burst of checks ended on replayed media, every provider counted together, at the default of 5 in 15 minutes', () => {
    const found = expressionAlarmsOn(alarms, METRIC.replayedMedia);
    expect(found).toHaveLength(1);
    const alarm = found[0] as AlarmResource;
    expect(alarm.Properties.Threshold).toBe(5);
    expect(alarm.Properties.EvaluationPeriods).toBe(1);
    const read = alarm.Properties.Metrics?.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat] : [])) ?? [];
    expect(read.map((stat) => stat.Metric.Dimensions.find((dimension) => dimension.Name === 'provider')?.Value).sort()).toEqual([
      'fpt',
      'senseid',
    ]);
    for (const stat of read) expect(stat.Period).toBe(900);
    expect(alarm.Properties.Metrics?.find((metric) => metric.Expression)?.Expression).toBe('FILL(p0, 0) + FILL(p1, 0)');
    expectNotifiesTopic(alarm);
  });

  it(
    'takes the replayed-media threshold as a prop, and makes no such alarm when the replayed-media check is off',
    () => {
      const alarmsOf = (props: Partial<LivenessGatewayStackProps>) =>
        Object.values(
          Template.fromStack(new LivenessGatewayStack(newApp(), 'Replay', { ...PROPS, ...props })).findResources(
            'AWS::CloudWatch::Alarm',
          ),
        ) as AlarmResource[];
      expect(expressionAlarmsOn(alarmsOf({ replayedMediaThreshold: 12 }), METRIC.replayedMedia)[0]?.Properties.Threshold).toBe(
        12,
      );
      expect(expressionAlarmsOn(alarmsOf({ duplicateMediaCheck: false }), METRIC.replayedMedia)).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it("watches the processor's errors and throttles", () => {
    const processor = { Ref: logicalId(stack.functions.processUpload.function) };
    for (const name of ['Errors', 'Throttles']) {
      const alarm = alarmOn(name, { FunctionName: processor });
      expect(alarm.Properties.Threshold).toBe(1);
      expectNotifiesTopic(alarm);
    }
  });

  it('refuses a bad e-mail address or threshold before creating anything', () => {
    expect(
      () => new LivenessGatewayStack(newApp(), 'Bad', { ...PROPS, alarmEmail: 'oncall', providerFailureRatePercent: 0 }),
    ).toThrow(/alarmEmail: "oncall" is not an e-mail address[\s\S]*providerFailureRatePercent/);
    expect(() => new LivenessGatewayStack(newApp(), 'BadReplay', { ...PROPS, replayedMediaThreshold: 0 })).toThrow(
      /replayedMediaThreshold: must be a whole number of at least 1/,
    );
  });
});

describe('dashboard and tracing', () => {
  it('shows decisions, refusals, provider latency, failures, queue depths and webhook health', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]);
    for (const title of [
      'Checks decided, by decision and provider',
      'Media refused, by reason',
      'Provider latency per attempt (ms)',
      'Failures: checks FAILED by reason',
      'Queue depths (messages visible)',
      'Webhook deliveries',
    ])
      expect(body).toContain(title);
    for (const name of [METRIC.checksDecided, METRIC.mediaRefused, METRIC.checksFailed, METRIC.webhookDeliveryExhausted])
      expect(body).toContain(name);
    expect(body).toMatch(/ProviderLatency.*p50/);
    expect(body).toMatch(/ProviderLatency.*p99/);
  });

  it('has a human review and applicant policy row: reviews by decision, media viewed, replayed media, attempts refused', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const title of [
      'Human review and applicant policy',
      'Reviews decided, by decision',
      'Media links handed to reviewers',
      'Replayed media (checks, 15 minutes)',
      'Attempts refused (attempt cap, 429)',
    ])
      expect(body).toContain(title);
    // Escaped quotes aside: a search of ReviewsDecided over its decision dimension.
    expect(body).toMatch(/SEARCH\('\{LivenessGateway,service,decision\} MetricName=\W+ReviewsDecided\W+'/);
    for (const name of [METRIC.mediaViewed, METRIC.replayedMedia, METRIC.attemptsRefused]) expect(body).toContain(name);
  });

  it('traces every function actively', () => {
    const resources = template.toJSON().Resources as Record<string, { Properties: { TracingConfig?: unknown } }>;
    const ours = Object.values(stack.functions).map((fn) => logicalId(fn.function));
    expect(ours).toHaveLength(10);
    for (const id of ours) expect(resources[id]?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    const annotations = Annotations.fromStack(stack as Stack);
    const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
    const findings = [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
      (finding) => `${finding.id}: ${String(finding.entry.data)}`,
    );
    expect(findings).toEqual([]);
  });
});
