// Benchmark: how fast the gateway is, each figure next to its target (PASS/MISS).
//
//   npm run bench
//
// 1. pipeline overhead  last part stored → result stored, minus the provider's own time (zero-latency simulator)
// 2. POST /v1/checks    sequential latency and concurrent throughput on the local stack
// 3. function bundles   esbuild with the options of lib/gateway-function.ts: minified size, cold import time
// 4. processor memory   peak RSS of a processor-only child handling a 10 MiB video, per provider (the
//                       face pre-check on: the detector loads in the children whose check has an image part)
// 5. media check        bytes read and range requests per file (scripts/bench-media.ts)
// 6. AWS requests       critical path (sequential AWS requests, last part stored → result stored),
//                       requests per check by service, handler time and log bytes (scripts/bench-requests.ts);
//                       `npm run cost` prices them
// 7. face pre-check     detector cold start, pre-check time per picture and peak memory, in a fresh
//                       child (scripts/bench-face.ts), next to the provider call a refusal saves
//
// Everything runs on 127.0.0.1 (`env: {}`: only the built-in simulators). Writes bench-results/bench.json;
// exits non-zero when a target is missed. Takes about 1–2 minutes on 2 cores. `npm run cost` prices the figures.
import { randomBytes } from 'node:crypto';
import { execFile, execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { S3EventRecord } from 'aws-lambda';
import { build, type Metafile } from 'esbuild';
import { startLocalStack, type LocalStack } from '../local/stack';
import { LOCAL_S3_CREDENTIALS } from '../local/s3-gateway';
import type { PartName, ProviderId } from '../src/core/check';
import { parseGatewayConfig } from '../src/core/config';
import { bundlingCommands } from '../src/media/face/assets';
import { MB, type PartLimits } from '../src/media/profiles';
import { withIgnoredPayload } from '../src/providers/simulator-kit';
import { createCheck, fixture, postCheck, result, uploadOk, type CreatedCheck } from '../test/support/api-client';
import { padMdat } from '../test/unit/media/support/large-media';
import { fixtureNames, isImageName, loadFixture } from '../test/unit/media/support/media-fixtures';
import { FACE_OUTPUT, formatFaceBench, type FaceBenchResult } from './bench-face';
import { formatMediaBench, runMediaBench, type MediaBenchResult } from './bench-media';
import { formatRequestBench, runRequestBench } from './bench-requests';
import type { ProcessorChildInput, ProcessorChildReport } from './support/processor-child';
import { sqsEventFor } from './support/sqs';
import { errorText, median, round2, roundSummary, sleep, summarise, table, writeJson, type Summary } from './support/stats';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = 'bench-results/bench.json';

const TARGETS = {
  overheadP50Ms: 30,
  overheadP99Ms: 100,
  createP50Ms: 20,
  createPerSecond: 200,
  apiBundleKB: 250,
  coldInitMs: 100,
  processorMaxRssMiB: 256,
} as const;
const API_FUNCTIONS = new Set(['create-check', 'get-check', 'get-check-result', 'erase-check']);

const OVERHEAD_CHECKS = 200;
const OVERHEAD_WARMUP = 10;
const CREATE_WARMUP = 50;
const CREATE_SEQUENTIAL = 500;
const CREATE_CONCURRENT = 2000;
const CREATE_CONCURRENCY = 20;
const COLD_INIT_RUNS = 5;
const MEMORY_VIDEO_BYTES = 10 * MB;

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

interface Row {
  readonly section: string;
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly ok?: boolean;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const pass = (ok: boolean | undefined): string => (ok === undefined ? '' : ok ? 'PASS' : 'MISS');

// ---------------------------------------------------------------------------------------------
// 1. Pipeline overhead

interface OverheadSample {
  readonly checkId: string;
  /** completedAt − eventTime(last part) − providerMs: the brief's figure. */
  readonly overheadMs: number;
  /** completedAt − eventTime(last part) − the provider HTTP exchange alone (audit latencyMs). */
  readonly overheadStrictMs: number;
  readonly stages: Readonly<Record<string, number>>;
}

async function recordsOf(stack: LocalStack, checkId: string, count: number): Promise<S3EventRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = stack.createdRecords.filter((record) => record.s3.object.key.includes(checkId));
    if (records.length >= count) return records;
    if (Date.now() > deadline) throw new Error(`expected ${count} S3 records for ${checkId}, saw ${records.length}`);
    await sleep(2);
  }
}

