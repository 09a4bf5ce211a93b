// Provider failover through the local stack: FPT's simulator faults (500 on every call) and SenseID
// is the fallback. Real HTTP to the simulators, real DynamoDB (dynalite) holding the breaker and
// the concurrency slots, the real processor behind the S3 events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, fixture, uploadOk, waitForEnd } from '../support/api-client';
import { outcomeOf, runProviderCheck, type PartUpload } from '../support/provider-checks';

const VIDEO = fixture('face_moving.mp4');
const PHOTO = fixture('id_astronaut_1024.jpg');
const VIDEO_CHECK = {
  video: { bytes: VIDEO, contentType: 'video/mp4' },
  reference: { bytes: PHOTO, contentType: 'image/jpeg' },
} satisfies Record<string, PartUpload>;

/** Small budgets so a faulting provider's retries take a second, not a minute. */
const POLICY = { timeoutMs: 500, maxAttempts: 3, totalBudgetMs: 4000 };
// Long enough that the check run while the breaker is open finishes inside it on a loaded machine.
const COOLDOWN_SECONDS = 8;
const BREAKER_FAILURES = 3;

interface Attempt {
  provider: string;
  outcome: string;
  reason?: string;
  ms: number;
}

const attemptsOf = (body: Record<string, unknown>) =>
  (body.attempts as Attempt[] | undefined)?.map(({ provider, outcome, reason }) => [provider, outcome, reason]);
const providerMsOf = (body: Record<string, unknown>) => (body.timings as { providerMs?: number }).providerMs;

describe('failover from a faulting FPT to SenseID, with a circuit breaker', () => {
  let stack: LocalStack;
  const fptCalls = () => stack.simulators.fpt?.stats().calls ?? -1;
  const senseidCalls = () => stack.simulators.senseid?.stats().calls ?? -1;
  const run = () => runProviderCheck(stack.apiUrl, 'fpt', VIDEO_CHECK, 20_000);
  /** Waits until the cool-down the check's BREAKER_OPENED entry announced has run out. */
  const untilCooledDown = async (checkId: string) => {
    const opened = (await stack.deps.audit.list(checkId)).find((entry) => entry.type === 'BREAKER_OPENED');
    const openUntil = Date.parse(String(opened?.detail.openUntil));
    expect(openUntil).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openUntil - Date.now()) + 100));
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      env: {
        LIVENESS_FALLBACK: 'verihubs,senseid',
        BREAKER_FAILURES: String(BREAKER_FAILURES),
        BREAKER_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS),
      },
      providerConfig: { fpt: POLICY, senseid: POLICY, verihubs: POLICY },
      sweepIntervalMs: 0,
    });
    stack.simulators.fpt?.setDefaultScenario('fault_500');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("ends with SenseID's answer after FPT's retries, skipping Verihubs (no video) with the reason", async () => {
    const [fptBefore, senseidBefore] = [fptCalls(), senseidCalls()];

    const { check, body } = await run();

    expect(outcomeOf(body)).toBe('COMPLETED PASS');
    expect(body.provider).toBe('senseid');
    expect(attemptsOf(body)).toEqual([
      ['fpt', 'failed', 'PROVIDER_UNAVAILABLE'],
      ['verihubs', 'skipped', 'PARTS_NOT_TAKEN'],
      ['senseid', 'answered', undefined],
    ]);
    expect(fptCalls() - fptBefore).toBe(POLICY.maxAttempts);
    expect(senseidCalls() - senseidBefore).toBe(1);
    const requests = (await stack.deps.audit.list(check.checkId)).filter((entry) => entry.type === 'PROVIDER_REQUEST');
    expect(requests.map((entry) => entry.detail.provider)).toEqual(['fpt', 'fpt', 'fpt', 'senseid']);
    // The poll view says nothing of providers.
    const poll = await fetch(`${stack.apiUrl}/v1/checks/${check.checkId}`, {
      headers: { authorization: `Bearer ${check.pollToken}` },
    });
    expect(Object.keys((await poll.json()) as object).sort()).toEqual(['checkId', 'decision', 'reasons', 'status', 'updatedAt']);
  });

  it('takes a spoof verdict from FPT as final: no fallback request', async () => {
    const senseidBefore = senseidCalls();

    const { body } = await runProviderCheck(stack.apiUrl, 'fpt', {
      ...VIDEO_CHECK,
      video: { bytes: withScenarioMarker(VIDEO, 'mp4', 'spoof'), contentType: 'video/mp4' },
    });

    expect(outcomeOf(body)).toBe('COMPLETED FAIL SPOOF_DETECTED');
    expect(body.provider).toBe('fpt');
    expect(attemptsOf(body)).toEqual([['fpt', 'answered', undefined]]);
    expect(senseidCalls()).toBe(senseidBefore);
  });

  it('opens after N failing checks; the next check sends FPT nothing and completes through SenseID in under 2 s of provider time; after the cool-down one trial goes to FPT', async () => {
    // Prepare: N checks in a row whose FPT calls fail (the spoof answer before reset the count).
    const failing = [];
    for (let i = 0; i < BREAKER_FAILURES; i++) failing.push(await run());
    const opened = await stack.deps.audit.list(failing[BREAKER_FAILURES - 1]?.check.checkId ?? '');
    expect(opened.filter((entry) => entry.type === 'BREAKER_OPENED')).toHaveLength(1);

    // Act: a check while open.
    const fptBefore = fptCalls();
    const whileOpen = await run();

    // Assess: FPT saw nothing; SenseID answered at once.
    expect(fptCalls()).toBe(fptBefore);
    expect(outcomeOf(whileOpen.body)).toBe('COMPLETED PASS');
    expect(whileOpen.body.provider).toBe('senseid');
    expect(attemptsOf(whileOpen.body)?.[0]).toEqual(['fpt', 'skipped', 'BREAKER_OPEN']);
    expect(providerMsOf(whileOpen.body)).toBeLessThan(2000);

    // After the cool-down: exactly one check makes the trial (FPT still faulting: its retries, then open again).
    await untilCooledDown(failing[BREAKER_FAILURES - 1]?.check.checkId ?? '');
    const trialBefore = fptCalls();
    const trial = await run();
    const trialAudit = (await stack.deps.audit.list(trial.check.checkId)).map((entry) => entry.type);
    expect(trialAudit).toContain('BREAKER_TRIAL');
    expect(trialAudit).toContain('BREAKER_OPENED');
    expect(fptCalls() - trialBefore).toBe(POLICY.maxAttempts);
    expect(trial.body.provider).toBe('senseid');

    // FPT recovers: the next trial closes the breaker, and FPT answers again.
    stack.simulators.fpt?.setDefaultScenario('pass');
    await untilCooledDown(trial.check.checkId);
    const closing = await run();
    const closingAudit = (await stack.deps.audit.list(closing.check.checkId)).map((entry) => entry.type);
    expect(closingAudit).toEqual(expect.arrayContaining(['BREAKER_TRIAL', 'BREAKER_CLOSED']));
    expect(closing.body.provider).toBe('fpt');
    expect((await run()).body.provider).toBe('fpt');
    // Two real cool-downs and eight checks.
  }, 120_000);
});

