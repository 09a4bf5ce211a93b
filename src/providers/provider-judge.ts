// The domain's LivenessJudge port over the provider adapters: the provider's secret is read and
// checked, its request built and sent with timeouts and retries (callProvider), and every
// attempt audited. The domain sees only the answer, or why no call could be made.
import { describeError, SecretMisconfiguredError } from '../core/errors';
import type { Log } from '../core/log';
import type { AuditLog, JudgeRequest, Judgement, LivenessJudge, SecretSource } from '../core/ports';
import { reason } from '../core/reasons';
import { callProvider, type CallDeps } from './call-provider';
import type { ProviderHttpRequest } from './provider';
import type { ProviderRegistry } from './registry';

export interface ProviderJudgeDeps {
  readonly providers: ProviderRegistry;
  readonly secrets: SecretSource;
  readonly audit: AuditLog;
  readonly log: Log;
  /** Injected HTTP for the provider call; defaults to global fetch. */
  readonly http?: CallDeps;
}

export function createProviderJudge(deps: ProviderJudgeDeps): LivenessJudge {
  return { judge: (request) => judge(deps, request) };
}

async function judge(deps: ProviderJudgeDeps, request: JudgeRequest): Promise<Judgement> {
  const { checkId, provider: id, media } = request;
  const provider = deps.providers.get(id);
  if (!provider) return notCalled('PROCESSING_FAILED', `provider "${id}" is no longer enabled`);
  // The first guard runs beside the secret read, not after it: one round trip fewer before the
  // call, and it still answers before the first request is sent.
  const firstGuard = request.shouldContinue?.();
  firstGuard?.catch(() => {});
  let raw: unknown;
  try {
    raw = await deps.secrets.getJson(provider.config.secretId);
  } catch (error) {
    // Throttling or a network fault is retried by the caller; a secret that is missing or not
    // JSON is an operator problem: fail at once, saying which, never with the value.
    if (!(error instanceof SecretMisconfiguredError)) throw error;
    deps.log.error('Provider secret misconfigured', { checkId, provider: id, error: describeError(error) });
    return notCalled('PROVIDER_AUTH_FAILED', `The ${id} credentials are missing or not JSON.`);
  }
  const secret = provider.adapter.secretSchema.safeParse(raw);
  if (!secret.success) {
    // Paths and rule messages only (e.g. "aesKey: must be 32 characters"): zod issues never carry the value.
    const issues = secret.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    deps.log.error('Provider secret has the wrong shape', { checkId, provider: id, issues });
    return notCalled('PROVIDER_AUTH_FAILED', `The ${id} credentials do not have the expected fields.`);
  }
  let providerRequest: ProviderHttpRequest;
  try {
    providerRequest = provider.adapter.buildRequest(media, secret.data, provider.settings);
  } catch (error) {
    // Building the request is deterministic: a retry would fail the same way.
    deps.log.error('Provider request could not be built', { checkId, provider: id, error: describeError(error) });
    return notCalled('PROCESSING_FAILED', `The ${id} request could not be built.`);
  }
  const audit = request.audit ?? deps.audit;
  const shouldContinue = request.shouldContinue;
  let guard = firstGuard;
  const outcome = await callProvider(
    provider.adapter,
    providerRequest,
    provider.settings,
    provider.config,
    // The time is taken when the entry is produced: a buffered entry keeps its place in the trail.
    (type, detail) => audit.append({ checkId, type, detail, at: new Date().toISOString() }),
    deps.http,
    shouldContinue &&
      (() => {
        const answer = guard ?? shouldContinue();
        guard = undefined;
        return answer;
      }),
  );
  const { verdict, providerMs, attempts } = outcome;
  if (outcome.stopped) return { kind: 'stopped', attempts };
  return {
    kind: 'called',
    answer:
      verdict.kind === 'answer'
        ? { kind: 'answer', result: verdict.result, providerMs }
        : { kind: 'failure', reason: verdict.reason, providerMs },
    attempts,
  };
}

function notCalled(code: 'PROCESSING_FAILED' | 'PROVIDER_AUTH_FAILED', message: string): Judgement {
  return { kind: 'not-called', failure: reason(code, message) };
}
