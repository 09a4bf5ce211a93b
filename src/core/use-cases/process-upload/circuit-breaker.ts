// The circuit breaker of each provider, as domain policy over the BreakerStore port: closed → open
// after N consecutive checks whose call ended in an operational failure → after the cool-down
// exactly one caller (a conditional write) makes a trial call → closed on success, open again on
// failure. The state is shared by every processor instance through the store.
import type { ProviderId } from '../../check';
import type { BreakerRecord, BreakerStore } from '../../ports';

export interface BreakerPolicy {
  /** Consecutive operational failures that open the breaker. */
  readonly failures: number;
  readonly cooldownMs: number;
}

export type Admission =
  /** Closed: call as usual (`failures` counted so far, so a success resets only when needed). */
  | { readonly kind: 'call'; readonly failures: number }
  /** Open past its cool-down, and this caller won the one trial call. */
  | { readonly kind: 'trial'; readonly trialId: string }
  /** Open (or another caller holds the trial): skip the provider at once. */
  | { readonly kind: 'skip'; readonly openUntil: number };

/** A change of state this caller caused, to be logged and audited on its check. */
export type BreakerTransition =
  | { readonly type: 'BREAKER_OPENED'; readonly failures: number; readonly openUntil: number; readonly afterTrial: boolean }
  | { readonly type: 'BREAKER_CLOSED' };

export class CircuitBreaker {
  constructor(
    private readonly store: BreakerStore,
    private readonly policy: BreakerPolicy,
    private readonly newId: () => string,
  ) {}

  /**
   * Whether `provider` may be called now. `trialLeaseMs` bounds how long a trial may take: a holder
   * that crashed frees the trial after it.
   */
  /** The stored state, read ahead of admit() so the read runs beside other work (a failed read is left to admit). */
  peek(provider: ProviderId): Promise<BreakerRecord> {
    const read = this.store.read(provider);
    read.catch(() => undefined);
    return read;
  }

  async admit(provider: ProviderId, now: number, trialLeaseMs: number, prefetched?: Promise<BreakerRecord>): Promise<Admission> {
    const record = await (prefetched ?? this.store.read(provider));
    if (record.openUntil === undefined) return { kind: 'call', failures: record.failures };
    const trialRunning = record.trialUntil !== undefined && now < record.trialUntil;
    if (now < record.openUntil || trialRunning) return { kind: 'skip', openUntil: record.openUntil };
    const trialId = this.newId();
    const won = await this.store.claimTrial(provider, now, trialId, now + trialLeaseMs);
    return won ? { kind: 'trial', trialId } : { kind: 'skip', openUntil: record.openUntil };
  }

  /** The provider answered (about the person): a trial closes the breaker, a closed one counts from 0. */
  async succeeded(provider: ProviderId, admission: Admission): Promise<BreakerTransition | undefined> {
    if (admission.kind === 'trial') {
      return (await this.store.closeAfterTrial(provider, admission.trialId)) ? { type: 'BREAKER_CLOSED' } : undefined;
    }
    if (admission.kind === 'call' && admission.failures > 0) await this.store.resetFailures(provider);
    return undefined;
  }

  /** The call ended in an operational failure after its retries. */
  async failed(provider: ProviderId, admission: Admission, now: number): Promise<BreakerTransition | undefined> {
    const openUntil = now + this.policy.cooldownMs;
    if (admission.kind === 'trial') {
      const reopened = await this.store.reopenAfterTrial(provider, admission.trialId, openUntil);
      return reopened ? { type: 'BREAKER_OPENED', failures: this.policy.failures, openUntil, afterTrial: true } : undefined;
    }
    const failures = await this.store.addFailure(provider);
    if (failures < this.policy.failures) return undefined;
    // Only the caller whose write opened it reports the transition; the others saw it open.
    const opened = await this.store.openIfClosed(provider, openUntil);
    return opened ? { type: 'BREAKER_OPENED', failures, openUntil, afterTrial: false } : undefined;
  }
}
