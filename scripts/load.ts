// Load test: nothing lost, nothing doubled, nothing stuck — under load, over the whole pipeline.
//
//   npm run load -- [--checks 1000] [--concurrency 50] [--latency-ms 200] [--provider fpt] [--deadline-minutes 15]
//
// Starts the local stack in this process (API, S3, DynamoDB, Secrets Manager and the provider
// simulators, all on 127.0.0.1; `env: {}` so no *_ENDPOINT variable can point it at a real
// provider), then drives N checks with C in flight, each the way a backend and a device would:
// create (the provider's default parts) → upload every part with its presigned form (in
// parallel, so the "last part" race is exercised) → poll with the token until the check ends.
// It then verifies every check from the stores themselves and exits non-zero when an invariant
// fails. Figures and invariants go to bench-results/load.json.
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startLocalStack, type LocalStack } from '../local/stack';
import { LOCAL_S3_CREDENTIALS } from '../local/s3-gateway';
import { createAwsClients } from '../src/adapters/aws/clients';
import type { PartName, ProviderId } from '../src/core/check';
import { PROVIDER_IDS } from '../src/providers/registry';
import { createCheck, fixture, poll, result, uploadOk } from '../test/support/api-client';
import {
  errorText,
  round2,
  roundSummary,
  sleep,
  summarise,
  table,
  withinDeadline,
  writeJson,
  type Summary,
} from './support/stats';
import { withIgnoredPayload } from '../src/providers/simulator-kit';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'EXPIRED']);
const OUTPUT = 'bench-results/load.json';
// A check still not ended this long after its uploads is counted stuck (the pipeline needs < 1 s).
const CHECK_TIMEOUT_MS = 120_000;
// Modest poll back-off, as a frontend would: first look soon, then less and less often.
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1_000;
const POLL_GROWTH = 1.5;

// Real fixtures, read once: the same bytes for every check (the simulator answers `pass`).
const PART_MEDIA: Readonly<Record<PartName, { readonly bytes: Uint8Array<ArrayBuffer>; readonly contentType: string }>> = {
  video: { bytes: fixture('face_moving.mp4'), contentType: 'video/mp4' },
  selfie: { bytes: fixture('id_astronaut_1024.jpg'), contentType: 'image/jpeg' },
  reference: { bytes: fixture('id_astronaut_1024.jpg'), contentType: 'image/jpeg' },
};

interface LoadOptions {
  readonly checks: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly provider: ProviderId;
  readonly deadlineMs: number;
}

interface CheckRun {
  readonly index: number;
  checkId?: string;
  createMs?: number;
  /** Create request sent → terminal status seen by the poller (what the frontend experiences). */
  observedMs?: number;
  status?: string;
  decision?: string;
  polls: number;
  error?: string;
}

interface Invariant {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

function positiveInt(value: string | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return parsed;
}

function parseOptions(argv: readonly string[]): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      checks: { type: 'string' },
      concurrency: { type: 'string' },
      'latency-ms': { type: 'string' },
      provider: { type: 'string' },
      'deadline-minutes': { type: 'string' },
    },
    strict: true,
  });
  const provider = values.provider ?? 'fpt';
  const known = PROVIDER_IDS.find((id) => id === provider);
  if (!known) throw new Error(`--provider must be one of ${PROVIDER_IDS.join(', ')}, got "${provider}"`);
  return {
    checks: positiveInt(values.checks, 1000, 'checks'),
    concurrency: positiveInt(values.concurrency, 50, 'concurrency'),
    latencyMs: positiveInt(values['latency-ms'], 200, 'latency-ms', 0),
    provider: known,
    deadlineMs: positiveInt(values['deadline-minutes'], 15, 'deadline-minutes') * 60_000,
  };
}

