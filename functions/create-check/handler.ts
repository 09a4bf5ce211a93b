import middy from '@middy/core';
import { createCheckRequestSchema } from '../../src/core/api-schemas';
import { createCheck } from '../../src/core/use-cases/create-check';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeCreateCheckHandler(
  deps: Pick<GatewayDeps, 'config' | 'checks' | 'audit' | 'signer' | 'providers' | 'clock' | 'log' | 'observability'>,
) {
  const settings = {
    uploadExpirySeconds: deps.config.uploadExpirySeconds,
    checkRetentionDays: deps.config.checkRetentionDays,
    uploadGraceSeconds: deps.config.uploadGraceSeconds,
  };
  const body = jsonBody(createCheckRequestSchema);
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .use(body)
    .handler(async (event) => {
      const created = await createCheck({ ...deps, ...settings }, body.of(event));
      deps.log.info('Check created', { checkId: created.checkId, provider: created.provider });
      return json(201, created);
    });
}
