// callProvider against the real FPT simulator's fault scenarios: each ends in the right verdict
// within its time bound, and the audit shows the retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fptAdapter, fptSettingsSchema } from '../../../src/providers/fpt/adapter';
import { FPT_SIMULATOR_DEFAULT_KEY, startFptSimulator, type FptSimulator } from '../../../src/providers/fpt/simulator';
import {
  callProvider,
  retryAfterMs,
  type CallAuditSink,
  type CallAuditType,
  type CallOutcome,
  type CallPolicy,
} from '../../../src/providers/call-provider';
import { reference, video } from './fpt-test-media';

let sim: FptSimulator;
beforeAll(async () => {
  sim = await startFptSimulator();
});
afterAll(async () => {
  await sim.close();
});

const SETTINGS = fptSettingsSchema.parse({});
const FAST: CallPolicy = { timeoutMs: 300, maxAttempts: 3, totalBudgetMs: 5_000, baseDelayMs: 10 };

interface AuditRecord {
  readonly type: CallAuditType;
  readonly detail: Record<string, unknown>;
}

interface Run {
  readonly outcome: CallOutcome;
  readonly elapsedMs: number;
  readonly audit: readonly AuditRecord[];
  readonly of: (type: CallAuditType) => readonly Record<string, unknown>[];
}

async function run(scenario: string, policy: CallPolicy = FAST, withReference = false): Promise<Run> {
  const audit: AuditRecord[] = [];
  const sink: CallAuditSink = async (type, detail) => {
    audit.push({ type, detail });
  };
  const parts = withReference ? [video(scenario), reference()] : [video(scenario)];
  const request = fptAdapter.buildRequest(parts, { apiKey: FPT_SIMULATOR_DEFAULT_KEY, endpoint: sim.url }, SETTINGS);
  const started = Date.now();
  const outcome = await callProvider(fptAdapter, request, SETTINGS, policy, sink);
  return {
    outcome,
    elapsedMs: Date.now() - started,
    audit,
    of: (type) => audit.filter((entry) => entry.type === type).map((entry) => entry.detail),
  };
}

function failureCode(outcome: CallOutcome): string | undefined {
  return outcome.verdict.kind === 'failure' ? outcome.verdict.reason.code : undefined;
}

