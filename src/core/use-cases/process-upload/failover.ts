// Provider failover as a LivenessJudge decorator: the check's provider first (unless its circuit
// breaker is open), then its fallbacks in order, each only when its parts fit the uploaded ones and
// the media passes its limits. Only an operational failure moves on: an answer about the person
// (PASS/FAIL/RETRY/REVIEW) is final, so at most one provider call per check succeeds. Calls to a
// provider with a concurrency cap hold one of its shared slots while they run.
import type { PartName, ProviderAnswer, ProviderAttempt, ProviderId } from '../../check';
import { GatewayError } from '../../errors';
import type { Log } from '../../log';
import type {
  AuditLog,
  BreakerRecord,
  Clock,
  JudgedPart,
  JudgeRequest,
  Judgement,
  LivenessJudge,
  MediaInspector,
  ProviderCatalog,
  ProviderSlots,
} from '../../ports';
import { reason, type Reason, type ReasonCode } from '../../reasons';
import type { BreakerTransition, CircuitBreaker } from './circuit-breaker';

/** Failures about the provider, not the person: these (and only these) move on to a fallback. */
export const FAILOVER_REASONS: readonly ReasonCode[] = [
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_QUOTA_EXCEEDED',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_RESPONSE_INVALID',
];

/** What failover needs to know of one enabled provider. */
export interface ProviderRoute {
  readonly fallbacks: readonly ProviderId[];
  readonly maxConcurrency?: number;
  /** The provider's whole call budget (all attempts and back-off): bounds its slot and trial leases. */
  readonly callBudgetMs: number;
}