describe('an open breaker with no fallback', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      env: { BREAKER_FAILURES: '1', BREAKER_COOLDOWN_SECONDS: '600' },
      providers: ['fpt'],
      providerConfig: { fpt: POLICY },
      sweepIntervalMs: 0,
    });
    stack.simulators.fpt?.setDefaultScenario('fault_500');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the check FAILED PROVIDER_UNAVAILABLE at once, not after a round of retries', async () => {
    const first = await runProviderCheck(stack.apiUrl, 'fpt', VIDEO_CHECK, 20_000);
    expect(outcomeOf(first.body)).toBe('FAILED PROVIDER_UNAVAILABLE');
    const fptBefore = stack.simulators.fpt?.stats().calls;

    const { body } = await runProviderCheck(stack.apiUrl, 'fpt', VIDEO_CHECK);

    expect(outcomeOf(body)).toBe('FAILED PROVIDER_UNAVAILABLE');
    // Measured by the processor's own timestamps: the poller's view also holds upload and polling.
    const timings = body.timings as { processingStartedAt: string; completedAt: string; providerMs?: number };
    expect(Date.parse(timings.completedAt) - Date.parse(timings.processingStartedAt)).toBeLessThan(1000);
    expect(timings.providerMs).toBe(0);
    expect(stack.simulators.fpt?.stats().calls).toBe(fptBefore);
    expect(attemptsOf(body)).toEqual([['fpt', 'skipped', 'BREAKER_OPEN']]);
  });
});

describe('per-provider concurrency', () => {
  let stack: LocalStack;
  const LATENCY_MS = 600;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      env: { SENSEID_MAX_CONCURRENCY: '2' },
      providers: ['fpt', 'senseid'],
      simulatorLatencyMs: LATENCY_MS,
      // The face pre-check handles one picture at a time per process (each processor has its own in
      // AWS); here one process runs all 15 checks, so its queue would stagger the FPT calls it measures.
      config: { slotWaitSeconds: 60, facePrecheck: false },
      autoDeliver: false,
      sweepIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('never has more than 2 requests in flight to SenseID with 10 checks at once, while FPT checks run side by side', async () => {
    // Prepare: every upload lands first; then all events are delivered at once.
    const created = await Promise.all([
      ...Array.from({ length: 10 }, () => createCheck(stack.apiUrl, { provider: 'senseid', parts: ['video', 'reference'] })),
      ...Array.from({ length: 5 }, () => createCheck(stack.apiUrl, { provider: 'fpt', parts: ['video', 'reference'] })),
    ]);
    for (const check of created) {
      for (const [part, upload] of Object.entries(VIDEO_CHECK)) {
        const form = check.uploads[part];
        if (!form) throw new Error(`no form for ${part}`);
        await uploadOk(form, upload.bytes, upload.contentType);
      }
    }

    // Act
    await Promise.all(stack.createdRecords.map((record) => stack.deliver(record)));
    const bodies = await Promise.all(created.map((check) => waitForEnd(stack.apiUrl, check.checkId, 60_000)));

    // Assess
    expect(bodies.map(outcomeOf)).toEqual(created.map(() => 'COMPLETED PASS'));
    expect(stack.simulators.senseid?.stats()).toMatchObject({ calls: 10, maxInFlight: 2 });
    // Five FPT checks overlap freely: no SenseID slot holds them back.
    expect(stack.simulators.fpt?.stats().maxInFlight).toBeGreaterThan(2);
  });
});
