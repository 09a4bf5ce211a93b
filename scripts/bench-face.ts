// Face pre-check benchmark: cold start to BlazeFace loaded, pre-check time per picture (every
// fixture image and a generated 12-megapixel phone photo), and peak memory against the
// processor's memory size. `npx tsx scripts/bench-face.ts` prints a table and writes
// bench-results/face.json; runFaceBench() is the reusable core (run it in a fresh process: the
// cold start is only cold once).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { toDetectorCanvas } from '../src/media/face/decode';
import { createFaceDetector, type FaceDetector } from '../src/media/face/face-detector';
import { precheckImage } from '../src/media/face/precheck';
import { FACE_PRECHECK_DEFAULTS, type FacePrecheckThresholds } from '../src/media/face/thresholds';
import { fixtureNames, isImageName, loadFixture } from '../test/unit/media/support/media-fixtures';
import { median, round2, table, writeJson } from './support/stats';

/** lib/liveness-gateway-stack.ts: ProcessUpload's memorySize unless the stack prop changes it. */
export const PROCESSOR_MEMORY_MB = 1024;
export const FACE_OUTPUT = 'bench-results/face.json';

const MB = 1024 * 1024;
const SELFIE = FACE_PRECHECK_DEFAULTS.fpt.selfie as FacePrecheckThresholds;

export interface FaceBenchRow {
  readonly file: string;
  readonly source: 'fixture' | 'generated';
  readonly bytes: number;
  readonly size: string;
  /** Decode, EXIF turn and shrink to the detector canvas: the pure-JS part. */
  readonly decodeMs: number;
  /** The whole pre-check (decode + detection + rules). */
  readonly precheckMs: number;
  readonly outcome: string;
}

export interface FaceBenchResult {
  readonly runs: number;
  readonly coldStartMs: number;
  readonly rssBeforeLoadMb: number;
  readonly rssAfterLoadMb: number;
  /** Peak after the fixtures (≤ 2 MP, what a webcam or the capture page sends). */
  readonly peakRssFixturesMb: number;
  /** Peak after the 12 MP phone photo too. */
  readonly peakRssMb: number;
  readonly processorMemoryMb: number;
  readonly medianFixturePrecheckMs: number;
  readonly rows: readonly FaceBenchRow[];
}

type BenchInput = Pick<FaceBenchRow, 'file' | 'source'> & { readonly bytes: Uint8Array };

const rssMb = (): number => round2(process.memoryUsage().rss / MB);
/** Peak resident set size of this process so far (what Lambda's memory limit is checked against). */
const peakRssMb = (): number => round2((process.resourceUsage().maxRSS * 1024) / MB);

/** A phone-sized photo (4000x3000, 12 MP): the portrait at 2400 px on a grey wall, JPEG quality 90. */
function makePhonePhoto(): Uint8Array {
  const portrait = jpeg.decode(loadFixture('id_astronaut_1024.jpg'), { useTArray: true });
  const width = 4000;
  const height = 3000;
  const data = new Uint8Array(width * height * 4).fill(140);
  const side = 2400;
  const left = 800;
  const top = 300;
  for (let y = 0; y < side; y += 1) {
    const sy = Math.floor((y * portrait.height) / side);
    for (let x = 0; x < side; x += 1) {
      const sx = Math.floor((x * portrait.width) / side);
      data.set(
        portrait.data.subarray((sy * portrait.width + sx) * 4, (sy * portrait.width + sx) * 4 + 4),
        ((top + y) * width + left + x) * 4,
      );
    }
  }
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return new Uint8Array(jpeg.encode({ width, height, data }, 90).data);
}

/**
 * Encoding 12 MP in jpeg-js costs more memory than decoding it: done in a child process so that
 * the peak RSS measured here is the pre-check's own.
 */
function phonePhoto(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'bench-face-'));
  try {
    const file = join(dir, 'phone.jpg');
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), WRITE_PHONE_PHOTO, file], {
      stdio: 'inherit',
    });
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const WRITE_PHONE_PHOTO = '--write-phone-photo';

async function benchOne(detector: FaceDetector, input: BenchInput, runs: number): Promise<FaceBenchRow> {
  const decodeTimes: number[] = [];
  const precheckTimes: number[] = [];
  let outcome = '';
  let size = '';
  for (let run = 0; run < runs; run += 1) {
    const t0 = performance.now();
    const canvas = await toDetectorCanvas(input.bytes);
    decodeTimes.push(performance.now() - t0);
    size = `${canvas.width}x${canvas.height}`;
    const t1 = performance.now();
    const result = await precheckImage(detector, 'selfie', {}, input.bytes, SELFIE);
    precheckTimes.push(performance.now() - t1);
    outcome = result.verdict === 'ok' ? `ok (${result.detail.faces} face)` : result.reason;
  }
  return {
    file: input.file,
    source: input.source,
    bytes: input.bytes.length,
    size,
    decodeMs: round2(median(decodeTimes)),
    precheckMs: round2(median(precheckTimes)),
    outcome,
  };
}

export async function runFaceBench(options: { readonly runs?: number } = {}): Promise<FaceBenchResult> {
  const runs = options.runs ?? 5;
  const rssBeforeLoadMb = rssMb();
  const started = performance.now();
  const detector = await createFaceDetector();
  const coldStartMs = round2(performance.now() - started);
  const rssAfterLoadMb = rssMb();

  const fixtures = fixtureNames()
    .filter(isImageName)
    .map((file): BenchInput => ({ file, source: 'fixture', bytes: loadFixture(file) }));
  const rows: FaceBenchRow[] = [];
  for (const input of fixtures) rows.push(await benchOne(detector, input, runs));
  const peakRssFixturesMb = peakRssMb();
  rows.push(
    await benchOne(detector, { file: 'phone photo 4000x3000 (generated)', source: 'generated', bytes: phonePhoto() }, runs),
  );
  return {
    runs,
    coldStartMs,
    rssBeforeLoadMb,
    rssAfterLoadMb,
    peakRssFixturesMb,
    peakRssMb: peakRssMb(),
    processorMemoryMb: PROCESSOR_MEMORY_MB,
    medianFixturePrecheckMs: round2(median(rows.filter((r) => r.source === 'fixture').map((r) => r.precheckMs))),
    rows,
  };
}

export function formatFaceBench(result: FaceBenchResult): string {
  return [
    table(
      ['picture', 'bytes', 'displayed', 'decode ms', 'pre-check ms', 'outcome'],
      result.rows.map((r) => [r.file, String(r.bytes), r.size, r.decodeMs.toFixed(0), r.precheckMs.toFixed(0), r.outcome]),
    ),
    '',
    `cold start to model loaded ${result.coldStartMs.toFixed(0)} ms; RSS ${result.rssBeforeLoadMb} MB before, ${result.rssAfterLoadMb} MB after the load`,
    `median pre-check over the fixtures ${result.medianFixturePrecheckMs.toFixed(0)} ms (median of ${result.runs} runs each)`,
    `peak RSS ${result.peakRssFixturesMb} MB after the fixtures, ${result.peakRssMb} MB after the 12 MP photo, of the processor's ${result.processorMemoryMb} MB`,
  ].join('\n');
}

async function main(): Promise<void> {
  const result = await runFaceBench();
  console.log(formatFaceBench(result));
  writeJson(FACE_OUTPUT, result);
  console.log(`\nwrote ${FACE_OUTPUT}`);
  if (result.peakRssMb > result.processorMemoryMb) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === WRITE_PHONE_PHOTO) {
  writeFileSync(process.argv[3] ?? 'phone.jpg', makePhonePhoto());
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