describe('callProvider with the FPT simulator', () => {
  it('gives up on a provider that never answers after maxAttempts timeouts, as PROVIDER_UNAVAILABLE', async () => {
    const calls = sim.stats().calls;
    const { outcome, elapsedMs, of } = await run('fault_timeout');
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.verdict).toMatchObject({ retryable: false });
    expect(outcome.attempts).toBe(3);
    expect(sim.stats().calls - calls).toBe(3);
    expect(elapsedMs).toBeGreaterThanOrEqual(3 * 300 - 20);
    expect(elapsedMs).toBeLessThan(2_500);
    expect(of('PROVIDER_RETRY')).toHaveLength(2);
    expect(of('PROVIDER_RETRY')[0]?.problem).toMatch(/timeout after 300 ms/);
  });

  it('retries a reset connection and ends as PROVIDER_UNAVAILABLE', async () => {
    const { outcome, elapsedMs, of } = await run('fault_reset');
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.attempts).toBe(3);
    expect(elapsedMs).toBeLessThan(2_000);
    expect(of('PROVIDER_RETRY')).toHaveLength(2);
    expect(of('PROVIDER_RESPONSE').every((detail) => typeof detail.error === 'string')).toBe(true);
  });

  it('exhausts its retries on HTTP 500 and ends as PROVIDER_UNAVAILABLE', async () => {
    const calls = sim.stats().calls;
    const { outcome, of } = await run('fault_500');
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.attempts).toBe(3);
    expect(sim.stats().calls - calls).toBe(3);
    expect(of('PROVIDER_RESPONSE').map((detail) => detail.httpStatus)).toEqual([500, 500, 500]);
    expect(of('PROVIDER_RETRY')).toHaveLength(2);
  });

  it('waits out Retry-After on 429 and then returns the provider answer', async () => {
    const { outcome, elapsedMs, of } = await run('fault_429_then_ok&retry_after=1', FAST, true);
    expect(outcome.verdict).toMatchObject({ kind: 'answer', result: { decision: 'PASS' } });
    expect(outcome.attempts).toBe(2);
    const [retry] = of('PROVIDER_RETRY');
    expect(retry).toMatchObject({ afterAttempt: 1, retryAfterMs: 1_000 });
    expect(Number(retry?.delayMs)).toBeGreaterThanOrEqual(1_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_000);
    expect(elapsedMs).toBeLessThan(2_500);
  });

  it('stops at once when Retry-After does not fit the remaining budget', async () => {
    const { outcome, elapsedMs, of } = await run('fault_429_then_ok&retry_after=30', { ...FAST, totalBudgetMs: 2_000 });
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.attempts).toBe(1);
    expect(of('PROVIDER_RETRY')).toHaveLength(0);
    expect(elapsedMs).toBeLessThan(1_000);
    // The simulator now owes this media its pass answer; take it so the state is clean again.
    expect((await run('fault_429_then_ok&retry_after=30')).outcome.verdict.kind).toBe('answer');
  });

  it('retries a malformed JSON body and ends as PROVIDER_RESPONSE_INVALID', async () => {
    const { outcome, elapsedMs, of } = await run('fault_malformed_json');
    expect(failureCode(outcome)).toBe('PROVIDER_RESPONSE_INVALID');
    expect(outcome.verdict).toMatchObject({ retryable: false });
    expect(outcome.attempts).toBe(3);
    expect(elapsedMs).toBeLessThan(2_000);
    expect(of('PROVIDER_RETRY')).toHaveLength(2);
    expect(of('PROVIDER_RETRY')[0]?.problem).toMatch(/PROVIDER_RESPONSE_INVALID/);
  });

  it('cuts off a body that trickles slower than the timeout and ends as PROVIDER_UNAVAILABLE', async () => {
    const { outcome, elapsedMs, of } = await run('fault_slow_body&interval_ms=100');
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.attempts).toBe(3);
    expect(elapsedMs).toBeLessThan(2_500);
    expect(of('PROVIDER_RETRY')).toHaveLength(2);
    expect(of('PROVIDER_RETRY')[0]?.problem).toMatch(/timeout/);
  });

  it('keeps within the total budget even when attempts remain', async () => {
    const { outcome, elapsedMs } = await run('fault_timeout', {
      timeoutMs: 300,
      maxAttempts: 5,
      totalBudgetMs: 700,
      baseDelayMs: 10,
    });
    expect(failureCode(outcome)).toBe('PROVIDER_UNAVAILABLE');
    expect(outcome.attempts).toBeLessThan(5);
    expect(elapsedMs).toBeLessThan(1_100);
  });

  it('does not retry a business answer', async () => {
    const { outcome, of } = await run('spoof');
    expect(outcome.verdict).toMatchObject({ kind: 'answer', result: { decision: 'FAIL' } });
    expect(outcome.attempts).toBe(1);
    expect(of('PROVIDER_RETRY')).toHaveLength(0);
  });

  it('does not retry refused credentials', async () => {
    const { outcome, of } = await run('auth_failure');
    expect(failureCode(outcome)).toBe('PROVIDER_AUTH_FAILED');
    expect(outcome.attempts).toBe(1);
    expect(of('PROVIDER_RETRY')).toHaveLength(0);
  });

  it('audits field names and sizes, never the API key or media', async () => {
    const { audit, of } = await run('pass', FAST, true);
    const text = JSON.stringify(audit);
    expect(text).not.toContain(FPT_SIMULATOR_DEFAULT_KEY);
    expect(text.length).toBeLessThan(5_000);
    expect(of('PROVIDER_REQUEST')[0]).toMatchObject({
      provider: 'fpt',
      attempt: 1,
      fields: [{ name: 'video' }, { name: 'cmnd' }],
    });
    expect(of('PROVIDER_RESPONSE')[0]).toMatchObject({ httpStatus: 200, outcome: 'PASS' });
  });
});

describe('callProvider guards', () => {
  it('turns an adapter that throws while parsing into PROVIDER_RESPONSE_INVALID', async () => {
    const throwing: typeof fptAdapter = {
      ...fptAdapter,
      parseResponse: () => {
        throw new Error('boom');
      },
    };
    const fakeFetch: typeof fetch = async () => new Response('{}', { status: 200 });
    const outcome = await callProvider(
      throwing,
      { url: 'http://provider.invalid/x', method: 'POST', headers: {}, body: '', auditSummary: {} },
      SETTINGS,
      FAST,
      async () => {},
      { fetch: fakeFetch },
    );
    expect(failureCode(outcome)).toBe('PROVIDER_RESPONSE_INVALID');
  });

  it('asks the guard before every request, retries included, and stops without a request when it says no', async () => {
    const sent: string[] = [];
    const fakeFetch: typeof fetch = async () => {
      sent.push('request');
      return new Response('{}', { status: 500 });
    };
    const answers = [true, true, false];
    const asked: number[] = [];
    const outcome = await callProvider(
      fptAdapter,
      { url: 'http://provider.invalid/x', method: 'POST', headers: {}, body: '', auditSummary: {} },
      SETTINGS,
      FAST,
      async () => {},
      { fetch: fakeFetch, sleep: async () => {} },
      async () => {
        asked.push(sent.length);
        return answers.shift() ?? false;
      },
    );
    expect(asked).toEqual([0, 1, 2]);
    expect(sent).toHaveLength(2);
    expect(outcome).toMatchObject({ stopped: true, attempts: 2 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '120' }, now)).toBe(120_000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }, now)).toBe(5_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});
