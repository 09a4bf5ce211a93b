import middy from '@middy/core';
import { reviewRequestSchema } from '../../src/core/api-schemas';
import { CheckNotFoundError } from '../../src/core/errors';
import { decideReview } from '../../src/core/use-cases/review-check';
import { httpErrors, json, jsonBody, pathCheckId, requester, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeReviewCheckHandler(
  deps: Pick<GatewayDeps, 'config' | 'checks' | 'audit' | 'media' | 'outcomes' | 'clock' | 'log' | 'observability'>,
) {
  const policy = { mediaRetentionSeconds: deps.config.mediaRetentionSeconds };
  const body = jsonBody(reviewRequestSchema);
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .use(body)
    .handler(async (event) => {
      const checkId = pathCheckId(event, () => new CheckNotFoundError());
      return json(200, await decideReview({ ...deps, policy }, checkId, body.of(event), requester(event)));
    });
}