export interface FailoverDeps {
  /** The judge that calls one provider (secret, request, HTTP with retries, audit). */
  readonly judge: LivenessJudge;
  readonly routes: Readonly<Record<ProviderId, ProviderRoute>>;
  readonly catalog: ProviderCatalog;
  readonly inspector: MediaInspector;
  readonly breaker: CircuitBreaker;
  readonly slots: ProviderSlots;
  /** How long a call waits for a free slot before the attempt gives up (its message is retried). */
  readonly slotWaitMs: number;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Log;
  readonly newId: () => string;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Every slot of a capped provider stayed taken for the whole wait: retry the attempt later. */
export class ProviderBusyError extends GatewayError {
  constructor(readonly provider: ProviderId) {
    super(`No free slot for a call to ${provider}`);
  }
}

/** A held slot or trial outlives the call by this much, so it is never taken over mid-call. */
const LEASE_MARGIN_MS = 30_000;
const SLOT_BACKOFF_BASE_MS = 50;
const SLOT_BACKOFF_MAX_MS = 1000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withFailover(deps: FailoverDeps): LivenessJudge {
  // Breaker state read while the attempt reads the media (prepare), taken by the judge call that follows.
  const prefetched = new Map<string, { readonly provider: ProviderId; readonly record: Promise<BreakerRecord> }>();
  return {
    prepare: ({ checkId, provider }) => {
      // An attempt that ends before the call (media refused) leaves its entry: keep the map small.
      if (prefetched.size >= 64) prefetched.clear();
      prefetched.set(checkId, { provider, record: deps.breaker.peek(provider) });
    },
    judge: (request) => {
      const ahead = prefetched.get(request.checkId);
      prefetched.delete(request.checkId);
      return judgeWithFailover(deps, request, ahead?.provider === request.provider ? ahead.record : undefined);
    },
  };
}

type Fit = { readonly kind: 'fits'; readonly media: readonly JudgedPart[] } | { readonly kind: 'skip'; readonly reason: string };

async function judgeWithFailover(
  baseDeps: FailoverDeps,
  request: JudgeRequest,
  prefetched?: Promise<BreakerRecord>,
): Promise<Judgement> {
  const { checkId } = request;
  // The attempt's own audit sink (entries held until its next conditional write) takes the breaker's entries too.
  const held = request.audit;
  const deps: FailoverDeps = held
    ? { ...baseDeps, audit: { append: (entry) => held.append(entry), list: (id) => baseDeps.audit.list(id) } }
    : baseDeps;
  const now = () => deps.clock.now().getTime();
  const chain = [request.provider, ...(deps.routes[request.provider]?.fallbacks ?? [])];
  const attempts: ProviderAttempt[] = [];
  let httpAttempts = 0;
  let providerMs = 0;
  let last: { readonly provider: ProviderId; readonly failure: Reason; readonly called: boolean } | undefined;

  for (const [index, provider] of chain.entries()) {
    const started = now();
    const fit =
      index === 0 ? ({ kind: 'fits', media: request.media } as const) : await fitFallback(deps, provider, request.media);
    if (fit.kind === 'skip') {
      attempts.push({ provider, outcome: 'skipped', reason: fit.reason, ms: now() - started });
      continue;
    }
    const callBudgetMs = deps.routes[provider]?.callBudgetMs ?? 0;
    const admission = await deps.breaker.admit(
      provider,
      started,
      callBudgetMs + LEASE_MARGIN_MS,
      index === 0 ? prefetched : undefined,
    );
    if (admission.kind === 'skip') {
      deps.log.info('Provider skipped: its circuit breaker is open', { checkId, provider });
      attempts.push({ provider, outcome: 'skipped', reason: 'BREAKER_OPEN', ms: now() - started });
      continue;
    }
    if (admission.kind === 'trial') {
      deps.log.info('Circuit breaker trial call', { checkId, provider });
      await deps.audit.append({ checkId, type: 'BREAKER_TRIAL', detail: { provider } });
    }
    const judgement = await withSlot(deps, checkId, provider, () => deps.judge.judge({ ...request, provider, media: fit.media }));
    const ms = now() - started;
    // Erased or taken over mid-call: stop here, no fallback, nothing recorded.
    if (judgement.kind === 'stopped') return judgement;
    if (judgement.kind === 'called') {
      httpAttempts += judgement.attempts;
      providerMs += judgement.answer.providerMs;
    }
    const failure = judgement.kind === 'not-called' ? judgement.failure : failureOf(judgement.answer);
    if (!failure || !FAILOVER_REASONS.includes(failure.code)) {
      // An answer about the person, or a failure another provider would not change: final.
      if (judgement.kind === 'called' && judgement.answer.kind === 'answer') {
        await report(deps, checkId, provider, await deps.breaker.succeeded(provider, admission));
      }
      attempts.push({
        provider,
        outcome: failure ? 'failed' : 'answered',
        ...(failure ? { reason: failure.code } : {}),
        ms,
      });
      if (judgement.kind === 'not-called' && attempts.length === 1) return judgement;
      const answer: ProviderAnswer =
        judgement.kind === 'called' ? judgement.answer : { kind: 'failure', reason: judgement.failure, providerMs: 0 };
      return { kind: 'called', answer: { ...answer, providerMs, provider, attempts }, attempts: httpAttempts };
    }
    await report(deps, checkId, provider, await deps.breaker.failed(provider, admission, now()));
    attempts.push({ provider, outcome: 'failed', reason: failure.code, ms });
    last = { provider, failure, called: judgement.kind === 'called' };
    if (index + 1 < chain.length)
      deps.log.warn('Provider failed; trying the next fallback', { checkId, provider, reason: failure.code });
  }

  // Nothing answered. A single provider that could not even be called keeps the judge's own result.
  if (last && !last.called && attempts.length === 1) return { kind: 'not-called', failure: last.failure };
  const failure =
    last?.failure ??
    reason(
      'PROVIDER_UNAVAILABLE',
      `No provider could be called (${attempts.map((a) => `${a.provider}: ${a.reason}`).join(', ')}).`,
    );
  return {
    kind: 'called',
    answer: { kind: 'failure', reason: failure, providerMs, ...(last ? { provider: last.provider } : {}), attempts },
    attempts: httpAttempts,
  };
}

function failureOf(answer: ProviderAnswer): Reason | undefined {
  return answer.kind === 'failure' ? answer.reason : undefined;
}

/**
 * A fallback takes the largest of its part sets that the check uploaded (keeping the reference when
 * one was uploaded: the decision needs its comparison), and each part must pass its media limits,
 * checked again over the bytes in memory against the fallback's own profile.
 */
async function fitFallback(deps: FailoverDeps, provider: ProviderId, media: readonly JudgedPart[]): Promise<Fit> {
  const policy = deps.catalog.get(provider);
  if (!policy) return { kind: 'skip', reason: 'NOT_ENABLED' };
  const uploaded = new Set<PartName>(media.map((item) => item.part));
  const fitting = policy.partSets.filter((set) => set.every((part) => uploaded.has(part))).sort((a, b) => b.length - a.length);
  const chosen = fitting.find((set) => !uploaded.has('reference') || set.includes('reference'));
  if (!chosen) return { kind: 'skip', reason: fitting.length > 0 ? 'REFERENCE_NOT_TAKEN' : 'PARTS_NOT_TAKEN' };
  const sent = media.filter((item) => chosen.includes(item.part));
  for (const item of sent) {
    const { bytes } = item;
    const inspection = await deps.inspector.inspect({
      provider,
      part: item.part,
      reader: { size: bytes.length, read: async (start, endInclusive) => bytes.subarray(start, endInclusive + 1) },
      ...(item.facts.contentType ? { contentType: item.facts.contentType } : {}),
    });
    if (inspection.problem) return { kind: 'skip', reason: inspection.problem.code };
  }
  return { kind: 'fits', media: sent };
}

/** Runs `call` holding one of the provider's slots when it has a cap; waits with jittered back-off for one. */
async function withSlot(
  deps: FailoverDeps,
  checkId: string,
  provider: ProviderId,
  call: () => Promise<Judgement>,
): Promise<Judgement> {
  const route = deps.routes[provider];
  const cap = route?.maxConcurrency;
  if (!route || cap === undefined) return call();
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const holder = `${checkId}/${deps.newId()}`;
  const waitUntil = deps.clock.now().getTime() + deps.slotWaitMs;
  for (let round = 0; ; round++) {
    const now = deps.clock.now().getTime();
    const slot = await deps.slots.acquire(provider, cap, holder, now, now + route.callBudgetMs + LEASE_MARGIN_MS);
    if (slot !== undefined) {
      try {
        return await call();
      } finally {
        await deps.slots.release(provider, slot, holder);
      }
    }
    // Equal jitter: never a busy loop, and waiters spread out rather than retrying in step.
    const step = Math.min(SLOT_BACKOFF_MAX_MS, SLOT_BACKOFF_BASE_MS * 2 ** round);
    const delay = Math.floor(step / 2 + random() * (step / 2));
    if (deps.clock.now().getTime() + delay > waitUntil) {
      deps.log.warn('No free slot for the provider call; the attempt will be retried', { checkId, provider, cap });
      throw new ProviderBusyError(provider);
    }
    await sleep(delay);
  }
}

async function report(deps: FailoverDeps, checkId: string, provider: ProviderId, transition: BreakerTransition | undefined) {
  if (!transition) return;
  if (transition.type === 'BREAKER_CLOSED') {
    deps.log.info('Circuit breaker closed', { checkId, provider });
    await deps.audit.append({ checkId, type: 'BREAKER_CLOSED', detail: { provider } });
    return;
  }
  const detail = {
    provider,
    failures: transition.failures,
    afterTrial: transition.afterTrial,
    openUntil: new Date(transition.openUntil).toISOString(),
  };
  deps.log.warn('Circuit breaker opened', { checkId, ...detail });
  await deps.audit.append({ checkId, type: 'BREAKER_OPENED', detail });
}
