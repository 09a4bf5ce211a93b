import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { ResumeQueue } from '../../src/core/ports';
import { sweep, type SweepReport } from '../../src/core/use-cases/sweep';
import { METRIC } from '../../src/adapters/observability/metric-names';
import { observeInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

/** Runs on a schedule (EventBridge in AWS, a timer locally). */
export function makeSweepHandler(deps: GatewayDeps, resumeQueue: ResumeQueue) {
  return middy<unknown, SweepReport>()
    .use(observeInvocation(deps.observability))
    .handler(async () => {
      const report = await sweep({ ...deps, resumeQueue, policy: { uploadGraceSeconds: deps.policy.uploadGraceSeconds } });
      // On every run, zero included, so the stuck-checks alarm watches a metric that exists.
      deps.observability.metrics.addMetric(METRIC.stuckChecks, MetricUnit.Count, report.resumeRequested);
      return report;
    });
}
