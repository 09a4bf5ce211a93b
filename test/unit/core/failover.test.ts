// Provider failover and the circuit breaker as domain policy, on in-memory fakes: which provider is
// tried, when the chain moves on, what the breaker does across checks, and the concurrency slots.
import { describe, expect, it } from 'vitest';
import type { PartName } from '../../../src/core/check';
import { silentLog } from '../../../src/core/log';
import type { EnabledProviderPolicy, JudgedPart, JudgeRequest, Judgement } from '../../../src/core/ports';
import { reason, type ReasonCode } from '../../../src/core/reasons';
import { CircuitBreaker, ProviderBusyError, withFailover, type ProviderRoute } from '../../../src/core/use-cases/process-upload';
import {
  FakeLivenessJudge,
  FakeMediaInspector,
  InMemoryAuditLog,
  InMemoryBreakerStore,
  InMemoryProviderCatalog,
  InMemoryProviderSlots,
  ManualClock,
} from '../../support/in-memory';

const START = new Date('2026-11-29T10:00:00Z');
const COOLDOWN_MS = 60_000;

const policy = (id: string, partSets: PartName[][]): EnabledProviderPolicy => ({
  id,
  partSets,
  defaultParts: partSets[0] ?? [],
  uploadRules: {},
});
const CATALOG = new InMemoryProviderCatalog([
  policy('fpt', [['video'], ['video', 'reference']]),
  policy('senseid', [['video', 'reference']]),
  policy('verihubs', [['selfie']]),
]);

const pass = (providerMs = 10): Judgement => ({
  kind: 'called',
  answer: { kind: 'answer', result: { decision: 'PASS', reasons: [] }, providerMs },
  attempts: 1,
});
const failed = (code: ReasonCode, attempts = 3): Judgement => ({
  kind: 'called',
  answer: { kind: 'failure', reason: reason(code), providerMs: 100 },
  attempts,
});
const spoof: Judgement = {
  kind: 'called',
  answer: { kind: 'answer', result: { decision: 'FAIL', reasons: [reason('SPOOF_DETECTED')] }, providerMs: 10 },
  attempts: 1,
};

function media(parts: PartName[]): JudgedPart[] {
  return parts.map((part) => ({ part, bytes: new TextEncoder().encode(`${part} bytes`), facts: { part, bytes: 11 } }));
}

