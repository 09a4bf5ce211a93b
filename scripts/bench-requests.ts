// AWS requests per check on the local stack, the figures the cost of a check is made of:
//
// - the critical path: sequential AWS requests from "last part stored" to "result stored"
// - requests per whole check (create → uploads → processing → the backend's result read), by service
// - handler wall time per function per check, and log bytes per check at INFO
//
// Every SDK request is recorded by a middleware on the real clients (scripts/support/request-recorder.ts).
// Checks run one after another with manual delivery, so every request between a check's creation
// and its result read belongs to it (a recorded key naming another check fails the run).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { S3EventRecord } from 'aws-lambda';
import { lambdaObservability, observedLog } from '../functions/common/observability';
import { startLocalStack, type LocalStack } from '../local/stack';
import type { PartName } from '../src/core/check';
import { createCheck, fixture, result, uploadOk, type CreatedCheck } from '../test/support/api-client';
import { criticalPathTo } from './support/critical-path';
import { RequestRecorder, type RecordedRequest } from './support/request-recorder';
import { median, round2, sleep } from './support/stats';
import { withIgnoredPayload } from '../src/providers/simulator-kit';

/**
 * Six before the replayed-media check, which adds one conditional PutItem (the claim of the video's
 * keyed hash) that must answer before any provider request; DUPLICATE_MEDIA_CHECK=off measures 6.
 */
export const CRITICAL_PATH_TARGET = 7;

const CHECKS = 30;
const WARMUP = 3;
const PARTS: readonly { readonly part: PartName; readonly file: string; readonly type: string }[] = [
  { part: 'video', file: 'face_moving.mp4', type: 'video/mp4' },
  { part: 'reference', file: 'id_astronaut_1024.jpg', type: 'image/jpeg' },
];
/** Terminal statuses the processor writes (design.md). */
const RESULT_STATUSES = ['COMPLETED', 'FAILED'] as const;

/** S3 request classes as billed: PUT/COPY/POST/LIST, GET/HEAD (and the like), DELETE (free). */
export function s3Class(operation: string): 'put' | 'get' | 'delete' {
  if (/^Delete/.test(operation)) return 'delete';
  if (/^(Put|Copy|List|Create|Upload|Complete|Post|Restore)/.test(operation)) return 'put';
  return 'get';
}

const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

export interface RequestsPerCheck {
  readonly dynamodbReads: number;
  readonly dynamodbWrites: number;
  /** Of the writes above, those to the audit table. */
  readonly dynamodbAuditWrites: number;
  /** Capacity units DynamoDB reported (item sizes included): reads in RRU, writes in WRU. */
  readonly dynamodbRru: number;
  readonly dynamodbWru: number;
  readonly dynamodbAuditWru: number;
  /** SDK requests of the PUT/COPY/POST/LIST class, plus the client's presigned POST uploads. */
  readonly s3PutClass: number;
  readonly s3PresignedPostUploads: number;
  readonly s3GetClass: number;
  readonly s3Delete: number;
  /** S3 → SQS → Lambda: SendMessage by S3, ReceiveMessage by the poller, DeleteMessage after success, per message. */
  readonly sqs: number;
  readonly sqsMessages: number;
  /** Measured with the cache off (the local stack); the deployed cache (secretCacheSeconds) makes it at most this. */
  readonly secretsManager: number;
  readonly apiGatewayRequests: number;
  readonly eventBridgePutEvents: number;
  readonly lambdaInvocations: Readonly<Record<string, number>>;
}

export interface CheckSample {
  readonly checkId: string;
  readonly status: string;
  readonly requests: RequestsPerCheck;
  readonly criticalPath: readonly string[];
  /** Wall time of each handler invocation, per function. */
  readonly handlerMs: Readonly<Record<string, readonly number[]>>;
  readonly logBytes: number;
  readonly logLines: number;
  /** Bytes uploaded for the check, and from the first upload to the result write (how long media lives at most). */
  readonly mediaBytes: number;
  readonly mediaSeconds: number;
}