/** One check, start to end, as a backend + device + frontend would drive it. */
async function runCheck(
  stack: LocalStack,
  options: LoadOptions,
  parts: readonly PartName[],
  run: CheckRun,
  stopping: () => boolean,
): Promise<void> {
  const started = performance.now();
  const check = await createCheck(stack.apiUrl, { provider: options.provider, parts, externalRef: `load-${run.index}` });
  run.createMs = performance.now() - started;
  run.checkId = check.checkId;
  await Promise.all(
    parts.map((part) => {
      const form = check.uploads[part];
      if (!form) throw new Error(`no upload form for ${part}`);
      const media = PART_MEDIA[part];
      // Live parts get new bytes per check, as real captures do, so the replayed-media check passes them.
      const bytes =
        part === 'reference' ? media.bytes : withIgnoredPayload(media.bytes, part === 'video' ? 'mp4' : 'jpeg', randomBytes(16));
      return uploadOk(form, bytes, media.contentType);
    }),
  );
  const uploaded = performance.now();
  let delay = FIRST_POLL_MS;
  for (;;) {
    await sleep(delay);
    const response = await poll(stack.apiUrl, check.checkId, check.pollToken);
    run.polls += 1;
    if (response.status !== 200) throw new Error(`poll answered ${response.status}`);
    run.status = String(response.body.status);
    if (TERMINAL.has(run.status)) {
      run.observedMs = performance.now() - started;
      if (response.body.decision !== undefined) run.decision = String(response.body.decision);
      return;
    }
    // Left in its last status: the verification below counts it as stuck.
    if (stopping() || performance.now() - uploaded > CHECK_TIMEOUT_MS) return;
    delay = Math.min(MAX_POLL_MS, delay * POLL_GROWTH);
  }
}

/** Runs `work` over 0..count-1 with at most `limit` in flight. */
async function pool(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
  stopping: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stopping()) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Counts the media objects in the bucket (what s3rver holds on disk). */
async function countObjects(stack: LocalStack, s3: ReturnType<typeof createAwsClients>['s3']): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'checks/', ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}

interface Verification {
  readonly invariants: readonly Invariant[];
  readonly serverE2e: Summary;
  readonly decisions: Record<string, number>;
  readonly objectsLeft: number;
  readonly problems: readonly string[];
}

