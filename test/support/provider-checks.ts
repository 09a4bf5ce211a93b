// One real check over a running stack, for any provider: create with provider + parts, upload
// every part through its presigned form, wait for the end, and time it.
import type { PartName } from '../../src/core/check';
import { createCheck, uploadOk, waitForEnd, type CreatedCheck } from './api-client';

export interface PartUpload {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

export interface FinishedCheck {
  readonly check: CreatedCheck;
  /** The backend result view. */
  readonly body: Record<string, unknown>;
  /** From the last upload accepted to the check ending, as the poller saw it. */
  readonly processingMs: number;
}

export async function runProviderCheck(
  apiUrl: string,
  provider: string,
  uploads: Readonly<Partial<Record<PartName, PartUpload>>>,
  timeoutMs?: number,
): Promise<FinishedCheck> {
  const parts = Object.keys(uploads);
  const check = await createCheck(apiUrl, { provider, parts });
  for (const [part, upload] of Object.entries(uploads)) {
    const form = check.uploads[part];
    if (!form || !upload) throw new Error(`no upload form for ${part}`);
    await uploadOk(form, upload.bytes, upload.contentType);
  }
  const uploaded = Date.now();
  const body = await waitForEnd(apiUrl, check.checkId, timeoutMs);
  return { check, body, processingMs: Date.now() - uploaded };
}

/** "COMPLETED PASS", "COMPLETED RETRY NO_FACE", "FAILED PROVIDER_UNAVAILABLE": one string to compare in tables. */
export function outcomeOf(body: Record<string, unknown>): string {
  const reasons = Array.isArray(body.reasons) ? body.reasons.map((item: { code?: unknown }) => String(item.code)) : [];
  return [String(body.status), ...(body.decision !== undefined ? [String(body.decision)] : []), ...reasons].join(' ');
}