function world(routes: Record<string, Partial<ProviderRoute>>, options: { failures?: number; slotWaitMs?: number } = {}) {
  const clock = new ManualClock(START);
  const inner = new FakeLivenessJudge();
  const store = new InMemoryBreakerStore();
  const slots = new InMemoryProviderSlots();
  const audit = new InMemoryAuditLog();
  const inspector = new FakeMediaInspector();
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const answers: Record<string, () => Judgement> = {};
  inner.next = async (request: JudgeRequest) => (answers[request.provider] ?? (() => pass()))();
  const judge = withFailover({
    judge: inner,
    routes: Object.fromEntries(
      Object.entries(routes).map(([id, route]) => [id, { fallbacks: [], callBudgetMs: 1000, ...route }]),
    ),
    catalog: CATALOG,
    inspector,
    breaker: new CircuitBreaker(store, { failures: options.failures ?? 3, cooldownMs: COOLDOWN_MS }, newId),
    slots,
    slotWaitMs: options.slotWaitMs ?? 2000,
    audit,
    clock,
    log: silentLog,
    newId,
    // Waiting moves the test's clock, and lets the calls in flight run.
    sleep: async (ms) => {
      clock.advanceSeconds(ms / 1000);
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
    random: () => 0.5,
  });
  let checks = 0;
  const run = (parts: PartName[] = ['video', 'reference'], provider = 'fpt') =>
    judge.judge({ checkId: `check-${++checks}`, provider, media: media(parts) });
  const calledProviders = () => inner.requests.map((request) => request.provider);
  const auditOf = (type: string) => audit.entries.filter((entry) => entry.type === type);
  return { clock, inner, store, slots, audit, inspector, answers, run, calledProviders, auditOf };
}

function answerOf(judgement: Judgement) {
  if (judgement.kind !== 'called') throw new Error(`expected a call, got ${JSON.stringify(judgement)}`);
  return judgement.answer;
}

describe('failover to the next provider', () => {
  it("answers from the check's own provider when it is healthy, with one attempt listed", async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });

    const answer = answerOf(await w.run());

    expect(w.calledProviders()).toEqual(['fpt']);
    expect(answer).toMatchObject({ kind: 'answer', provider: 'fpt', attempts: [{ provider: 'fpt', outcome: 'answered' }] });
  });

  it.each(['PROVIDER_UNAVAILABLE', 'PROVIDER_QUOTA_EXCEEDED', 'PROVIDER_AUTH_FAILED', 'PROVIDER_RESPONSE_INVALID'] as const)(
    'moves on to the fallback after %s and reports the fallback as the one that answered',
    async (code) => {
      const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });
      w.answers.fpt = () => failed(code);

      const judgement = await w.run();

      expect(w.calledProviders()).toEqual(['fpt', 'senseid']);
      const answer = answerOf(judgement);
      expect(answer.kind).toBe('answer');
      expect(answer.provider).toBe('senseid');
      expect(answer.attempts?.map(({ provider, outcome, reason }) => ({ provider, outcome, reason }))).toEqual([
        { provider: 'fpt', outcome: 'failed', reason: code },
        { provider: 'senseid', outcome: 'answered', reason: undefined },
      ]);
      expect(answer.providerMs).toBe(110);
      expect(judgement.kind === 'called' && judgement.attempts).toBe(4);
    },
  );

  it('never fails over after an answer about the person: a spoof verdict is final', async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });
    w.answers.fpt = () => spoof;

    const answer = answerOf(await w.run());

    expect(w.calledProviders()).toEqual(['fpt']);
    expect(answer).toMatchObject({ kind: 'answer', provider: 'fpt', result: { decision: 'FAIL' } });
  });

  it('does not fail over on a failure another provider would not change (PROVIDER_REJECTED_REQUEST)', async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });
    w.answers.fpt = () => failed('PROVIDER_REJECTED_REQUEST', 1);

    const answer = answerOf(await w.run());

    expect(w.calledProviders()).toEqual(['fpt']);
    expect(answer).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_REJECTED_REQUEST' } });
  });

  it('skips a fallback whose parts the check did not upload, saying so, and tries the next', async () => {
    const w = world({ fpt: { fallbacks: ['verihubs', 'senseid'] }, senseid: {}, verihubs: {} });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');

    const answer = answerOf(await w.run(['video', 'reference']));

    expect(w.calledProviders()).toEqual(['fpt', 'senseid']);
    expect(answer.attempts?.map((a) => [a.provider, a.outcome, a.reason])).toEqual([
      ['fpt', 'failed', 'PROVIDER_UNAVAILABLE'],
      ['verihubs', 'skipped', 'PARTS_NOT_TAKEN'],
      ['senseid', 'answered', undefined],
    ]);
  });

  it('sends a fallback only the parts it takes, and never drops the reference', async () => {
    const w = world({ senseid: { fallbacks: ['fpt'] }, fpt: {} });
    w.answers.senseid = () => failed('PROVIDER_UNAVAILABLE');

    await w.run(['video', 'reference'], 'senseid');

    expect(w.inner.requests[1]?.media.map((item) => item.part)).toEqual(['video', 'reference']);
  });

  it("skips a fallback whose media limits the media does not pass, re-vetted against the fallback's profile", async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    w.inspector.refuse = { video: reason('MEDIA_TOO_LARGE') };

    const answer = answerOf(await w.run());

    expect(w.calledProviders()).toEqual(['fpt']);
    expect(w.inspector.inspected.map((request) => request.provider)).toEqual(['senseid']);
    expect(answer).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_UNAVAILABLE' }, provider: 'fpt' });
    expect(answer.attempts?.[1]).toMatchObject({ provider: 'senseid', outcome: 'skipped', reason: 'MEDIA_TOO_LARGE' });
  });

  it('ends with the last operational failure when every provider failed', async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {} });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    w.answers.senseid = () => failed('PROVIDER_QUOTA_EXCEEDED', 1);

    const answer = answerOf(await w.run());

    expect(answer).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_QUOTA_EXCEEDED' }, provider: 'senseid' });
    expect(answer.attempts).toHaveLength(2);
  });

  it('keeps a lone provider that could not be called as the judge reported it', async () => {
    const w = world({ fpt: {} });
    w.answers.fpt = () => ({ kind: 'not-called', failure: reason('PROCESSING_FAILED') });

    expect(await w.run()).toEqual({ kind: 'not-called', failure: reason('PROCESSING_FAILED') });
  });
});