async function overheadOf(stack: LocalStack): Promise<OverheadSample> {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  // New video bytes per check, as a real capture has: the replayed-media check passes it on.
  await uploadOk(formOf(check, 'video'), withIgnoredPayload(VIDEO, 'mp4', randomBytes(16)), 'video/mp4');
  await uploadOk(formOf(check, 'reference'), ID_PHOTO, 'image/jpeg');
  const records = await recordsOf(stack, check.checkId, 2);
  // Both deliveries have started by now (the stack starts them as it records them); wait for them.
  await stack.idle();
  const read = await result(stack.apiUrl, check.checkId);
  const timings = read.body.timings as { completedAt?: string; processingStartedAt?: string; providerMs?: number } | undefined;
  if (read.body.status !== 'COMPLETED' || !timings?.completedAt || timings.providerMs === undefined) {
    throw new Error(`check ${check.checkId} did not complete with timings: ${JSON.stringify(read.body)}`);
  }
  const lastStored = Math.max(...records.map((record) => Date.parse(record.eventTime)));
  const completed = Date.parse(timings.completedAt);
  const audit = await stack.deps.audit.list(check.checkId);
  const at = (type: string): number => Date.parse(audit.find((entry) => entry.type === type)?.at ?? '');
  const httpMs = audit
    .filter((entry) => entry.type === 'PROVIDER_RESPONSE')
    .reduce((sum, entry) => sum + (typeof entry.detail.latencyMs === 'number' ? entry.detail.latencyMs : 0), 0);
  // Audit `at` is stamped when an append starts, so each stage below ends just before a write.
  const partReceived = Math.max(...audit.filter((entry) => entry.type === 'PART_RECEIVED').map((entry) => Date.parse(entry.at)));
  const processing = at('PROCESSING_STARTED');
  const mediaChecked = at('MEDIA_CHECKED');
  const request = at('PROVIDER_REQUEST');
  const answered = at('PROVIDER_ANSWER_RECORDED');
  return {
    checkId: check.checkId,
    overheadMs: completed - lastStored - timings.providerMs,
    overheadStrictMs: completed - lastStored - httpMs,
    stages: {
      'S3 event → PART_RECEIVED (delivery, get, HEAD, recordPart)': partReceived - lastStored,
      '→ PROCESSING_STARTED (audit write, startProcessing)': processing - partReceived,
      '→ MEDIA_CHECKED (audit write, 2 HEADs ∥, ranged GETs, inspect)': mediaChecked - processing,
      '→ PROVIDER_REQUEST (audit write, secret, 2 GETs ∥, sha256, build)': request - mediaChecked,
      '→ PROVIDER_ANSWER_RECORDED (providerMs, recordProviderAnswer)': answered - request,
      '   of which providerMs (2 audit writes + HTTP)': timings.providerMs,
      '   of which the HTTP exchange (audit latencyMs)': httpMs,
      '→ completedAt (audit write)': completed - answered,
    },
  };
}

function formOf(check: CreatedCheck, part: PartName): CreatedCheck['uploads'][string] {
  const form = check.uploads[part];
  if (!form) throw new Error(`check ${check.checkId} has no upload form for ${part}`);
  return form;
}

interface OverheadResult {
  readonly overheadMs: Summary;
  readonly overheadStrictMs: Summary;
  readonly stageMedianMs: Record<string, number>;
  /** One SDK round trip to each local stand-in, through the wired ports: the unit the overhead is made of. */
  readonly roundTripMedianMs: Record<string, number>;
}

/** Median latency of single port calls against the stand-ins (idle stack). */
async function roundTrips(stack: LocalStack, checkId: string): Promise<Record<string, number>> {
  const timed = async (call: () => Promise<unknown>): Promise<number> => {
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await call();
      samples.push(performance.now() - started);
    }
    return round2(median(samples));
  };
  const secretId = stack.deps.providers.get('fpt')?.config.secretId ?? '';
  return {
    'DynamoDB GetItem (checks.get)': await timed(() => stack.deps.checks.get(checkId)),
    'DynamoDB Query (audit.list)': await timed(() => stack.deps.audit.list(checkId)),
    'S3 HeadObject (media.head, missing key)': await timed(() => stack.deps.media.head(`checks/${checkId}/video`)),
    'Secrets Manager GetSecretValue (no cache locally)': await timed(() => stack.deps.secrets.getJson(secretId)),
  };
}

