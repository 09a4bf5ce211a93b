import middy from '@middy/core';
import { getCheckStatus } from '../../src/core/use-cases/read-check';
import { bearerToken, httpErrors, json, type HttpEvent, type HttpResult } from '../common/http';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckHandler(deps: Pick<GatewayDeps, 'checks' | 'clock' | 'log'>) {
  return middy<HttpEvent, HttpResult>()
    .handler(async (event) => {
      const view = await getCheckStatus(deps.checks, deps.clock, event.pathParameters?.checkId, bearerToken(event));
      return json(200, view);
    })
    .use(httpErrors(deps.log));
}