describe('the circuit breaker', () => {
  it('opens after N consecutive operational failures, once, audited on the check that opened it', async () => {
    const w = world({ fpt: {} }, { failures: 3 });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');

    for (let i = 0; i < 3; i++) await w.run();

    expect(w.auditOf('BREAKER_OPENED').map((entry) => entry.checkId)).toEqual(['check-3']);
    expect(w.auditOf('BREAKER_OPENED')[0]?.detail).toMatchObject({ provider: 'fpt', failures: 3, afterTrial: false });
  });

  it('counts consecutive failures only: an answer in between starts the count again', async () => {
    const w = world({ fpt: {} }, { failures: 3 });
    let next: Judgement = failed('PROVIDER_UNAVAILABLE');
    w.answers.fpt = () => next;

    await w.run();
    await w.run();
    next = pass();
    await w.run();
    next = failed('PROVIDER_UNAVAILABLE');
    await w.run();
    await w.run();

    expect(w.auditOf('BREAKER_OPENED')).toHaveLength(0);
  });

  it('while open, skips the provider at once: straight to the fallback, or PROVIDER_UNAVAILABLE with none', async () => {
    const w = world({ fpt: { fallbacks: ['senseid'] }, senseid: {}, verihubs: {} }, { failures: 1 });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    await w.run();
    w.inner.requests.length = 0;

    const viaFallback = answerOf(await w.run());
    const alone = answerOf(await w.run(['video'], 'fpt'));

    expect(viaFallback).toMatchObject({ kind: 'answer', provider: 'senseid' });
    expect(viaFallback.attempts?.[0]).toMatchObject({ provider: 'fpt', outcome: 'skipped', reason: 'BREAKER_OPEN' });
    expect(alone).toMatchObject({ kind: 'failure', reason: { code: 'PROVIDER_UNAVAILABLE' }, providerMs: 0 });
    expect(w.calledProviders()).toEqual(['senseid']);
  });

  it('after the cool-down lets exactly one trial through; its success closes the breaker', async () => {
    const w = world({ fpt: {} }, { failures: 1 });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    await w.run();
    w.clock.advanceSeconds(COOLDOWN_MS / 1000);
    w.inner.requests.length = 0;
    let release: () => void = () => {};
    w.answers.fpt = () => pass();
    const slowTrial = new Promise<void>((resolve) => (release = resolve));
    const original = w.inner.next;
    w.inner.next = async (request) => {
      await slowTrial;
      return original(request);
    };

    const trial = w.run(['video']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const during = answerOf(await w.run(['video']));
    release();
    const trialAnswer = answerOf(await trial);
    const after = answerOf(await w.run(['video']));

    expect(during.attempts?.[0]).toMatchObject({ outcome: 'skipped', reason: 'BREAKER_OPEN' });
    expect(trialAnswer.kind).toBe('answer');
    expect(after.kind).toBe('answer');
    expect(w.calledProviders()).toEqual(['fpt', 'fpt']);
    expect(w.audit.entries.map((entry) => entry.type)).toEqual(['BREAKER_OPENED', 'BREAKER_TRIAL', 'BREAKER_CLOSED']);
  });

  it('opens again when the trial fails, for another cool-down', async () => {
    const w = world({ fpt: {} }, { failures: 1 });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    await w.run();
    w.clock.advanceSeconds(COOLDOWN_MS / 1000);

    await w.run();
    w.clock.advanceSeconds(COOLDOWN_MS / 1000 - 1);
    await w.run();

    expect(w.calledProviders()).toEqual(['fpt', 'fpt']);
    expect(w.auditOf('BREAKER_OPENED').map((entry) => entry.detail.afterTrial)).toEqual([false, true]);
  });

  it('frees the trial of a holder that never reported back once its lease ran out', async () => {
    const w = world({ fpt: { callBudgetMs: 1000 } }, { failures: 1 });
    w.answers.fpt = () => failed('PROVIDER_UNAVAILABLE');
    await w.run();
    w.clock.advanceSeconds(COOLDOWN_MS / 1000);
    // A trial claimed by a caller that crashed before it could report.
    await w.store.claimTrial('fpt', w.clock.now().getTime(), 'crashed', w.clock.now().getTime() + 31_000);
    w.answers.fpt = () => pass();

    const whileHeld = answerOf(await w.run(['video']));
    w.clock.advanceSeconds(31);
    const afterLease = answerOf(await w.run(['video']));

    expect(whileHeld.kind).toBe('failure');
    expect(afterLease.kind).toBe('answer');
    expect(w.auditOf('BREAKER_CLOSED')).toHaveLength(1);
  });
});

describe('per-provider concurrency slots', () => {
  it('never lets more than the cap call a provider at once, and does not hold back other providers', async () => {
    // The fake clock runs ahead of the calls' real time: a long wait keeps every waiter in the game.
    const w = world({ senseid: { maxConcurrency: 2 }, fpt: {} }, { slotWaitMs: 3_600_000 });
    let inFlight = 0;
    let highWater = 0;
    let fptCalls = 0;
    w.inner.next = async (request) => {
      if (request.provider === 'fpt') {
        fptCalls += 1;
        return pass();
      }
      inFlight += 1;
      highWater = Math.max(highWater, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return pass();
    };

    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => w.run(['video', 'reference'], 'senseid')),
      ...Array.from({ length: 4 }, () => w.run(['video'], 'fpt')),
    ]);

    expect(results.every((judgement) => judgement.kind === 'called' && judgement.answer.kind === 'answer')).toBe(true);
    expect(highWater).toBe(2);
    expect(fptCalls).toBe(4);
    expect(w.slots.held.size).toBe(0);
  });

  it('gives up with ProviderBusyError when no slot comes free within the wait, so the attempt is retried later', async () => {
    const w = world({ senseid: { maxConcurrency: 1 } });
    await w.slots.acquire('senseid', 1, 'someone else', w.clock.now().getTime(), w.clock.now().getTime() + 60_000);

    await expect(w.run(['video', 'reference'], 'senseid')).rejects.toBeInstanceOf(ProviderBusyError);
    expect(w.calledProviders()).toEqual([]);
  });
});
