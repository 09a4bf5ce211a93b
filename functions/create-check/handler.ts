import middy from '@middy/core';
import { createCheckRequestSchema } from '../../src/core/api-schemas';
import { createCheck } from '../../src/core/use-cases/create-check';
import { httpErrors, json, jsonBody, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

/** Behind the JWT authoriser the applicant is the token's subject, whatever externalRef the body claims. */
function jwtSubject(event: HttpEvent): string | undefined {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
  const sub = authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub.length > 0 ? `jwt:${sub}` : undefined;
}

export function makeCreateCheckHandler(
  deps: Pick<
    GatewayDeps,
    'config' | 'checks' | 'audit' | 'signer' | 'providers' | 'clock' | 'log' | 'observability' | 'attempts'
  >,
) {
  const settings = {
    uploadExpirySeconds: deps.config.uploadExpirySeconds,
    checkRetentionDays: deps.config.checkRetentionDays,
    uploadGraceSeconds: deps.config.uploadGraceSeconds,
    ...(deps.attempts
      ? {
          attemptCap: {
            attempts: deps.attempts,
            maxAttemptsPerApplicant: deps.config.maxAttemptsPerApplicant,
            attemptWindowHours: deps.config.attemptWindowHours,
          },
        }
      : {}),
  };
  const body = jsonBody(createCheckRequestSchema);
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .use(body)
    .handler(async (event) => {
      const request = body.of(event);
      const created = await createCheck({ ...deps, ...settings }, request, jwtSubject(event) ?? request.externalRef);
      deps.log.info('Check created', { checkId: created.checkId, provider: created.provider });
      return json(201, created);
    });
}
