// Logs, metrics and traces of one Lambda function: Powertools' Logger (request id on every line),
// Metrics (EMF, flushed per invocation) and Tracer (X-Ray), and the middlewares that bind them to
// an invocation. Built once per cold start; the local stack builds its own with capturing outputs.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type middy from '@middy/core';
import { AttemptLimitError } from '../../src/core/errors';
import type { Log } from '../../src/core/log';
import type { JudgeRequest, LivenessJudge } from '../../src/core/ports';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../src/adapters/observability/metric-names';
import type { HttpEvent, HttpResult } from './http';
import { powertoolsLog } from './log';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export function lambdaObservability(): Observability {
  const logger = new Logger({ serviceName: METRICS_SERVICE });
  return {
    logger,
    // Powertools' own warnings (a bad dimension) become structured log lines.
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE, logger }),
    tracer: new Tracer({ serviceName: METRICS_SERVICE }),
  };
}

/** The domain's Log port over this function's logger, so every line carries the request id and appended keys. */
export function observedLog(observability: Observability): Log {
  return powertoolsLog(observability.logger);
}

/**
 * Binds one invocation: the request id (and cold start) on every log line, temporary keys reset
 * at its end, a trace segment around the handler, and the metrics flushed when it returns or throws.
 * Event and response are never logged or traced: they carry media keys, tokens and results.
 */
export function observeInvocation<E, R>(observability: Observability): middy.MiddlewareObj<E, R>[] {
  return [
    injectLambdaContext(observability.logger, { resetKeys: true, logEvent: false }) as middy.MiddlewareObj<E, R>,
    captureLambdaHandler(observability.tracer, { captureResponse: false }) as middy.MiddlewareObj<E, R>,
    logMetrics(observability.metrics, { captureColdStartMetric: true }) as middy.MiddlewareObj<E, R>,
  ];
}

/**
 * Counts API requests: every one (ApiRequests) and by route and status class (ApiResponses), and
 * the refusals an operator watches that leave no audit entry (AttemptsRefused: no check was made).
 * Use it outermost of the HTTP middlewares so it sees the response the error handler made.
 */
export function apiRequestMetrics(metrics: Metrics): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const count = (request: middy.Request<HttpEvent, HttpResult>): void => {
    const status = request.response?.statusCode ?? 500;
    metrics.addMetric(METRIC.apiRequests, MetricUnit.Count, 1);
    if (request.error instanceof AttemptLimitError) metrics.addMetric(METRIC.attemptsRefused, MetricUnit.Count, 1);
    metrics
      .singleMetric()
      .addDimensions({ route: request.event.routeKey || 'unknown', statusClass: `${Math.floor(status / 100)}xx` })
      .addMetric(METRIC.apiResponses, MetricUnit.Count, 1);
  };
  return { after: count, onError: count };
}

/** A provider call as its own trace subsegment, annotated with the provider (never the media). */
export function tracedJudge(tracer: Tracer, judge: LivenessJudge): LivenessJudge {
  return {
    judge: async (request: JudgeRequest) => {
      const parent = tracer.getSegment();
      if (!parent) return judge.judge(request);
      const subsegment = parent.addNewSubsegment(`### provider ${request.provider}`);
      tracer.setSegment(subsegment);
      tracer.putAnnotation('provider', request.provider);
      try {
        const judgement = await judge.judge(request);
        tracer.putAnnotation('providerCalled', judgement.kind === 'called');
        return judgement;
      } catch (error) {
        if (error instanceof Error) subsegment.addError(error);
        throw error;
      } finally {
        subsegment.close();
        tracer.setSegment(parent);
      }
    },
  };
}

/** What every API function runs outside its own middlewares: the invocation bound, the request counted. */
export function observeApiInvocation(observability: Observability): middy.MiddlewareObj<HttpEvent, HttpResult>[] {
  return [...observeInvocation<HttpEvent, HttpResult>(observability), apiRequestMetrics(observability.metrics)];
}
