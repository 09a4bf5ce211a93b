// One provider call with a per-attempt timeout and jittered retries inside a total budget.
// Retried: network errors, timeouts, 429 and 5xx, and failures the adapter marks retryable.
// Never retried: other 4xx and business answers. A Retry-After the provider sends is honoured:
// calling earlier would only earn another 429, so when it does not fit the budget we stop.
import { reason } from '../core/reasons';
import type { ProviderAdapter, ProviderHttpRequest, ProviderHttpResponse, ProviderVerdict } from './provider';

export interface CallPolicy {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly totalBudgetMs: number;
  /** First back-off step; doubles per attempt, with full jitter. */
  readonly baseDelayMs?: number;
}

export type CallAuditType = 'PROVIDER_REQUEST' | 'PROVIDER_RESPONSE' | 'PROVIDER_RETRY';
export type CallAuditSink = (type: CallAuditType, detail: Record<string, unknown>) => Promise<void>;

export interface CallOutcome {
  readonly verdict: ProviderVerdict;
  /** Wall time spent in the provider, all attempts and back-off included. */
  readonly providerMs: number;
  readonly attempts: number;
  /** The guard said no before a request: the call ended there, and its verdict must not be used. */
  readonly stopped?: true;
}

/** Asked before each HTTP request (the first and every retry); false ends the call without it. */
export type CallGuard = () => Promise<boolean>;

export interface CallDeps {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

type AttemptResult =
  { readonly kind: 'response'; readonly response: ProviderHttpResponse } | { readonly kind: 'error'; readonly error: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Retry-After (delta-seconds or HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

async function attempt(request: ProviderHttpRequest, timeoutMs: number, fetchImpl: typeof fetch): Promise<AttemptResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    // The timeout covers the body too: a provider that trickles its answer is cut off.
    const bodyText = await res.text();
    return {
      kind: 'response',
      response: { status: res.status, headers: Object.fromEntries(res.headers.entries()), bodyText },
    };
  } catch (error) {
    const message = controller.signal.aborted ? `timeout after ${timeoutMs} ms` : describeNetworkError(error);
    return { kind: 'error', error: message };
  } finally {
    clearTimeout(timer);
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause =
      error.cause instanceof Error ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return 'network error';
}

// An adapter must never throw from parseResponse; if one does, the check still ends cleanly.
function safeParse<S>(adapter: ProviderAdapter<unknown, S>, response: ProviderHttpResponse, settings: S): ProviderVerdict {
  try {
    return adapter.parseResponse(response, settings);
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unknown error';
    return {
      kind: 'failure',
      reason: reason('PROVIDER_RESPONSE_INVALID', `The ${adapter.id} answer could not be parsed (${detail}).`),
      retryable: false,
    };
  }
}

function safeRedact<S>(adapter: ProviderAdapter<unknown, S>, bodyText: string): string {
  try {
    return adapter.redactResponseBody(bodyText);
  } catch {
    // Nothing of an unredactable body may reach the audit.
    return `[body withheld: redaction failed, ${bodyText.length} chars]`;
  }
}

/** Strips the query string, which some operators use for flags but could carry tokens. */
function auditUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

function stoppedVerdict(provider: string): ProviderVerdict {
  return {
    kind: 'failure',
    reason: reason('PROCESSING_FAILED', `The ${provider} call was stopped: the check moved on.`),
    retryable: false,
  };
}

export async function callProvider<S>(
  adapter: ProviderAdapter<unknown, S>,
  request: ProviderHttpRequest,
  settings: S,
  policy: CallPolicy,
  audit: CallAuditSink,
  deps: CallDeps = {},
  shouldContinue?: CallGuard,
): Promise<CallOutcome> {
  const fetchImpl = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const baseDelay = policy.baseDelayMs ?? 200;
  const started = now();
  const deadline = started + policy.totalBudgetMs;
  let lastProblem = 'no attempt made';
  // The adapter's own reading of the last retryable failure (e.g. PROVIDER_RESPONSE_INVALID) beats a generic one.
  let lastFailure: Extract<ProviderVerdict, { kind: 'failure' }> | undefined;
  let attempts = 0;

  for (let attemptNo = 1; attemptNo <= policy.maxAttempts; attemptNo++) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    const timeoutMs = Math.min(policy.timeoutMs, remaining);
    if (shouldContinue && !(await shouldContinue())) {
      return { verdict: stoppedVerdict(adapter.id), providerMs: now() - started, attempts, stopped: true };
    }
    attempts = attemptNo;
    await audit('PROVIDER_REQUEST', {
      provider: adapter.id,
      attempt: attemptNo,
      method: request.method,
      url: auditUrl(request.url),
      timeoutMs,
      ...request.auditSummary,
    });
    const attemptStarted = now();
    const result = await attempt(request, timeoutMs, fetchImpl);
    const latencyMs = now() - attemptStarted;

    let minDelayMs = 0;
    if (result.kind === 'response') {
      const verdict = safeParse(adapter, result.response, settings);
      const retryable = isRetryableStatus(result.response.status) || (verdict.kind === 'failure' && verdict.retryable);
      await audit('PROVIDER_RESPONSE', {
        provider: adapter.id,
        attempt: attemptNo,
        httpStatus: result.response.status,
        latencyMs,
        body: safeRedact(adapter, result.response.bodyText),
        outcome: verdict.kind === 'answer' ? verdict.result.decision : verdict.reason.code,
      });
      if (!retryable) return { verdict, providerMs: now() - started, attempts: attemptNo };
      lastProblem =
        verdict.kind === 'failure' ? `HTTP ${result.response.status}, ${verdict.reason.code}` : `HTTP ${result.response.status}`;
      lastFailure = verdict.kind === 'failure' ? verdict : undefined;
      minDelayMs = retryAfterMs(result.response.headers, now()) ?? 0;
    } else {
      lastProblem = result.error;
      lastFailure = undefined;
      await audit('PROVIDER_RESPONSE', { provider: adapter.id, attempt: attemptNo, error: result.error, latencyMs });
    }

    if (attemptNo < policy.maxAttempts) {
      const jitter = Math.floor(random() * baseDelay * 2 ** (attemptNo - 1));
      const delay = Math.max(jitter, minDelayMs);
      if (now() + delay >= deadline) break;
      await audit('PROVIDER_RETRY', {
        provider: adapter.id,
        afterAttempt: attemptNo,
        delayMs: delay,
        ...(minDelayMs > 0 ? { retryAfterMs: minDelayMs } : {}),
        problem: lastProblem,
      });
      await sleep(delay);
    }
  }

  // Retries are spent: the caller must not retry again on its own.
  const verdict: ProviderVerdict = lastFailure
    ? { kind: 'failure', reason: lastFailure.reason, retryable: false }
    : {
        kind: 'failure',
        reason: reason('PROVIDER_UNAVAILABLE', `The ${adapter.id} service gave no usable answer (${lastProblem}).`),
        retryable: false,
      };
  return { verdict, providerMs: now() - started, attempts };
}
