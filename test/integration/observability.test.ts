// Operating the gateway locally: the metrics Powertools emits (EMF) read back at /__local/metrics,
// the request id and checkId on every processor line about a check, the audit trail route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { LogLine } from '../../local/observability';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { createCheck, fixture, postCheck, uploadOk, waitForEnd } from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const SHORT_VIDEO = fixture('face_1s.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

interface MetricView {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly count: number;
  readonly sum: number;
  readonly p50: number;
  readonly p99: number;
}

let stack: LocalStack;
const lines: LogLine[] = [];
const emf: string[] = [];

async function runCheck(video: Uint8Array): Promise<string> {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  const { video: videoForm, reference: referenceForm } = check.uploads;
  if (!videoForm || !referenceForm) throw new Error('missing upload forms');
  await uploadOk(videoForm, video, 'video/mp4');
  await uploadOk(referenceForm, ID_PHOTO, 'image/jpeg');
  await waitForEnd(stack.apiUrl, check.checkId);
  return check.checkId;
}

async function localMetrics(): Promise<MetricView[]> {
  const response = await fetch(`${stack.apiUrl}/__local/metrics`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { metrics: MetricView[] }).metrics;
}

function find(metrics: readonly MetricView[], name: string, dimensions: Record<string, string>): MetricView | undefined {
  const wanted = { service: 'liveness-gateway', ...dimensions };
  return metrics.find(
    (metric) =>
      metric.name === name &&
      JSON.stringify(Object.entries(metric.dimensions).sort()) === JSON.stringify(Object.entries(wanted).sort()),
  );
}

const checkIds: Record<string, string> = {};

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    env: {},
    providers: ['fpt'],
    sweepIntervalMs: 0,
    observability: { logLevel: 'INFO', onLogLine: (line) => lines.push(line), onEmf: (line) => emf.push(line) },
  });
  // One after another, so each check's lines are its own.
  for (const label of ['pass1', 'pass2', 'pass3']) checkIds[label] = await runCheck(VIDEO);
  checkIds.short = await runCheck(SHORT_VIDEO);
  checkIds.failed = await runCheck(withScenarioMarker(VIDEO, 'mp4', 'auth_failure'));
  await stack.idle();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('metrics on the local stack', () => {
  it('counts checks by decision and provider, failures by reason, refusals by reason', async () => {
    const metrics = await localMetrics();
    expect(find(metrics, 'ChecksDecided', { provider: 'fpt', decision: 'PASS' })?.sum).toBe(3);
    expect(find(metrics, 'ChecksDecided', { provider: 'fpt', decision: 'RETRY' })?.sum).toBe(1);
    expect(find(metrics, 'MediaRefused', { reason: 'VIDEO_TOO_SHORT' })?.sum).toBe(1);
    expect(find(metrics, 'ChecksFailed', { provider: 'fpt', reason: 'PROVIDER_AUTH_FAILED' })?.sum).toBe(1);
  });

  it('records each provider attempt with its latency and counts operational failures', async () => {
    const metrics = await localMetrics();
    // Three PASS and one 401: the short video never reached the provider.
    expect(find(metrics, 'ProviderCalls', { provider: 'fpt' })?.sum).toBe(4);
    expect(find(metrics, 'ProviderFailures', { provider: 'fpt' })?.sum).toBe(1);
    const latency = find(metrics, 'ProviderLatency', { provider: 'fpt' });
    expect(latency?.count).toBe(4);
    expect(latency?.p50).toBeGreaterThan(0);
    expect(latency?.p99).toBeGreaterThanOrEqual(latency?.p50 ?? Number.POSITIVE_INFINITY);
    expect(find(metrics, 'UploadToDecision', { provider: 'fpt' })?.count).toBe(5);
  });

  it('counts API requests by route and status class', async () => {
    const unknown = await fetch(`${stack.apiUrl}/v1/checks/00000000-0000-4000-8000-000000000000/result`);
    expect(unknown.status).toBe(404);
    const metrics = await localMetrics();
    expect(find(metrics, 'ApiResponses', { route: 'POST /v1/checks', statusClass: '2xx' })?.sum).toBe(5);
    expect(find(metrics, 'ApiResponses', { route: 'GET /v1/checks/{checkId}/result', statusClass: '4xx' })?.sum).toBe(1);
  });

  it('logs every EMF record in the LivenessGateway namespace as Lambda would print it', () => {
    const records = emf.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string }[] } });
    expect(records.length).toBeGreaterThan(10);
    expect(new Set(records.flatMap((record) => record._aws.CloudWatchMetrics.map((directive) => directive.Namespace)))).toEqual(
      new Set(['LivenessGateway']),
    );
  });
});

