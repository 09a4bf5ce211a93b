// DELETE /v1/checks/{id}: erasure on request. Media, result and poll token go at once; the audit
// trail keeps a tombstone saying who erased what and when. Idempotent.
import type { ErasureReceiptResponse } from '../api-schemas';
import type { DeepReadonly } from '../check';
import { CheckNotFoundError } from '../errors';
import type { Log } from '../log';
import type { AuditLog, CheckRepository, Clock, MediaFingerprints, MediaStore, OutcomePublisher } from '../ports';
import { mediaKey } from '../ports';
import { outboxFor, pendingEvents, publishOutbox } from './outcome-events';

export interface EraseCheckDeps {
  readonly checks: CheckRepository;
  readonly audit: AuditLog;
  readonly media: MediaStore;
  readonly clock: Clock;
  /** The replayed-media index: the check's entries go with it. */
  readonly fingerprints?: MediaFingerprints;
  /** check.erased goes here, once, from the call whose delete removed the record. */
  readonly outcomes: OutcomePublisher;
  readonly log: Log;
}

export type ErasureReceipt = DeepReadonly<ErasureReceiptResponse>;
type Tombstone = Omit<ErasureReceipt, 'alreadyErased'>;

/**
 * What erasure leaves behind: the append-only audit trail (the functions may add to it but never
 * delete from it, and the table has no expiry). The README's "Data protection" says the same.
 */
export const KEPT_AFTER_ERASURE: ErasureReceipt['kept'] = {
  auditTrail: {
    fields: ['checkId', 'seq', 'at', 'type', 'detail'],
    contents: [
      'creation: provider, parts, upload deadline, consent evidence, whether an externalRef was given (never its value)',
      'parts received: part name, size, content type, ETag, time',
      'media check: format, codec, size, resolution, duration and SHA-256 per part (no pixels), refusal reasons',
      "provider calls: attempt, status, latency and the provider's answer with returned images redacted",
      'outcome: status, decision and reason codes; media deletion time',
      "human review: media links handed out (part, who asked, link expiry) and the decision (reviewer's name and decision, who called the route, whether a note was written; the note itself is erased with the check)",
      'this erasure receipt',
    ],
    reason:
      'Record-keeping: evidence of how each identity check was run and decided, that consent was given, and that it was erased on request (KYC/AML audit)',
    retention:
      'Until the operator deletes it: the audit table has no expiry, the gateway never deletes from it, and the table is retained when the stack is deleted (unless deployed with removalPolicy DESTROY)',
  },
};

export async function eraseCheck(deps: EraseCheckDeps, checkId: string, requestedBy: string): Promise<ErasureReceipt> {
  const check = await deps.checks.get(checkId);
  if (!check) return earlierReceipt(deps, checkId);
  // Media first: if anything below fails, a retry still finds the record and finishes the job.
  await Promise.all(check.parts.map((part) => deps.media.delete(mediaKey(checkId, part))));
  // Index entries before the record: the record is what tells a retry which digests to drop.
  const digests = (check.media ?? []).flatMap((facts) => (facts.sha256 ? [facts.sha256] : []));
  if (deps.fingerprints && digests.length > 0) await deps.fingerprints.release(checkId, digests);
  const erasedAt = deps.clock.now().toISOString();
  // The record becomes a tombstone: an attempt still running for this check can no longer write
  // to it (every write is conditional), so its late results and audit entries are dropped.
  // The event goes into the tombstone, written by the same conditional Put that erases, so it
  // exists exactly when the erasure does: a concurrent or repeated DELETE finds nothing to erase
  // and writes none, and if this function dies before publishing, the sweep publishes it with the
  // same id. It is built from the record read above: check.erased carries only checkId, provider
  // and externalRef, which no write after creation changes, so it is the same envelope whichever
  // version of the record the Put replaces (an attempt may still be writing to it).
  const outbox = outboxFor(deps, 'check.erased', check, erasedAt);
  // The receipt's facts ride on the tombstone: a retry after a crash before the audit append below
  // still answers with this receipt (and audits it then).
  const receiptFacts = { erasedBy: requestedBy, deleted: { media: check.parts, result: check.result !== undefined } };
  const erased = await deps.checks.erase(checkId, { erasedAt, expiresAt: check.expiresAt, receipt: receiptFacts }, outbox);
  // The tombstone also took over the events the record held unpublished, ahead of check.erased.
  const held = erased ? [...(erased.outbox ?? []), ...(outbox?.events ?? [])] : [];
  const published =
    held.length > 0
      ? publishOutbox(
          deps,
          checkId,
          pendingEvents({ checkId, outbox: held }, deps.log),
          held.map((event) => event.id),
        )
      : undefined;
  const receipt: Tombstone = {
    checkId,
    erasedAt,
    erasedBy: requestedBy,
    deleted: {
      media: check.parts,
      result: (erased ?? check).result !== undefined,
      pollToken: true,
      record: true,
    },
    kept: KEPT_AFTER_ERASURE,
  };
  await Promise.all([deps.audit.append({ checkId, type: 'CHECK_ERASED', detail: receipt }), published]);
  return { ...receipt, alreadyErased: false };
}

/**
 * The receipt of an earlier erasure: from the audit trail, or, when the erasing call died between
 * the tombstone and its audit entry, rebuilt from the tombstone and audited now.
 */
async function earlierReceipt(deps: EraseCheckDeps, checkId: string): Promise<ErasureReceipt> {
  const logged = (await deps.audit.list(checkId)).find((entry) => entry.type === 'CHECK_ERASED');
  if (logged) {
    const stored = logged.detail as Omit<Tombstone, 'kept'> & Partial<Pick<Tombstone, 'kept'>>;
    // Receipts written before they named what is kept get today's statement.
    return { ...stored, kept: stored.kept ?? KEPT_AFTER_ERASURE, alreadyErased: true };
  }
  const tombstone = await deps.checks.erasureOf(checkId);
  if (!tombstone?.receipt) throw new CheckNotFoundError();
  const receipt: Tombstone = {
    checkId,
    erasedAt: tombstone.erasedAt,
    erasedBy: tombstone.receipt.erasedBy,
    deleted: { media: tombstone.receipt.deleted.media, result: tombstone.receipt.deleted.result, pollToken: true, record: true },
    kept: KEPT_AFTER_ERASURE,
  };
  deps.log.warn('Erasure receipt was missing from the audit trail; written now from the tombstone', { checkId });
  await deps.audit.append({ checkId, type: 'CHECK_ERASED', detail: receipt });
  return { ...receipt, alreadyErased: true };
}
