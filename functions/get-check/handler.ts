import middy from '@middy/core';
import { UnauthorizedError } from '../../src/core/errors';
import { getCheckStatus } from '../../src/core/use-cases/read-check';
import { bearerToken, httpErrors, json, pathCheckId, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckHandler(deps: Pick<GatewayDeps, 'checks' | 'clock' | 'log' | 'observability'>) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => {
      // A malformed id answers like a wrong token: the poll route never says whether a check exists.
      const checkId = pathCheckId(event, () => new UnauthorizedError());
      return json(200, await getCheckStatus(deps.checks, deps.clock, checkId, bearerToken(event)));
    });
}
