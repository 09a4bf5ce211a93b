import middy from '@middy/core';
import { CheckNotFoundError } from '../../src/core/errors';
import { eraseCheck } from '../../src/core/use-cases/erase-check';
import { httpErrors, json, pathCheckId, requester, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeEraseCheckHandler(
  deps: Pick<GatewayDeps, 'checks' | 'audit' | 'media' | 'outcomes' | 'clock' | 'log' | 'observability' | 'fingerprints'>,
) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => {
      const checkId = pathCheckId(event, () => new CheckNotFoundError());
      const receipt = await eraseCheck(deps, checkId, requester(event));
      deps.log.info('Check erased', { checkId, alreadyErased: receipt.alreadyErased });
      return json(200, receipt);
    });
}