export interface RequestBenchResult {
  readonly method: string;
  readonly checks: number;
  readonly criticalPath: {
    readonly median: number;
    readonly max: number;
    readonly target: number;
    readonly typical: readonly string[];
  };
  /** Median over the checks of each count. */
  readonly requestsPerCheck: RequestsPerCheck;
  /** Median handler wall time per invocation, and invocations per check, per function. */
  readonly handlers: Readonly<
    Record<
      string,
      {
        readonly medianMs: number;
        readonly invocationsPerCheck: number;
        /** Median over the checks of Σ ceil(ms) of the function's invocations: what Lambda bills per check. */
        readonly billedMsPerCheck: number;
      }
    >
  >;
  readonly logBytesPerCheck: number;
  readonly logLinesPerCheck: number;
  readonly mediaBytesPerCheck: number;
  readonly mediaSecondsPerCheck: number;
  readonly samples: readonly Omit<CheckSample, 'handlerMs'>[];
}

const label = (request: RecordedRequest): string => `${request.service}.${request.operation}`;

export function countRequests(
  requests: readonly RecordedRequest[],
  tables: { readonly audit: string },
  extra: {
    readonly uploads: number;
    readonly messages: number;
    readonly apiRequests: number;
    readonly lambda: Record<string, number>;
  },
): RequestsPerCheck {
  const dynamo = requests.filter((request) => request.service === 'dynamodb');
  const reads = dynamo.filter((request) => DYNAMO_READS.has(request.operation));
  const writes = dynamo.filter((request) => !DYNAMO_READS.has(request.operation));
  const auditWrites = writes.filter((request) => request.table === tables.audit);
  const units = (list: readonly RecordedRequest[]): number =>
    round2(list.reduce((sum, request) => sum + (request.capacityUnits ?? 0), 0));
  const s3 = requests.filter((request) => request.service === 's3');
  const s3Count = (kind: ReturnType<typeof s3Class>): number =>
    s3.filter((request) => s3Class(request.operation) === kind).length;
  return {
    dynamodbReads: reads.length,
    dynamodbWrites: writes.length,
    dynamodbAuditWrites: auditWrites.length,
    dynamodbRru: units(reads),
    dynamodbWru: units(writes),
    dynamodbAuditWru: units(auditWrites),
    s3PutClass: s3Count('put') + extra.uploads,
    s3PresignedPostUploads: extra.uploads,
    s3GetClass: s3Count('get'),
    s3Delete: s3Count('delete'),
    sqs: 3 * extra.messages,
    sqsMessages: extra.messages,
    secretsManager: requests.filter((request) => request.service === 'secretsmanager').length,
    apiGatewayRequests: extra.apiRequests,
    eventBridgePutEvents: 0,
    lambdaInvocations: extra.lambda,
  };
}

/**
 * The write that stored the result: the first write to the checks table (by end time) whose
 * values carry the check's final status.
 */
export function resultWrite(
  requests: readonly RecordedRequest[],
  checksTable: string,
  status: string,
): RecordedRequest | undefined {
  return [...requests]
    .filter(
      (request) =>
        request.service === 'dynamodb' &&
        !DYNAMO_READS.has(request.operation) &&
        request.ok &&
        // A transaction names its tables inside its items.
        (request.table === checksTable || request.values.includes(`"${checksTable}"`)) &&
        request.values.includes(`"${status}"`),
    )
    .sort((a, b) => a.endMs - b.endMs)[0];
}

async function recordOf(stack: LocalStack, checkId: string, part: PartName): Promise<S3EventRecord> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = stack.createdRecords.find((candidate) => candidate.s3.object.key.includes(`${checkId}/${part}`));
    if (record) return record;
    if (Date.now() > deadline) throw new Error(`no S3 record for ${checkId}/${part}`);
    await sleep(2);
  }
}

/** Counts the bytes and lines the functions' Powertools logger writes, and keeps them off the terminal. */
function captureLogs(): { bytes: () => number; lines: () => number; restore: () => void } {
  let bytes = 0;
  let lines = 0;
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      lines += 1;
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return {
    bytes: () => bytes,
    lines: () => lines,
    restore: () => {
      streams.forEach((stream, index) => {
        const original = originals[index];
        if (original) stream.write = original;
      });
    },
  };
}

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

