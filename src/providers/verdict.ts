// Small constructors every adapter's response parser uses, so the verdict shapes stay one thing.
import type { CheckResult } from '../core/check';
import { reason, type ReasonCode } from '../core/reasons';
import type { ProviderVerdict } from './provider';

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The provider answered about the person. */
export function answer(result: CheckResult): ProviderVerdict {
  return { kind: 'answer', result };
}

/** No answer about the person could be had. */
export function failure(code: ReasonCode, message: string, retryable = false): ProviderVerdict {
  return { kind: 'failure', reason: reason(code, message), retryable };
}

/** The body is not an answer we can read: never a crash, always PROVIDER_RESPONSE_INVALID. */
export function invalid(message: string, retryable = false): ProviderVerdict {
  return failure('PROVIDER_RESPONSE_INVALID', message, retryable);
}
