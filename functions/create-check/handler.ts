import middy from '@middy/core';
import { createCheckRequestSchema } from '../../src/core/api-schemas';
import { ValidationError } from '../../src/core/errors';
import { createCheck } from '../../src/core/use-cases/create-check';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from '../common/http';
import type { GatewayDeps } from '../common/wiring';

export function makeCreateCheckHandler(
  deps: Pick<GatewayDeps, 'config' | 'checks' | 'audit' | 'signer' | 'providers' | 'clock' | 'log'>,
) {
  const settings = {
    uploadExpirySeconds: deps.config.uploadExpirySeconds,
    checkRetentionDays: deps.config.checkRetentionDays,
    uploadGraceSeconds: deps.config.uploadGraceSeconds,
  };
  return middy<HttpEvent, HttpResult>()
    .handler(async (event) => {
      const parsed = createCheckRequestSchema.safeParse(jsonBody(event));
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first?.path.length ? `${first.path.join('.')}: ` : '';
        throw new ValidationError(`${where}${first?.message ?? 'invalid request body'}`);
      }
      const created = await createCheck({ ...deps, ...settings }, parsed.data);
      deps.log.info('Check created', { checkId: created.checkId, provider: created.provider });
      return json(201, created);
    })
    .use(httpErrors(deps.log));
}