async function benchOverhead(stack: LocalStack): Promise<OverheadResult> {
  for (let i = 0; i < OVERHEAD_WARMUP; i++) await overheadOf(stack);
  const samples: OverheadSample[] = [];
  let lastCheckId = '';
  for (let i = 0; i < OVERHEAD_CHECKS; i++) {
    const sample = await overheadOf(stack);
    samples.push(sample);
    lastCheckId = sample.checkId;
  }
  const stageNames = Object.keys(samples[0]?.stages ?? {});
  return {
    overheadMs: summarise(samples.map((sample) => sample.overheadMs)),
    overheadStrictMs: summarise(samples.map((sample) => sample.overheadStrictMs)),
    stageMedianMs: Object.fromEntries(
      stageNames.map((name) => [name, median(samples.map((sample) => sample.stages[name] ?? Number.NaN))]),
    ),
    roundTripMedianMs: await roundTrips(stack, lastCheckId),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. POST /v1/checks

interface CreateResult {
  readonly sequentialMs: Summary;
  readonly concurrentMs: Summary;
  readonly perSecond: number;
  readonly errors: number;
}

async function timedCreate(stack: LocalStack): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const response = await postCheck(stack.apiUrl, { parts: ['video', 'reference'] });
  return { ms: performance.now() - started, ok: response.status === 201 };
}

async function benchCreate(stack: LocalStack): Promise<CreateResult> {
  let errors = 0;
  for (let i = 0; i < CREATE_WARMUP; i++) await timedCreate(stack);
  const sequential: number[] = [];
  for (let i = 0; i < CREATE_SEQUENTIAL; i++) {
    const sample = await timedCreate(stack);
    if (!sample.ok) errors += 1;
    sequential.push(sample.ms);
  }
  const concurrent: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < CREATE_CONCURRENT) {
        next += 1;
        const sample = await timedCreate(stack);
        if (!sample.ok) errors += 1;
        concurrent.push(sample.ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    sequentialMs: summarise(sequential),
    concurrentMs: summarise(concurrent),
    perSecond: CREATE_CONCURRENT / seconds,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Function bundles

interface BundlingOptions {
  readonly format: 'esm' | 'cjs';
  readonly target: string;
  readonly mainFields: string[];
  readonly banner: string;
  readonly minify: boolean;
  readonly keepNames: boolean;
  readonly sourcemap: boolean;
  readonly sourcesContent: boolean;
  readonly external: string[];
}

/**
 * The bundling options, read from lib/gateway-function.ts itself rather than restated, so the
 * figures follow the deployed build; a shape this cannot read fails loudly instead of drifting.
 * (Importing the construct would pull in all of aws-cdk-lib, seconds of load for six literals.)
 */
function deployedBundlingOptions(): BundlingOptions {
  const source = readFileSync(join(ROOT, 'lib/gateway-function.ts'), 'utf8');
  const match = (pattern: RegExp, what: string): string => {
    const found = pattern.exec(source)?.[1];
    if (found === undefined)
      throw new Error(`lib/gateway-function.ts: cannot read the bundling option ${what}; update scripts/bench.ts`);
    return found;
  };
  const strings = (list: string): string[] => [...list.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '');
  const bannerLiteral = match(/banner:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/, 'banner');
  const sourceMapMode = match(/sourceMapMode:\s*SourceMapMode\.(\w+)/, 'sourceMapMode');
  if (sourceMapMode !== 'DEFAULT') throw new Error(`sourceMapMode ${sourceMapMode} is not mirrored by scripts/bench.ts`);
  return {
    format: match(/format:\s*OutputFormat\.(ESM|CJS)/, 'format') === 'ESM' ? 'esm' : 'cjs',
    target: match(/target:\s*'([^']+)'/, 'target'),
    mainFields: strings(match(/mainFields:\s*\[([^\]]*)\]/, 'mainFields')),
    banner: bannerLiteral.slice(1, -1).replace(/\\(.)/g, '$1'),
    minify: match(/minify:\s*(true|false)/, 'minify') === 'true',
    keepNames: match(/keepNames:\s*(true|false)/, 'keepNames') === 'true',
    sourcemap: match(/sourceMap:\s*(true|false)/, 'sourceMap') === 'true',
    sourcesContent: match(/sourcesContent:\s*(true|false)/, 'sourcesContent') === 'true',
    external: strings(match(/externalModules:\s*\[([^\]]*)\]/, 'externalModules')),
  };
}

interface BundleResult {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Largest contributors to the output, by package (or source folder). */
  readonly topInputs: readonly { readonly module: string; readonly bytes: number }[];
  /** Median of `await import(bundle)` in fresh processes, as deployed (NODE_OPTIONS=--enable-source-maps). */
  readonly initMs: number;
  readonly initRunsMs: readonly number[];
  /** The same without source-map support, to show what --enable-source-maps costs. */
  readonly initNoSourceMapsMs: number;
}

function moduleOf(input: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (inModules?.[1]) return inModules[1];
  return input.split('/').slice(0, 2).join('/');
}

function topInputs(metafile: Metafile, outfile: string): BundleResult['topInputs'] {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(ROOT, path) === outfile)?.[1];
  const byModule = new Map<string, number>();
  for (const [input, info] of Object.entries(output?.inputs ?? {})) {
    byModule.set(moduleOf(input), (byModule.get(moduleOf(input)) ?? 0) + info.bytesInOutput);
  }
  return [...byModule.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([module, bytes]) => ({ module, bytes }));
}

/** A configuration every function accepts at cold start (the sweep also needs its queue URL). */
function coldStartConfig(): string {
  const config = {
    checksTable: 'checks',
    auditTable: 'audit',
    mediaBucket: 'media',
    defaultProvider: 'fpt',
    providers: {
      fpt: { secretId: 'bench/fpt' },
      senseid: { secretId: 'bench/senseid' },
      verihubs: { secretId: 'bench/verihubs' },
    },
    resumeQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-uploads',
  };
  parseGatewayConfig(config);
  return JSON.stringify(config);
}

// Times only the import (module evaluation, SDK client construction, config parsing), as Lambda's
// Init Duration would without the runtime's own bootstrap.
const IMPORT_TIMER = `
const started = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
console.log(JSON.stringify({ ms: performance.now() - started }));
`;

// No credentials are resolved at import, but dummy ones keep any lookup from leaving the machine.
function lambdaLikeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'liveness-gateway',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...extra,
  };
}

const execFileAsync = promisify(execFile);

async function importMs(file: string, sourceMaps: boolean): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', IMPORT_TIMER], {
    cwd: tmpdir(),
    env: lambdaLikeEnv({
      GATEWAY_CONFIG: coldStartConfig(),
      BENCH_BUNDLE_URL: pathToFileURL(file).href,
      ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    }),
    timeout: 30_000,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const parsed: unknown = JSON.parse(last);
  if (typeof parsed !== 'object' || parsed === null || !('ms' in parsed) || typeof parsed.ms !== 'number')
    throw new Error(`unexpected output: ${last}`);
  return parsed.ms;
}

