import middy from '@middy/core';
import { partNameSchema } from '../../src/core/api-schemas';
import { CheckNotFoundError, MediaNotFoundError } from '../../src/core/errors';
import type { MediaUrlSigner } from '../../src/core/ports';
import { getMediaUrl } from '../../src/core/use-cases/review-check';
import { httpErrors, json, pathCheckId, requester, type HttpEvent, type HttpResult } from '../common/http';
import { observeApiInvocation } from '../common/observability';
import type { GatewayDeps } from '../common/wiring';

export function makeGetCheckMediaHandler(
  deps: Pick<GatewayDeps, 'checks' | 'audit' | 'media' | 'clock' | 'log' | 'observability'> & { readonly urls: MediaUrlSigner },
) {
  return middy<HttpEvent, HttpResult>()
    .use(observeApiInvocation(deps.observability))
    .use(httpErrors(deps.log))
    .handler(async (event) => {
      const checkId = pathCheckId(event, () => new CheckNotFoundError());
      const part = partNameSchema.safeParse(event.pathParameters?.part);
      if (!part.success) throw new MediaNotFoundError();
      const link = await getMediaUrl(deps, checkId, part.data, requester(event));
      deps.log.info('Media link issued', { checkId, part: part.data });
      return json(200, link);
    });
}
