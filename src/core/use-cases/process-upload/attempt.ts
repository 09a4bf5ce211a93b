// One processing attempt for a check this caller owns (status PROCESSING, its lease): from the
// recorded provider answer when there is one, otherwise inspect every part and, when the media
// is acceptable, have the provider judge it and record its answer before the result.
import { createHash } from 'node:crypto';
import type { Check, MediaFacts, PartName } from '../../check';
import { describeError, TransitionConflictError } from '../../errors';
import { mediaKey, type JudgedPart, type PartInspection } from '../../ports';
import { reason } from '../../reasons';
import { type ProcessOutcome, type ProcessUploadDeps } from './deps';
import { precheckFaces } from './face-precheck';
import { finishCompleted, finishFailed, finishFromAnswer } from './finish';

export async function runAttempt(deps: ProcessUploadDeps, check: Check): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  try {
    if (check.providerAnswer) return await finishFromAnswer(deps, check, check.providerAnswer, check.media ?? []);
    if (!deps.providers.get(check.provider)) {
      return await finishFailed(
        deps,
        check,
        reason('PROCESSING_FAILED', `provider "${check.provider}" is no longer enabled`),
        [],
      );
    }
    const inspections = await inspectAll(deps, check);
    const media = inspections.map((inspection) => inspection.facts);
    const problems = inspections.flatMap((inspection) => (inspection.problem ? [inspection.problem] : []));
    const [, outcome] = await Promise.all([
      deps.audit.append({
        checkId,
        type: 'MEDIA_CHECKED',
        detail: { media, outcome: problems.length ? 'rejected' : 'accepted', problems },
      }),
      problems.length > 0
        ? finishCompleted(deps, check, { decision: 'RETRY', reasons: problems }, media)
        : judgeAndRecord(deps, check, media),
    ]);
    return outcome;
  } catch (error) {
    if (error instanceof TransitionConflictError) {
      // Erased, or taken over after our lease ran out: whoever holds it now finishes it.
      deps.log.warn('Check moved on while this attempt ran; stopping', { checkId });
      return 'superseded';
    }
    // Left PROCESSING on purpose: the message is retried, and the sweep resumes the check once the
    // lease runs out, from the recorded provider answer if there is one.
    deps.log.error('Processing attempt failed; it will be resumed', { checkId, error: describeError(error) });
    throw error;
  }
}

async function inspectAll(deps: ProcessUploadDeps, check: Check): Promise<PartInspection[]> {
  return Promise.all(
    check.parts.map(async (part): Promise<PartInspection> => {
      const key = mediaKey(check.checkId, part);
      // Size and type were read from storage when the part arrived; a resumed attempt asks again.
      const head = check.received[part] ?? (await deps.media.head(key));
      if (!head) return { facts: { part, bytes: 0 }, problem: reason('MEDIA_MISSING', `${part}: the upload is missing`) };
      return deps.inspector.inspect({
        provider: check.provider,
        part,
        reader: { size: head.bytes, read: (start, endInclusive) => deps.media.readRange(key, start, endInclusive) },
        ...(head.contentType ? { contentType: head.contentType } : {}),
      });
    }),
  );
}

async function judgeAndRecord(deps: ProcessUploadDeps, check: Check, media: readonly MediaFacts[]): Promise<ProcessOutcome> {
  const checkId = check.checkId;
  const judged = await Promise.all(check.parts.map((part) => readForJudging(deps, checkId, part, media)));
  // FACE PRE-CHECK: the image parts' bytes, about to be sent, are looked at first; a picture the
  // provider would refuse anyway ends the check RETRY without a provider call (face-precheck.ts).
  const refused = await precheckFaces(deps, checkId, check.provider, judged);
  if (refused.length > 0) return finishCompleted(deps, check, { decision: 'RETRY', reasons: refused }, media);
  const judgement = await deps.judge.judge({ checkId, provider: check.provider, media: judged });
  // Nothing was sent: the facts stay those of the inspection, with no digest.
  if (judgement.kind === 'not-called') return finishFailed(deps, check, judgement.failure, media);
  // The digest of exactly what the provider judged goes into the result.
  const judgedMedia = judged.map((item) => item.facts);
  const answer = judgement.answer;
  await deps.checks.recordProviderAnswer(checkId, answer, deps.clock.now().toISOString());
  const [, finished] = await Promise.all([
    deps.audit.append({
      checkId,
      type: 'PROVIDER_ANSWER_RECORDED',
      detail: { kind: answer.kind, attempts: judgement.attempts },
    }),
    finishFromAnswer(deps, { ...check, media: judgedMedia }, answer, judgedMedia),
  ]);
  return finished;
}

async function readForJudging(
  deps: ProcessUploadDeps,
  checkId: string,
  part: PartName,
  media: readonly MediaFacts[],
): Promise<JudgedPart> {
  const bytes = await deps.media.readAll(mediaKey(checkId, part));
  const measured = media.find((fact) => fact.part === part) ?? { part, bytes: bytes.length };
  return { part, bytes, facts: { ...measured, sha256: createHash('sha256').update(bytes).digest('hex') } };
}
