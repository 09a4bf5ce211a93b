// Deleting a check's media, by us, at a known time — not left to a lifecycle rule.
import type { Check } from '../check';
import { mediaKey, type AuditLog, type CheckRepository, type Clock, type MediaStore } from '../ports';

export interface MediaRetentionDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
}

/** Deletes every declared part (S3 deletes are idempotent), records it on the check and in the audit. */
export async function deleteCheckMedia(deps: MediaRetentionDeps, check: Pick<Check, 'checkId' | 'parts'>): Promise<void> {
  const keys = check.parts.map((part) => mediaKey(check.checkId, part));
  await Promise.all(keys.map((key) => deps.media.delete(key)));
  const at = deps.clock.now().toISOString();
  await deps.checks.markMediaDeleted(check.checkId, at);
  await deps.audit.append({ checkId: check.checkId, type: 'MEDIA_DELETED', detail: { parts: check.parts, at } });
}