/** Bundles every function (or only `onlyName`, untimed, when the memory section needs the processor). */
async function benchBundles(outDir: string, onlyName?: string): Promise<{ options: BundlingOptions; bundles: BundleResult[] }> {
  const options = deployedBundlingOptions();
  const names = readdirSync(join(ROOT, 'functions')).filter((name) => {
    if (onlyName !== undefined && name !== onlyName) return false;
    try {
      return statSync(join(ROOT, 'functions', name, 'index.ts')).isFile();
    } catch {
      return false;
    }
  });
  const bundles: BundleResult[] = [];
  for (const name of names.sort()) {
    // CDK names the ESM output index.mjs; the bench keeps one folder per function the same way.
    const outfile = join(outDir, name, options.format === 'esm' ? 'index.mjs' : 'index.js');
    const built = await build({
      entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      outfile,
      platform: 'node',
      target: options.target,
      format: options.format,
      mainFields: options.mainFields,
      banner: { js: options.banner },
      minify: options.minify,
      keepNames: options.keepNames,
      sourcemap: options.sourcemap,
      sourcesContent: options.sourcesContent,
      external: options.external,
      metafile: true,
      logLevel: 'error',
    });
    // As lib/constructs/upload-processor.ts does: the face detector's files beside the processor bundle.
    if (name === 'process-upload') for (const command of bundlingCommands(ROOT, join(outDir, name))) execSync(command);
    const withMaps: number[] = [];
    const withoutMaps: number[] = [];
    for (let run = 0; onlyName === undefined && run < COLD_INIT_RUNS; run++) {
      withMaps.push(await importMs(outfile, true));
      withoutMaps.push(await importMs(outfile, false));
    }
    bundles.push({
      name,
      file: outfile,
      bytes: statSync(outfile).size,
      mapBytes: options.sourcemap ? statSync(`${outfile}.map`).size : 0,
      topInputs: topInputs(built.metafile, outfile),
      initMs: median(withMaps),
      initRunsMs: withMaps.map(round2),
      initNoSourceMapsMs: median(withoutMaps),
    });
  }
  return { options, bundles };
}

// ---------------------------------------------------------------------------------------------
// 4. Processor peak memory

interface MemoryResult {
  readonly provider: ProviderId;
  readonly media: string;
  /** tsx child wiring the processor from source (the brief's method). */
  readonly source: ProcessorChildReport & { readonly outcome: string };
  /** Plain node importing the deployed bundle, configured through GATEWAY_CONFIG as in Lambda. */
  readonly bundle: ProcessorChildReport & { readonly outcome: string };
}