async function oneCheck(
  stack: LocalStack,
  recorder: RequestRecorder,
  logs: ReturnType<typeof captureLogs>,
): Promise<CheckSample> {
  const config = stack.deps.config;
  const startedAt = performance.now();
  const logBytesBefore = logs.bytes();
  const logLinesBefore = logs.lines();
  const handlerMs: Record<string, number[]> = { 'create-check': [], 'process-upload': [], 'get-check-result': [] };
  const create = await timed(() => createCheck(stack.apiUrl, { parts: PARTS.map((item) => item.part) }));
  handlerMs['create-check']?.push(create.ms);
  const check: CreatedCheck = create.value;
  let mediaBytes = 0;
  let firstUploadAt = Number.NaN;
  let lastDeliveryAt = Number.NaN;
  for (const item of PARTS) {
    const form = check.uploads[item.part];
    if (!form) throw new Error(`check ${check.checkId} has no upload form for ${item.part}`);
    // Each check's live part is new bytes, as a real capture is: the replayed-media check then
    // claims its index entry and lets the provider judge, which is the path measured here.
    const bytes = item.part === 'video' ? withIgnoredPayload(fixture(item.file), 'mp4', randomBytes(16)) : fixture(item.file);
    mediaBytes += bytes.byteLength;
    if (Number.isNaN(firstUploadAt)) firstUploadAt = performance.now();
    await uploadOk(form, bytes, item.type);
    const record = await recordOf(stack, check.checkId, item.part);
    lastDeliveryAt = performance.now();
    const delivery = await timed(() => stack.deliver(record));
    handlerMs['process-upload']?.push(delivery.ms);
  }
  const read = await timed(() => result(stack.apiUrl, check.checkId));
  handlerMs['get-check-result']?.push(read.ms);
  const endedAt = performance.now();
  const status = String(read.value.body.status);

  const requests = recorder.between(startedAt, endedAt);
  const strangers = requests.filter((request) => request.checkId !== undefined && request.checkId !== check.checkId);
  if (strangers.length) throw new Error(`requests for another check during ${check.checkId}: ${strangers.map(label).join(', ')}`);
  if (!RESULT_STATUSES.some((value) => value === status)) {
    throw new Error(`check ${check.checkId} ended ${status}: ${JSON.stringify(read.value.body)}`);
  }
  const written = resultWrite(
    requests.filter((request) => request.startMs >= lastDeliveryAt),
    config.checksTable,
    status,
  );
  if (!written) throw new Error(`no write of ${status} recorded for ${check.checkId}`);
  const path = criticalPathTo(requests, lastDeliveryAt, written);
  return {
    checkId: check.checkId,
    status,
    requests: countRequests(
      requests,
      { audit: config.auditTable },
      {
        uploads: PARTS.length,
        messages: handlerMs['process-upload']?.length ?? 0,
        apiRequests: 2,
        lambda: Object.fromEntries(Object.entries(handlerMs).map(([name, list]) => [name, list.length])),
      },
    ),
    criticalPath: path.map(label),
    handlerMs,
    logBytes: logs.bytes() - logBytesBefore,
    logLines: logs.lines() - logLinesBefore,
    mediaBytes,
    mediaSeconds: (written.endMs - firstUploadAt) / 1000,
  };
}

const medianOf = (values: readonly number[]): number => round2(median(values));

