import middy from '@middy/core';
import { reviewQueueQuerySchema } from '../../src/core/api-schemas';
import { listReviews } from '../../src/core/use-cases/review-check';
import { httpErrors, json, queryParameters, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeListReviewsHandler(deps: Pick<GatewayDeps, 'checks' | 'clock' | 'log' | 'observability'>) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => json(200, await listReviews(deps, queryParameters(event, reviewQueueQuerySchema))));
}
