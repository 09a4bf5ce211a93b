import middy from '@middy/core';
import { checkIdSchema } from '../../src/core/api-schemas';
import { CheckNotFoundError } from '../../src/core/errors';
import { getCheckResult } from '../../src/core/use-cases/read-check';
import { httpErrors, json, type HttpEvent, type HttpResult } from '../common/http';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckResultHandler(deps: Pick<GatewayDeps, 'checks' | 'clock' | 'log'>) {
  return middy<HttpEvent, HttpResult>()
    .handler(async (event) => {
      const checkId = checkIdSchema.safeParse(event.pathParameters?.checkId);
      if (!checkId.success) throw new CheckNotFoundError();
      return json(200, await getCheckResult(deps.checks, deps.clock, checkId.data));
    })
    .use(httpErrors(deps.log));
}