describe('processor log lines', () => {
  it('carry the request id and the checkId on every line about a check', () => {
    const processorLines = lines.filter((line) => line.function_name === 'process-upload');
    for (const checkId of Object.values(checkIds)) {
      const about = processorLines.filter((line) => line.checkId === checkId);
      expect(about.length).toBeGreaterThan(0);
      for (const line of about) expect(line.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The decision line of each check names it: the key was there while the check was handled.
    const completed = processorLines.filter((line) => line.message === 'Check completed' || line.message === 'Check failed');
    expect(completed).toHaveLength(5);
    for (const line of completed) expect(Object.values(checkIds)).toContain(line.checkId);
    // Each check was decided in its own invocation, and its lines say which.
    expect(new Set(completed.map((line) => line.function_request_id)).size).toBe(5);
  });

  it('never carry media, tokens, secrets or the externalRef', () => {
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/pollToken|apiKey|api_key|externalRef|base64|X-Amz-Signature/i);
  });
});

describe('GET /v1/checks/{checkId}/audit', () => {
  it('returns the trail in order, from creation to the result', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/checks/${checkIds.short}/audit`);
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as {
      items: { seq: string; at: string; type: string; detail: Record<string, unknown> }[];
    };
    const types = items.map((item) => item.type);
    expect(types[0]).toBe('CHECK_CREATED');
    expect(types).toEqual(expect.arrayContaining(['PART_RECEIVED', 'PROCESSING_STARTED', 'MEDIA_CHECKED', 'RESULT_RECORDED']));
    expect(types).not.toContain('PROVIDER_REQUEST');
    expect(items.map((item) => item.seq)).toEqual([...items.map((item) => item.seq)].sort());
    expect(items.find((item) => item.type === 'RESULT_RECORDED')?.detail).toMatchObject({
      decision: 'RETRY',
      reasons: ['VIDEO_TOO_SHORT'],
    });
  });

  it('answers 404 in the v1 error shape for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-check-id']) {
      const response = await fetch(`${stack.apiUrl}/v1/checks/${id}/audit`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such check.' } });
    }
  });
});

describe('metrics of human review and the applicant policy on the local stack', () => {
  let policyStack: LocalStack;
  let replayId: string;

  beforeAll(async () => {
    // The replayed-media check on (the test runner turns it off) and a cap of one check per applicant.
    policyStack = await startLocalStack({
      port: 0,
      env: { MAX_ATTEMPTS_PER_APPLICANT: '1' },
      providers: ['fpt'],
      sweepIntervalMs: 0,
      duplicateMediaCheck: true,
    });
    const upload = async (externalRef?: string): Promise<string> => {
      const check = await createCheck(policyStack.apiUrl, {
        parts: ['video', 'reference'],
        ...(externalRef ? { externalRef } : {}),
      });
      const { video: videoForm, reference: referenceForm } = check.uploads;
      if (!videoForm || !referenceForm) throw new Error('missing upload forms');
      await uploadOk(videoForm, VIDEO, 'video/mp4');
      await uploadOk(referenceForm, ID_PHOTO, 'image/jpeg');
      await waitForEnd(policyStack.apiUrl, check.checkId);
      return check.checkId;
    };
    await upload('applicant-metrics');
    replayId = await upload();
  }, 120_000);
  afterAll(async () => {
    await policyStack?.stop();
  });

  it('counts a refused attempt, a replayed capture, a media link and a review by its decision', async () => {
    // Act: the applicant's second check is over the cap; a reviewer looks at the replay and fails it.
    const refused = await postCheck(policyStack.apiUrl, { parts: ['video', 'reference'], externalRef: 'applicant-metrics' });
    expect(refused.status).toBe(429);
    expect((await fetch(`${policyStack.apiUrl}/v1/checks/${replayId}/media/video`)).status).toBe(200);
    const review = await fetch(`${policyStack.apiUrl}/v1/checks/${replayId}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'FAIL', reviewer: 'alice' }),
    });
    expect(review.status).toBe(200);

    // Assess
    const response = await fetch(`${policyStack.apiUrl}/__local/metrics`);
    const metrics = ((await response.json()) as { metrics: MetricView[] }).metrics;
    expect(find(metrics, 'AttemptsRefused', {})?.sum).toBe(1);
    expect(find(metrics, 'ReplayedMedia', { provider: 'fpt' })?.sum).toBe(1);
    expect(find(metrics, 'ChecksDecided', { provider: 'fpt', decision: 'REVIEW' })?.sum).toBe(1);
    expect(find(metrics, 'MediaViewed', {})?.sum).toBe(1);
    expect(find(metrics, 'ReviewsDecided', { decision: 'FAIL' })?.sum).toBe(1);
  });
});
