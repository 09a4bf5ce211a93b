import middy from '@middy/core';
import { CheckNotFoundError } from '../../src/core/errors';
import { getCheckResult } from '../../src/core/use-cases/read-check';
import { httpErrors, json, pathCheckId, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckResultHandler(deps: Pick<GatewayDeps, 'checks' | 'clock' | 'log' | 'observability'>) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => {
      const checkId = pathCheckId(event, () => new CheckNotFoundError());
      return json(200, await getCheckResult(deps.checks, deps.clock, checkId));
    });
}
