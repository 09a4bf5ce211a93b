// GET /v1/checks/{id}/audit (IAM): the check's trail in order. It outlives an erasure (the
// tombstone explains what was erased), so only an id that never had a trail is unknown.
import type { AuditTrailResponse } from '../api-schemas';
import { CheckNotFoundError } from '../errors';
import type { AuditLog } from '../ports';

export async function getAuditTrail(audit: AuditLog, checkId: string): Promise<AuditTrailResponse> {
  const entries = await audit.list(checkId);
  if (entries.length === 0) throw new CheckNotFoundError();
  return { items: entries.map(({ seq, at, type, detail }) => ({ seq, at, type, detail: { ...detail } })) };
}