/** Reads every check back from the stores: status, audit trail, simulator counters, bucket. */
async function verify(
  stack: LocalStack,
  options: LoadOptions,
  runs: readonly CheckRun[],
  s3: ReturnType<typeof createAwsClients>['s3'],
): Promise<Verification> {
  const created = runs.filter((run): run is CheckRun & { checkId: string } => run.checkId !== undefined);
  const problems: string[] = [];
  let lost = 0;
  let stuck = 0;
  let notOneCall = 0;
  let duplicateWork = 0;
  const serverE2e: number[] = [];
  const decisions: Record<string, number> = {};
  await pool(created.length, 10, async (index) => {
    const run = created[index];
    if (!run) return;
    const read = await result(stack.apiUrl, run.checkId);
    if (read.status !== 200) {
      lost += 1;
      problems.push(`${run.checkId}: result route answered ${read.status}`);
      return;
    }
    const status = String(read.body.status);
    const key = `${status}${read.body.decision !== undefined ? ` ${String(read.body.decision)}` : ''}`;
    decisions[key] = (decisions[key] ?? 0) + 1;
    if (status !== 'COMPLETED' && status !== 'FAILED') {
      stuck += 1;
      problems.push(`${run.checkId}: ended as ${status}`);
    }
    const timings = read.body.timings as { createdAt?: string; completedAt?: string } | undefined;
    if (timings?.createdAt && timings.completedAt)
      serverE2e.push(Date.parse(timings.completedAt) - Date.parse(timings.createdAt));
    const audit = await stack.deps.audit.list(run.checkId);
    const count = (type: string): number => audit.filter((entry) => entry.type === type).length;
    const requests = count('PROVIDER_REQUEST');
    if (requests !== 1) {
      notOneCall += 1;
      problems.push(`${run.checkId}: ${requests} PROVIDER_REQUEST entries`);
    }
    // One start, one recorded answer, one terminal entry: anything more is work done twice.
    const starts = count('PROCESSING_STARTED');
    const answers = count('PROVIDER_ANSWER_RECORDED');
    const ends = count('RESULT_RECORDED') + count('CHECK_FAILED');
    if (starts !== 1 || answers !== 1 || ends !== 1) {
      duplicateWork += 1;
      problems.push(`${run.checkId}: ${starts} starts, ${answers} recorded answers, ${ends} terminal entries`);
    }
  });
  const ids = created.map((run) => run.checkId);
  const duplicateIds = ids.length - new Set(ids).size;
  const calls = stack.simulators[options.provider]?.stats().calls ?? Number.NaN;
  const otherCalls = Object.entries(stack.simulators)
    .filter(([id]) => id !== options.provider)
    .reduce((sum, [, simulator]) => sum + (simulator?.stats().calls ?? 0), 0);
  const errors = runs.filter((run) => run.error !== undefined);
  const notRun = options.checks - runs.length;
  const objectsLeft = await countObjects(stack, s3);
  const invariant = (name: string, expected: number, actual: number): Invariant => ({
    name,
    expected: String(expected),
    actual: String(actual),
    ok: actual === expected,
  });
  return {
    invariants: [
      invariant('checks driven', options.checks, runs.length),
      invariant('client errors (create/upload/poll)', 0, errors.length),
      invariant('checks created', options.checks, created.length),
      invariant('lost (created but not readable)', 0, lost),
      invariant('stuck (not COMPLETED/FAILED)', 0, stuck),
      invariant('checks without exactly 1 PROVIDER_REQUEST', 0, notOneCall),
      invariant(`simulator ${options.provider} calls`, options.checks, calls),
      invariant('calls to other simulators', 0, otherCalls),
      invariant('duplicate check ids', 0, duplicateIds),
      invariant('checks with duplicated work (start/answer/end ≠ 1)', 0, duplicateWork),
      invariant('media objects left in the bucket', 0, objectsLeft),
    ],
    serverE2e: summarise(serverE2e),
    decisions,
    objectsLeft,
    problems: [
      ...errors.map((run) => `check #${run.index}${run.checkId ? ` ${run.checkId}` : ''}: ${run.error ?? ''}`),
      ...problems,
      ...(notRun > 0 ? [`${notRun} checks never started (deadline)`] : []),
    ],
  };
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const deadlineAt = Date.now() + options.deadlineMs;
  let deadlinePassed = false;
  const stopping = (): boolean => deadlinePassed;
  // The deadline stops new work and polling; a hard stop follows if even the wind-down hangs.
  const soft = setTimeout(() => {
    deadlinePassed = true;
    console.error(`deadline of ${options.deadlineMs / 60_000} min passed: stopping`);
  }, options.deadlineMs);
  const hard = setTimeout(() => {
    console.error('wind-down did not finish within 60 s of the deadline: exiting');
    process.exit(2);
  }, options.deadlineMs + 60_000);
  hard.unref();

  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    env: {},
    simulatorLatencyMs: options.latencyMs,
    // The sweep would rescue a stuck check after its lease; the run must show it stuck instead.
    sweepIntervalMs: 0,
  });
  const stopStack = (): void => {
    // Ctrl-C still removes s3rver's temporary directory.
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopStack);
  try {
    const provider = stack.deps.providers.get(options.provider);
    if (!provider || !stack.simulators[options.provider])
      throw new Error(`provider ${options.provider} has no simulator in the local stack`);
    const parts = provider.profile.defaultParts;
    const s3 = createAwsClients({
      region: 'us-east-1',
      credentials: LOCAL_S3_CREDENTIALS,
      endpoints: { s3: stack.endpoints.s3 },
    }).s3;
    console.log(
      `load: ${options.checks} checks, ${options.concurrency} in flight, provider ${options.provider} (${parts.join('+')}), simulator think time ${options.latencyMs} ms, API ${stack.apiUrl}`,
    );

    // Samples of what the run holds on disk (media objects) and in memory, to show both stay bounded.
    let peakObjects = 0;
    let lastObjects = 0;
    let peakRssBytes = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
        lastObjects = await countObjects(stack, s3).catch(() => lastObjects);
        peakObjects = Math.max(peakObjects, lastObjects);
        await sleep(1_000);
      }
    })();
    // Every 10 s: progress, and RSS and stored objects over time (flat = bounded).
    const timeline: { seconds: number; ended: number; rssMiB: number; mediaObjects: number }[] = [];

    const runs: CheckRun[] = [];
    let finished = 0;
    const started = performance.now();
    const progress = setInterval(() => {
      const point = {
        seconds: Math.round((performance.now() - started) / 1000),
        ended: finished,
        rssMiB: Math.round(process.memoryUsage.rss() / 1024 / 1024),
        mediaObjects: lastObjects,
      };
      timeline.push(point);
      console.log(
        `  … ${point.ended}/${options.checks} ended at ${point.seconds} s; RSS ${point.rssMiB} MiB, media objects stored ${point.mediaObjects}`,
      );
    }, 10_000);
    await pool(
      options.checks,
      options.concurrency,
      async (index) => {
        const run: CheckRun = { index, polls: 0 };
        runs.push(run);
        try {
          await runCheck(stack, options, parts, run, stopping);
        } catch (error) {
          run.error = errorText(error);
        }
        finished += 1;
      },
      stopping,
    );
    const wallMs = performance.now() - started;
    clearInterval(progress);
    // Deliveries still running (there should be none: every check was seen ending).
    await withinDeadline(stack.idle(), deadlineAt - Date.now());
    sampling = false;
    await sampler;

    const verification = await verify(stack, options, runs, s3);
    const ended = runs.filter((run) => run.observedMs !== undefined);
    const observed = summarise(ended.map((run) => run.observedMs ?? 0));
    const create = summarise(runs.flatMap((run) => (run.createMs !== undefined ? [run.createMs] : [])));
    const polls = summarise(runs.map((run) => run.polls));
    const throughput = ended.length / (wallMs / 1000);
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;

    console.log('');
    console.log(
      table(
        ['figure', 'p50', 'p95', 'p99', 'max'],
        [
          [
            'end to end, as the poller saw it (create sent → terminal poll)',
            ms(observed.p50),
            ms(observed.p95),
            ms(observed.p99),
            ms(observed.max),
          ],
          [
            'end to end, server clock (createdAt → completedAt)',
            ms(verification.serverE2e.p50),
            ms(verification.serverE2e.p95),
            ms(verification.serverE2e.p99),
            ms(verification.serverE2e.max),
          ],
          ['POST /v1/checks under load', ms(create.p50), ms(create.p95), ms(create.p99), ms(create.max)],
          ['polls per check', String(polls.p50), String(polls.p95), String(polls.p99), String(polls.max)],
        ],
      ),
    );
    console.log('');
    console.log(`throughput ${throughput.toFixed(1)} checks/s (${ended.length} ended in ${(wallMs / 1000).toFixed(1)} s)`);
    console.log(
      `decisions ${Object.entries(verification.decisions)
        .map(([key, count]) => `${key}: ${count}`)
        .join(', ')}`,
    );
    console.log(
      `peak RSS of this process ${maxRssMiB.toFixed(0)} MiB (stack + driver); peak media objects in the bucket ${peakObjects}, left ${verification.objectsLeft}`,
    );
    console.log('');
    console.log(
      table(
        ['invariant', 'expected', 'actual', ''],
        verification.invariants.map((check) => [check.name, check.expected, check.actual, check.ok ? 'PASS' : 'FAIL']),
      ),
    );
    if (verification.problems.length) {
      console.log(`\nfirst problems (${verification.problems.length} in all):`);
      for (const problem of verification.problems.slice(0, 10)) console.log(`  ${problem}`);
    }
    const ok = verification.invariants.every((check) => check.ok) && !deadlinePassed;
    writeJson(OUTPUT, {
      at: new Date().toISOString(),
      options: { ...options, parts },
      node: process.version,
      ok,
      deadlinePassed,
      wallSeconds: round2(wallMs / 1000),
      throughputChecksPerSecond: round2(throughput),
      endToEndObservedMs: roundSummary(observed),
      endToEndServerMs: roundSummary(verification.serverE2e),
      createMs: roundSummary(create),
      pollsPerCheck: polls,
      decisions: verification.decisions,
      peakRssMiB: round2(maxRssMiB),
      peakSampledRssMiB: round2(peakRssBytes / 1024 / 1024),
      peakMediaObjects: peakObjects,
      timeline,
      invariants: verification.invariants,
      problems: verification.problems.slice(0, 100),
    });
    console.log(`\n${ok ? 'all invariants hold' : 'INVARIANTS FAILED'}; wrote ${OUTPUT}`);
    if (!ok) process.exitCode = 1;
    s3.destroy();
  } finally {
    clearTimeout(soft);
    process.off('SIGINT', stopStack);
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(errorText(error));
  process.exitCode = 1;
});