export async function runRequestBench(checks = CHECKS): Promise<RequestBenchResult> {
  const recorder = new RequestRecorder();
  const logs = captureLogs();
  const samples: CheckSample[] = [];
  try {
    const stack = await startLocalStack({
      port: 0,
      env: {},
      simulatorLatencyMs: 0,
      sweepIntervalMs: 0,
      autoDeliver: false,
      log: observedLog(lambdaObservability()),
      instrumentClients: recorder.instrument,
    });
    try {
      for (let i = 0; i < WARMUP; i++) await oneCheck(stack, recorder, logs);
      for (let i = 0; i < checks; i++) samples.push(await oneCheck(stack, recorder, logs));
    } finally {
      await stack.stop();
    }
  } finally {
    logs.restore();
  }
  const lengths = samples.map((sample) => sample.criticalPath.length);
  const medianLength = median(lengths);
  const typical = samples.find((sample) => sample.criticalPath.length === medianLength) ?? samples[0];
  const countNames = Object.keys(samples[0]?.requests ?? {}) as (keyof RequestsPerCheck)[];
  const requestsPerCheck = Object.fromEntries(
    countNames.map((name) => {
      if (name === 'lambdaInvocations') return [name, samples[0]?.requests.lambdaInvocations ?? {}];
      return [name, medianOf(samples.map((sample) => sample.requests[name] as number))];
    }),
  ) as unknown as RequestsPerCheck;
  const functions = Object.keys(samples[0]?.handlerMs ?? {});
  return {
    method: `${checks} checks one after another (after ${WARMUP} warm-up) on the local stack with the zero-latency FPT simulator and manual delivery: POST /v1/checks, presigned POST of ${PARTS.map((item) => item.part).join(' and ')}, each S3 record handed to the processor as its own SQS message, GET /v1/checks/{id}/result. Every SDK request is recorded by a middleware on the real clients (initialize step: serialisation, signing, retries and the answer). Critical path: the first checks-table write carrying the final status, after the longest chain of non-overlapping SDK requests that ran between the last delivery's start and that write's start (requests that overlap count once, requests beside the result write do not count; the provider HTTP call is not an SDK request). DynamoDB RRU/WRU: ConsumedCapacity as reported by dynalite (item size included). S3 PUT class includes the client's presigned POST uploads; SQS is modelled as SendMessage + ReceiveMessage + DeleteMessage per message (Lambda's idle long polling is a fixed cost, not per check). Secrets Manager is measured with the cache off (secretCacheSeconds 0 locally): an upper bound. Handler wall time: the API functions as the HTTP round trip through the local API server (an upper bound), the processor as the delivery of one message. Log bytes: what the functions' Powertools logger writes at INFO (Lambda's START/END/REPORT lines not included).`,
    checks,
    criticalPath: {
      median: medianLength,
      max: Math.max(...lengths),
      target: CRITICAL_PATH_TARGET,
      typical: typical?.criticalPath ?? [],
    },
    requestsPerCheck,
    handlers: Object.fromEntries(
      functions.map((name) => [
        name,
        {
          medianMs: medianOf(samples.flatMap((sample) => sample.handlerMs[name] ?? [])),
          invocationsPerCheck: medianOf(samples.map((sample) => sample.handlerMs[name]?.length ?? 0)),
          billedMsPerCheck: medianOf(
            samples.map((sample) => (sample.handlerMs[name] ?? []).reduce((sum, ms) => sum + Math.ceil(ms), 0)),
          ),
        },
      ]),
    ),
    logBytesPerCheck: medianOf(samples.map((sample) => sample.logBytes)),
    logLinesPerCheck: medianOf(samples.map((sample) => sample.logLines)),
    mediaBytesPerCheck: medianOf(samples.map((sample) => sample.mediaBytes)),
    mediaSecondsPerCheck: medianOf(samples.map((sample) => sample.mediaSeconds)),
    samples: samples.map(({ handlerMs: _handlerMs, ...rest }) => rest),
  };
}

export function formatRequestBench(bench: RequestBenchResult): string {
  const counts = bench.requestsPerCheck;
  return [
    `AWS requests per check (median of ${bench.checks} checks, local stack):`,
    `  critical path, last part stored → result stored: median ${bench.criticalPath.median}, max ${bench.criticalPath.max} (target ≤ ${bench.criticalPath.target})`,
    `    ${bench.criticalPath.typical.join(' → ')}`,
    `  DynamoDB     ${counts.dynamodbReads} reads (${counts.dynamodbRru} RRU), ${counts.dynamodbWrites} writes (${counts.dynamodbWru} WRU), of which audit ${counts.dynamodbAuditWrites} writes (${counts.dynamodbAuditWru} WRU)`,
    `  S3           ${counts.s3PutClass} PUT/COPY/POST/LIST (${counts.s3PresignedPostUploads} presigned POST uploads), ${counts.s3GetClass} GET/HEAD, ${counts.s3Delete} DELETE (free)`,
    `  SQS          ${counts.sqs} (${counts.sqsMessages} messages × send, receive, delete)`,
    `  Secrets Mgr  ${counts.secretsManager} GetSecretValue (cache off locally; deployed: at most this)`,
    `  API Gateway  ${counts.apiGatewayRequests} HTTP API requests (create, result read)`,
    `  EventBridge  ${counts.eventBridgePutEvents} PutEvents`,
    `  Lambda       ${Object.entries(bench.handlers)
      .map(
        ([name, figures]) =>
          `${name} ${figures.invocationsPerCheck}× (median ${figures.medianMs.toFixed(1)} ms, ${figures.billedMsPerCheck} ms per check)`,
      )
      .join(', ')}`,
    `  logs         ${bench.logBytesPerCheck} bytes in ${bench.logLinesPerCheck} lines at INFO; media ${bench.mediaBytesPerCheck} bytes for ${bench.mediaSecondsPerCheck} s`,
  ].join('\n');
}