interface PartMedia {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

const contentTypeOf = (name: string): string =>
  /\.png$/i.test(name) ? 'image/png' : /\.jpe?g$/i.test(name) ? 'image/jpeg' : 'video/mp4';

/** The heaviest media a part takes: a 10 MiB mp4 for a video, the largest allowed fixture image otherwise. */
function heaviestMedia(part: PartName, limits: PartLimits): PartMedia {
  if (limits.kind === 'video') {
    const size = Math.min(MEMORY_VIDEO_BYTES, limits.maxBytes);
    return {
      label: `face_moving.mp4 padded to ${size} B`,
      bytes: padMdat(loadFixture('face_moving.mp4'), size),
      contentType: 'video/mp4',
    };
  }
  if (part === 'reference') return { label: 'id_astronaut_1024.jpg', bytes: ID_PHOTO, contentType: 'image/jpeg' };
  const candidates = fixtureNames()
    .filter(
      (name) => isImageName(name) && limits.formats.some((format) => (format === 'jpeg' ? /\.jpe?g$/i : /\.png$/i).test(name)),
    )
    .map((name) => ({ name, bytes: loadFixture(name) }))
    .filter((candidate) => candidate.bytes.length <= limits.maxBytes)
    .sort((a, b) => b.bytes.length - a.bytes.length);
  const largest = candidates[0];
  if (!largest) throw new Error(`no fixture image fits ${part}`);
  return {
    label: `${largest.name} (largest allowed fixture image)`,
    bytes: largest.bytes,
    contentType: contentTypeOf(largest.name),
  };
}

/** Creates and uploads a check, hands every record but the last to the in-process processor, returns the last. */
async function stagedCheck(
  stack: LocalStack,
  provider: ProviderId,
  media: ReadonlyMap<PartName, PartMedia>,
): Promise<{ checkId: string; last: S3EventRecord }> {
  const parts = [...media.keys()];
  const check = await createCheck(stack.apiUrl, { provider, parts });
  for (const [part, item] of media) await uploadOk(formOf(check, part), item.bytes, item.contentType);
  const records = await recordsOf(stack, check.checkId, parts.length);
  const last = records.at(-1);
  if (!last) throw new Error('no record');
  for (const record of records.slice(0, -1)) await stack.deliver(record);
  return { checkId: check.checkId, last };
}

/**
 * Starts `node <args>` with an IPC channel through /bin/sh, which forks it (the trailing `exit`
 * keeps the shell from exec-ing it). On Linux a process's maxRSS starts at the RSS of the process
 * that forked it — the copy's peak is carried across exec — so a child forked straight from this
 * process (stack, media, esbuild: ~300 MB) would report ~300 MB before doing anything.
 */
function spawnMeasured(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function childReport(child: ChildProcess, what: string): Promise<ProcessorChildReport> {
  return new Promise((resolvePromise, reject) => {
    let report: ProcessorChildReport | undefined;
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on('message', (message) => {
      report = message as ProcessorChildReport;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (report) resolvePromise(report);
      else reject(new Error(`${what} exited ${code ?? 'by signal'} without a report`));
    });
  });
}

const BUNDLE_HANDLER = `
import { readFileSync } from 'node:fs';
const vmHwmKiB = () => Number(/VmHWM:\\s+(\\d+)\\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
const baselineMaxRssKiB = process.resourceUsage().maxRSS;
const event = JSON.parse(process.env.BENCH_SQS_EVENT);
const deadline = Date.now() + 120000;
const context = { functionName: 'process-upload', awsRequestId: 'bench', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => deadline - Date.now() };
const started = performance.now();
const response = await handler(event, context);
const report = { baselineMaxRssKiB, maxRssKiB: process.resourceUsage().maxRSS, vmHwmKiB: vmHwmKiB(), handlerMs: performance.now() - started, batchItemFailures: response.batchItemFailures.length };
process.send(report, () => process.disconnect());
`;

async function outcomeOf(stack: LocalStack, checkId: string): Promise<string> {
  const read = await result(stack.apiUrl, checkId);
  return [read.body.status, read.body.decision]
    .filter((item) => item !== undefined)
    .map(String)
    .join(' ');
}

async function benchMemory(stack: LocalStack, processorBundle: string | undefined): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const provider of stack.deps.providers.enabled) {
    const enabled = stack.deps.providers.get(provider);
    if (!enabled) continue;
    const media = new Map<PartName, PartMedia>();
    for (const part of enabled.profile.defaultParts) {
      const limits = enabled.profile.limits[part];
      if (limits) media.set(part, heaviestMedia(part, limits));
    }

    const fromSource = await stagedCheck(stack, provider, media);
    const input: ProcessorChildInput = { config: stack.deps.config, endpoints: stack.endpoints, record: fromSource.last };
    const sourceChild = spawnMeasured(['--import', 'tsx', join(ROOT, 'scripts/support/processor-child.ts')], ROOT, {
      ...lambdaLikeEnv({}),
      BENCH_PROCESSOR_INPUT: JSON.stringify(input),
    });
    const source = await childReport(sourceChild, `processor child (${provider})`);

    let bundle: MemoryResult['bundle'] = {
      baselineMaxRssKiB: Number.NaN,
      maxRssKiB: Number.NaN,
      vmHwmKiB: Number.NaN,
      handlerMs: Number.NaN,
      batchItemFailures: Number.NaN,
      outcome: 'not run',
    };
    if (processorBundle) {
      const fromBundle = await stagedCheck(stack, provider, media);
      const bundleChild = spawnMeasured(
        ['--input-type=module', '-e', BUNDLE_HANDLER],
        tmpdir(),
        lambdaLikeEnv({
          GATEWAY_CONFIG: JSON.stringify(stack.deps.config),
          BENCH_BUNDLE_URL: pathToFileURL(processorBundle).href,
          BENCH_SQS_EVENT: JSON.stringify(sqsEventFor(fromBundle.last)),
          NODE_OPTIONS: '--enable-source-maps',
          AWS_REGION: fromBundle.last.awsRegion,
          AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
          AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.endpoints.secretsManager,
        }),
      );
      bundle = {
        ...(await childReport(bundleChild, `bundled processor (${provider})`)),
        outcome: await outcomeOf(stack, fromBundle.checkId),
      };
    }
    results.push({
      provider,
      media: [...media.entries()].map(([part, item]) => `${part}: ${item.label}`).join('; '),
      source: { ...source, outcome: await outcomeOf(stack, fromSource.checkId) },
      bundle,
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// 7. Face pre-check

/** runFaceBench in a fresh process forked by /bin/sh: its cold start is cold and its peak RSS its own. */
async function runFaceBenchChild(): Promise<FaceBenchResult> {
  rmSync(join(ROOT, FACE_OUTPUT), { force: true });
  const child = spawnMeasured(['--import', 'tsx', join(ROOT, 'scripts/bench-face.ts')], ROOT, lambdaLikeEnv({}));
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', resolvePromise);
  });
  // Exit 1 with a report: the peak passed the processor's memory (the row says so); no report: it failed.
  if (code !== 0 && !existsSync(join(ROOT, FACE_OUTPUT))) throw new Error(`scripts/bench-face.ts exited ${code ?? 'by signal'}`);
  return JSON.parse(readFileSync(join(ROOT, FACE_OUTPUT), 'utf8')) as FaceBenchResult;
}

const SECTIONS = ['pipeline', 'create', 'bundles', 'memory', 'media', 'requests', 'face'] as const;
type Section = (typeof SECTIONS)[number];

/** `--only pipeline,memory` runs a subset (for iterating); the default runs everything. */
function selectedSections(argv: readonly string[]): ReadonlySet<Section> {
  const { values } = parseArgs({ args: [...argv], options: { only: { type: 'string' } }, strict: true });
  if (values.only === undefined) return new Set(SECTIONS);
  const picked = values.only.split(',').map((name) => {
    const section = SECTIONS.find((candidate) => candidate === name.trim());
    if (!section) throw new Error(`--only takes ${SECTIONS.join(', ')}; got "${name}"`);
    return section;
  });
  return new Set(picked);
}

async function main(): Promise<void> {
  const sections = selectedSections(process.argv.slice(2));
  const benchStarted = performance.now();
  const rows: Row[] = [];
  const details: string[] = [];
  const outDir = mkdtempSync(join(tmpdir(), 'liveness-bench-'));
  // Other work on the machine moves every timing here; the load average says how busy it was.
  const loadAtStart = loadavg();
  const report: Record<string, unknown> = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverageAtStart: loadAtStart,
    sections: [...sections],
  };
  try {
    if (sections.has('pipeline') || sections.has('create')) {
      // One stack, zero-latency simulators, deliveries as they happen.
      const stack = await startLocalStack({
        port: 0,
        env: {},
        simulatorLatencyMs: 0,
        sweepIntervalMs: 0,
        config: { facePrecheck: process.env.FACE_PRECHECK !== 'off' },
      });
      try {
        if (sections.has('pipeline')) {
          console.log(`pipeline overhead (${OVERHEAD_CHECKS} checks, sequential) …`);
          const overhead = await benchOverhead(stack);
          rows.push(
            {
              section: 'pipeline',
              figure: 'overhead p50 (last part stored → result stored − providerMs)',
              value: ms(overhead.overheadMs.p50),
              target: `≤ ${TARGETS.overheadP50Ms} ms`,
              ok: overhead.overheadMs.p50 <= TARGETS.overheadP50Ms,
            },
            { section: 'pipeline', figure: 'overhead p95', value: ms(overhead.overheadMs.p95), target: 'info' },
            {
              section: 'pipeline',
              figure: 'overhead p99',
              value: ms(overhead.overheadMs.p99),
              target: `≤ ${TARGETS.overheadP99Ms} ms`,
              ok: overhead.overheadMs.p99 <= TARGETS.overheadP99Ms,
            },
            {
              section: 'pipeline',
              figure: 'overhead p50/p99 with the provider audit writes (− HTTP only)',
              value: `${ms(overhead.overheadStrictMs.p50)} / ${ms(overhead.overheadStrictMs.p99)}`,
              target: 'info',
            },
          );
          details.push(
            'pipeline overhead, median per stage (ms, audit timestamps, 1 ms resolution):',
            ...Object.entries(overhead.stageMedianMs).map(([stage, value]) => `  ${value.toFixed(0).padStart(5)}  ${stage}`),
            'one round trip through the wired ports to the stand-ins (median of 100, idle stack):',
            ...Object.entries(overhead.roundTripMedianMs).map(([call, value]) => `  ${value.toFixed(2).padStart(5)}  ${call}`),
            '',
          );
          report.pipelineOverhead = {
            method:
              'Sequential checks (video then reference upload) on the local stack with a zero-latency FPT simulator. overheadMs = check.completedAt − max(S3 eventTime of the parts) − timings.providerMs. All three come from this process clock at millisecond resolution (ISO timestamps and Date.now differences), so each sample carries ±2 ms of quantisation. completedAt is taken just before the final DynamoDB write. providerMs (call-provider) spans the PROVIDER_REQUEST and PROVIDER_RESPONSE audit writes as well as the HTTP exchange, so overheadStrictMs subtracts only the HTTP latency recorded in the audit.',
            checks: OVERHEAD_CHECKS,
            warmup: OVERHEAD_WARMUP,
            overheadMs: roundSummary(overhead.overheadMs),
            overheadStrictMs: roundSummary(overhead.overheadStrictMs),
            stageMedianMs: overhead.stageMedianMs,
            roundTripMedianMs: overhead.roundTripMedianMs,
          };
        }
        if (sections.has('create')) {
          console.log(
            `POST /v1/checks (${CREATE_SEQUENTIAL} sequential, ${CREATE_CONCURRENT} at ${CREATE_CONCURRENCY} in flight) …`,
          );
          const create = await benchCreate(stack);
          rows.push(
            {
              section: 'create',
              figure: `POST /v1/checks p50 (sequential, ${CREATE_SEQUENTIAL})`,
              value: ms(create.sequentialMs.p50),
              target: `≤ ${TARGETS.createP50Ms} ms`,
              ok: create.sequentialMs.p50 <= TARGETS.createP50Ms,
            },
            { section: 'create', figure: 'POST /v1/checks p99 (sequential)', value: ms(create.sequentialMs.p99), target: 'info' },
            {
              section: 'create',
              figure: `POST /v1/checks throughput (${CREATE_CONCURRENCY} in flight, ${CREATE_CONCURRENT})`,
              value: `${create.perSecond.toFixed(0)} /s`,
              target: `≥ ${TARGETS.createPerSecond} /s`,
              ok: create.perSecond >= TARGETS.createPerSecond,
            },
            {
              section: 'create',
              figure: `POST /v1/checks p50 / p99 at ${CREATE_CONCURRENCY} in flight`,
              value: `${ms(create.concurrentMs.p50)} / ${ms(create.concurrentMs.p99)}`,
              target: 'info',
            },
            {
              section: 'create',
              figure: 'POST /v1/checks errors',
              value: String(create.errors),
              target: '0',
              ok: create.errors === 0,
            },
          );
          report.createCheck = {
            sequentialMs: roundSummary(create.sequentialMs),
            concurrentMs: roundSummary(create.concurrentMs),
            perSecond: round2(create.perSecond),
            errors: create.errors,
          };
        }
      } finally {
        await stack.stop();
      }
    }

    let processorBundle: string | undefined;
    if (sections.has('bundles') || sections.has('memory')) {
      const timed = sections.has('bundles');
      console.log(
        timed ? 'function bundles (esbuild, lib/gateway-function.ts options) and cold import …' : 'bundling process-upload …',
      );
      const { options, bundles } = await benchBundles(outDir, timed ? undefined : 'process-upload');
      processorBundle = bundles.find((bundle) => bundle.name === 'process-upload')?.file;
      if (timed) {
        for (const bundle of bundles) {
          const api = API_FUNCTIONS.has(bundle.name);
          const kb = bundle.bytes / 1000;
          rows.push(
            {
              section: 'bundle',
              figure: `${bundle.name} minified size`,
              value: `${kb.toFixed(1)} KB`,
              target: api ? `≤ ${TARGETS.apiBundleKB} KB` : 'info',
              ...(api ? { ok: kb <= TARGETS.apiBundleKB } : {}),
            },
            {
              section: 'bundle',
              figure: `${bundle.name} cold import (median of ${COLD_INIT_RUNS})`,
              value: ms(bundle.initMs),
              target: `≤ ${TARGETS.coldInitMs} ms`,
              ok: bundle.initMs <= TARGETS.coldInitMs,
            },
          );
        }
        details.push(
          'bundle contents (largest inputs, KB in the minified output):',
          ...bundles.map(
            (bundle) =>
              `  ${bundle.name.padEnd(17)} ${bundle.topInputs.map((input) => `${input.module} ${(input.bytes / 1000).toFixed(0)}`).join(', ')}`,
          ),
          `cold import without --enable-source-maps: ${bundles.map((bundle) => `${bundle.name} ${bundle.initNoSourceMapsMs.toFixed(0)} ms`).join(', ')}`,
          '',
        );
        report.bundles = {
          method:
            'esbuild JS API with the options read from lib/gateway-function.ts (bundle, platform node, no externals). Size is the minified index.mjs (KB = 1000 bytes; the .map is separate). Cold import: a fresh `node` per run timing `await import(bundle)` with GATEWAY_CONFIG, AWS_REGION and NODE_OPTIONS=--enable-source-maps as deployed; initNoSourceMapsMs is the same without source maps.',
          options,
          functions: bundles.map((bundle) => ({
            ...bundle,
            file: undefined,
            initMs: round2(bundle.initMs),
            initNoSourceMapsMs: round2(bundle.initNoSourceMapsMs),
          })),
        };
      }
    }

    if (sections.has('memory')) {
      // Manual delivery, so the child process is the one that handles the last record.
      console.log('processor peak memory per provider (child processes) …');
      const memoryStack = await startLocalStack({
        port: 0,
        env: {},
        simulatorLatencyMs: 0,
        sweepIntervalMs: 0,
        autoDeliver: false,
        // FACE_PRECHECK=off measures the processor without the face model, for comparison.
        config: { facePrecheck: process.env.FACE_PRECHECK !== 'off' },
      });
      let memory: MemoryResult[];
      try {
        memory = await benchMemory(memoryStack, processorBundle);
      } finally {
        await memoryStack.stop();
      }
      for (const item of memory) {
        const mib = item.source.maxRssKiB / 1024;
        rows.push(
          {
            section: 'memory',
            figure: `processor ${item.provider} maxRSS (tsx child; ${item.source.outcome})`,
            value: `${mib.toFixed(0)} MiB`,
            target: `≤ ${TARGETS.processorMaxRssMiB} MiB`,
            ok: mib <= TARGETS.processorMaxRssMiB && item.source.batchItemFailures === 0,
          },
          {
            section: 'memory',
            figure: `processor ${item.provider} maxRSS (deployed bundle, plain node; ${item.bundle.outcome})`,
            value: `${(item.bundle.maxRssKiB / 1024).toFixed(0)} MiB`,
            target: 'info',
          },
        );
      }
      details.push(
        `face pre-check ${process.env.FACE_PRECHECK === 'off' ? 'OFF (FACE_PRECHECK=off)' : 'on'} in the memory children`,
      );
      const line = (label: string, figures: ProcessorChildReport): string =>
        `${label} ${(figures.baselineMaxRssKiB / 1024).toFixed(0)} → ${(figures.maxRssKiB / 1024).toFixed(0)} (VmHWM ${(figures.vmHwmKiB / 1024).toFixed(0)}), ${figures.handlerMs.toFixed(0)} ms`;
      details.push(
        'processor memory (MiB): maxRSS after wiring → at the end (VmHWM cross-check), handler time',
        ...memory.map(
          (item) =>
            `  ${item.provider.padEnd(9)} ${line('tsx', item.source)}; ${line('bundle', item.bundle)}\n            media: ${item.media}`,
        ),
        '',
      );
      report.processorMemory = {
        method:
          'The parent stack (autoDeliver off) creates a check per provider with its default parts, uploads the media, delivers all records but the last in-process, then a child handles the last SQS-wrapped S3 record once (media check, full reads, provider call, result). maxRssKiB = process.resourceUsage().maxRSS at the end; baselineMaxRssKiB = the same after imports and wiring; vmHwmKiB = /proc/self/status VmHWM. Children are forked by /bin/sh, not by the ~300 MB parent, whose RSS Linux would otherwise carry into their maxRSS. "source": node --import tsx wiring the processor from source against the parent endpoints (tsx adds ~40 MB of its own). "bundle": plain node importing the esbuild bundle of functions/process-upload with GATEWAY_CONFIG and AWS_ENDPOINT_URL_* as in Lambda.',
        results: memory.map((item) => ({
          ...item,
          source: {
            ...item.source,
            maxRssMiB: round2(item.source.maxRssKiB / 1024),
            baselineMaxRssMiB: round2(item.source.baselineMaxRssKiB / 1024),
            handlerMs: round2(item.source.handlerMs),
          },
          bundle: {
            ...item.bundle,
            maxRssMiB: round2(item.bundle.maxRssKiB / 1024),
            baselineMaxRssMiB: round2(item.bundle.baselineMaxRssKiB / 1024),
            handlerMs: round2(item.bundle.handlerMs),
          },
        })),
      };
    }

    if (sections.has('media')) {
      console.log('media check (runMediaBench) …');
      const media: MediaBenchResult = await runMediaBench();
      const slowest = Math.max(...media.rows.map((row) => row.medianMs));
      rows.push(
        {
          section: 'media',
          figure: `max bytes read per file (${media.rows.length} files)`,
          value: `${media.maxBytesRead} B`,
          target: `≤ ${media.budget.maxBytesRead} B`,
          ok: media.maxBytesRead <= media.budget.maxBytesRead,
        },
        {
          section: 'media',
          figure: 'max range requests per file',
          value: String(media.maxRequests),
          target: `≤ ${media.budget.maxRequests}`,
          ok: media.maxRequests <= media.budget.maxRequests,
        },
        { section: 'media', figure: `slowest file, median of ${media.runs} inspections`, value: ms(slowest), target: 'info' },
      );
      details.push(formatMediaBench(media), '');
      report.media = media;
    }

    if (sections.has('requests')) {
      console.log('AWS requests per check (recorded SDK requests) …');
      const requests = await runRequestBench();
      const path = requests.criticalPath;
      rows.push(
        {
          section: 'requests',
          figure: 'critical-path AWS requests (last part stored → result stored), median',
          value: String(path.median),
          target: `≤ ${path.target}`,
          ok: path.median <= path.target,
        },
        { section: 'requests', figure: 'critical-path AWS requests, max', value: String(path.max), target: 'info' },
        {
          section: 'requests',
          figure: 'AWS requests per check (DynamoDB + S3 + Secrets Manager SDK calls)',
          value: String(
            requests.requestsPerCheck.dynamodbReads +
              requests.requestsPerCheck.dynamodbWrites +
              requests.requestsPerCheck.s3PutClass -
              requests.requestsPerCheck.s3PresignedPostUploads +
              requests.requestsPerCheck.s3GetClass +
              requests.requestsPerCheck.s3Delete +
              requests.requestsPerCheck.secretsManager,
          ),
          target: 'info',
        },
      );
      details.push(formatRequestBench(requests), '');
      report.requests = requests;
    }

    if (sections.has('face')) {
      console.log('face pre-check (scripts/bench-face.ts in a fresh child: a cold detector) …');
      const face = await runFaceBenchChild();
      const fixtureRows = face.rows.filter((row) => row.source === 'fixture');
      const slowestFixture = Math.max(...fixtureRows.map((row) => row.precheckMs));
      rows.push(
        {
          section: 'face',
          figure: 'detector cold start (load BlazeFace + wasm backend)',
          value: ms(face.coldStartMs),
          target: 'info',
        },
        {
          section: 'face',
          figure: `pre-check per picture, median over ${fixtureRows.length} fixtures / slowest`,
          value: `${ms(face.medianFixturePrecheckMs)} / ${ms(slowestFixture)}`,
          target: 'info',
        },
        {
          section: 'face',
          figure: 'detector resident memory (RSS after load − before)',
          value: `${(face.rssAfterLoadMb - face.rssBeforeLoadMb).toFixed(0)} MB`,
          target: 'info',
        },
        {
          section: 'face',
          figure: 'peak RSS with the model: fixtures / + a 12 MP phone photo',
          value: `${face.peakRssFixturesMb.toFixed(0)} / ${face.peakRssMb.toFixed(0)} MB`,
          target: `≤ ${face.processorMemoryMb} MB (processor memorySize)`,
          ok: face.peakRssMb <= face.processorMemoryMb,
        },
        {
          section: 'face',
          figure: 'a refusal: the pre-check instead of a provider call',
          value: `${ms(face.medianFixturePrecheckMs)} vs 1 paid request`,
          target: 'info',
        },
      );
      details.push(formatFaceBench(face), '');
      report.face = face;
    }

    console.log('');
    console.log(details.join('\n'));
    console.log(
      table(
        ['section', 'figure', 'value', 'target', ''],
        rows.map((row) => [row.section, row.figure, row.value, row.target, pass(row.ok)]),
      ),
    );
    const misses = rows.filter((row) => row.ok === false);
    const seconds = (performance.now() - benchStarted) / 1000;
    report.rows = rows;
    report.targets = TARGETS;
    report.misses = misses.map((row) => row.figure);
    report.seconds = round2(seconds);
    // A partial run never overwrites the full report.
    const output = sections.size === SECTIONS.length ? OUTPUT : OUTPUT.replace('.json', `-${[...sections].join('-')}.json`);
    writeJson(output, report);
    console.log(
      `\n${misses.length ? `${misses.length} target(s) missed` : 'every target met'} in ${seconds.toFixed(0)} s (load average at start ${loadAtStart.map((value) => value.toFixed(2)).join(' ')} on ${cpus().length} cores); wrote ${output}`,
    );
    if (misses.length) process.exitCode = 1;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? errorText(error)) : errorText(error));
  process.exitCode = 1;
});
