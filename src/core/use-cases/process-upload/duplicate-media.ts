// Replayed media: a live part (video or selfie) whose exact bytes another check already submitted
// ends this check COMPLETED / REVIEW with DUPLICATE_MEDIA, naming that check, and the provider is
// never called. The reference photo is exempt: an applicant may rightly send the same ID again.
import type { Check, PartName } from '../../check';
import type { JudgedPart } from '../../ports';
import { reason } from '../../reasons';
import type { ProcessOutcome, ProcessUploadDeps } from './deps';
import { finishCompleted } from './finish';

const LIVE_PARTS: readonly PartName[] = ['video', 'selfie'];

/** The outcome when a live part is a replay; undefined when the provider should judge the media. */
export async function finishIfReplayed(
  deps: ProcessUploadDeps,
  check: Check,
  judged: readonly JudgedPart[],
): Promise<ProcessOutcome | undefined> {
  const fingerprints = deps.fingerprints;
  if (!fingerprints) return undefined;
  const live = judged.filter((item) => LIVE_PARTS.includes(item.part) && item.facts.sha256 !== undefined);
  // Every live part is claimed (not only up to the first replay), so each new capture is on record.
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const firsts = await Promise.all(
    live.map(async (item) => {
      const sha256 = item.facts.sha256 ?? '';
      const first = await fingerprints.claim(sha256, check.checkId, check.expiresAt);
      if (first === check.checkId) return { part: item.part, first };
      // An entry whose check is gone (erased while its attempt was still claiming, so its release
      // found nothing to drop; or past retention, before the TTL removed the entry) is no replay.
      const earlier = await deps.checks.get(first);
      if (earlier && earlier.expiresAt > now) return { part: item.part, first };
      return { part: item.part, first: await fingerprints.takeOver(sha256, check.checkId, first, check.expiresAt) };
    }),
  );
  const replayed = firsts.find(({ first }) => first !== check.checkId);
  if (!replayed) return undefined;
  deps.log.warn('Replayed media: the provider is not called', { checkId: check.checkId, part: replayed.part });
  const media = judged.map((item) => item.facts);
  return finishCompleted(
    deps,
    check,
    {
      decision: 'REVIEW',
      reasons: [reason('DUPLICATE_MEDIA', `The ${replayed.part} was already submitted in another check.`)],
      duplicateOf: replayed.first,
    },
    media,
  );
}
