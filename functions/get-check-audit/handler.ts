import middy from '@middy/core';
import { CheckNotFoundError } from '../../src/core/errors';
import { getAuditTrail } from '../../src/core/use-cases/read-audit-trail';
import { httpErrors, json, pathCheckId, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckAuditHandler(deps: Pick<GatewayDeps, 'audit' | 'log' | 'observability'>) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => {
      const checkId = pathCheckId(event, () => new CheckNotFoundError());
      return json(200, await getAuditTrail(deps.audit, checkId));
    });
}
