// The domain's MediaInspector port over inspectPart. Which limits apply to a provider's part is
// the composition root's knowledge (the provider registry), handed in as a lookup.
import type { PartName, ProviderId } from '../core/check';
import type { MediaInspector, PartInspection } from '../core/ports';
import { reason } from '../core/reasons';
import { inspectPart } from './inspect';
import type { PartLimits } from './profiles';

/** The limits a provider applies to a part; undefined when it does not take that part. */
export type PartLimitsLookup = (provider: ProviderId, part: PartName) => PartLimits | undefined;

export function createMediaInspector(limitsOf: PartLimitsLookup): MediaInspector {
  return {
    async inspect({ provider, part, reader, contentType }): Promise<PartInspection> {
      const limits = limitsOf(provider, part);
      if (!limits)
        return {
          facts: { part, bytes: reader.size },
          problem: reason('UNSUPPORTED_FORMAT', `${part}: not taken by ${provider}`),
        };
      return inspectPart(part, reader, limits, contentType ? { contentType } : {});
    },
  };
}
