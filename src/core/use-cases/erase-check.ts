// DELETE /v1/checks/{id}: erasure on request. Media, result and poll token go at once; the audit
// trail keeps a tombstone saying who erased what and when. Idempotent.
import { CheckNotFoundError } from '../errors';
import type { AuditLog, CheckRepository, Clock, MediaStore } from '../ports';
import { mediaKey } from '../ports';
import type { PartName } from '../check';

export interface EraseCheckDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
}

export interface ErasureReceipt {
  readonly checkId: string;
  readonly erasedAt: string;
  readonly erasedBy: string;
  readonly deleted: {
    readonly media: readonly PartName[];
    readonly result: boolean;
    readonly pollToken: boolean;
    readonly record: boolean;
  };
  /** True when this request found the check already erased and returns the original receipt. */
  readonly alreadyErased: boolean;
}

export async function eraseCheck(deps: EraseCheckDeps, checkId: string, requestedBy: string): Promise<ErasureReceipt> {
  const check = await deps.checks.get(checkId);
  if (!check) {
    const tombstone = (await deps.audit.list(checkId)).find((entry) => entry.type === 'CHECK_ERASED');
    if (!tombstone) throw new CheckNotFoundError();
    return { ...(tombstone.detail as Omit<ErasureReceipt, 'alreadyErased'>), alreadyErased: true };
  }
  // Media first: if anything below fails, a retry still finds the record and finishes the job.
  await Promise.all(check.parts.map((part) => deps.media.delete(mediaKey(checkId, part))));
  const erased = await deps.checks.erase(checkId);
  const receipt: Omit<ErasureReceipt, 'alreadyErased'> = {
    checkId,
    erasedAt: deps.clock.now().toISOString(),
    erasedBy: requestedBy,
    deleted: {
      media: check.parts,
      result: (erased ?? check).result !== undefined,
      pollToken: true,
      record: true,
    },
  };
  await deps.audit.append({ checkId, type: 'CHECK_ERASED', detail: receipt });
  return { ...receipt, alreadyErased: false };
}
