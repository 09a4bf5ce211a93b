// Media inspection benchmark: every fixture and every generated 9 MB file, with the bytes and
// range requests each inspection cost and its median time. `npx tsx scripts/bench-media.ts`
// prints a table and writes bench-results/media.json; runMediaBench() is the reusable core.
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { inspectPart } from '../src/media/inspect';
import type { PartLimits } from '../src/media/profiles';
import { LARGE_MEDIA } from '../test/unit/media/support/large-media';
import {
  FPT_IMAGE,
  FPT_VIDEO,
  fixtureNames,
  isImageName,
  loadFixture,
  memoryReader,
} from '../test/unit/media/support/media-fixtures';

export interface MediaBenchRow {
  readonly file: string;
  readonly source: 'fixture' | 'generated';
  readonly bytes: number;
  readonly bytesRead: number;
  readonly requests: number;
  readonly medianMs: number;
  readonly outcome: string;
  readonly notes: readonly string[];
}

export interface MediaBenchResult {
  readonly runs: number;
  readonly budget: { readonly maxBytesRead: number; readonly maxRequests: number };
  readonly maxBytesRead: number;
  readonly maxRequests: number;
  readonly rows: readonly MediaBenchRow[];
}

interface BenchInput {
  readonly file: string;
  readonly source: MediaBenchRow['source'];
  readonly bytes: Uint8Array;
  readonly limits: PartLimits;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function benchOne(input: BenchInput, runs: number): Promise<MediaBenchRow> {
  const part = input.limits.kind === 'video' ? 'video' : 'selfie';
  const timings: number[] = [];
  let last: { reader: ReturnType<typeof memoryReader>; outcome: string; notes: readonly string[] } | undefined;
  for (let run = 0; run < runs; run += 1) {
    const reader = memoryReader(input.bytes);
    const started = performance.now();
    const inspection = await inspectPart(part, reader, input.limits);
    timings.push(performance.now() - started);
    const outcome = inspection.problem ? `${inspection.problem.code}: ${inspection.problem.message}` : 'pass';
    last = { reader, outcome, notes: inspection.notes ?? [] };
  }
  return {
    file: input.file,
    source: input.source,
    bytes: input.bytes.length,
    bytesRead: last?.reader.bytesRead ?? 0,
    requests: last?.reader.requests ?? 0,
    medianMs: Math.round(median(timings) * 100) / 100,
    outcome: last?.outcome ?? 'not run',
    notes: last?.notes ?? [],
  };
}

function benchInputs(): BenchInput[] {
  const fixtures = fixtureNames().map((file): BenchInput => ({
    file,
    source: 'fixture',
    bytes: loadFixture(file),
    limits: isImageName(file) ? FPT_IMAGE : FPT_VIDEO,
  }));
  const generated = LARGE_MEDIA.map((media): BenchInput => ({
    file: media.name,
    source: 'generated',
    bytes: media.build(),
    limits: FPT_VIDEO,
  }));
  return [...fixtures, ...generated];
}

/** Inspects every fixture and generated file against the FPT profile, `runs` times each. */
export async function runMediaBench(options: { readonly runs?: number } = {}): Promise<MediaBenchResult> {
  const runs = options.runs ?? 9;
  const rows: MediaBenchRow[] = [];
  for (const input of benchInputs()) rows.push(await benchOne(input, runs));
  return {
    runs,
    budget: { maxBytesRead: 256 * 1024, maxRequests: 3 },
    maxBytesRead: Math.max(...rows.map((r) => r.bytesRead)),
    maxRequests: Math.max(...rows.map((r) => r.requests)),
    rows,
  };
}

export function formatMediaBench(result: MediaBenchResult): string {
  const header = ['file', 'bytes', 'bytes read', 'requests', 'median ms', 'outcome'];
  const lines = result.rows.map((r) => [
    r.file,
    String(r.bytes),
    String(r.bytesRead),
    String(r.requests),
    r.medianMs.toFixed(2),
    r.outcome,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const numeric = new Set([1, 2, 3, 4]);
  const row = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    row(header),
    row(widths.map((w) => '-'.repeat(w))),
    ...lines.map(row),
    '',
    `max bytes read ${result.maxBytesRead} (budget ${result.budget.maxBytesRead}), max requests ${result.maxRequests} (budget ${result.budget.maxRequests}), median of ${result.runs} runs`,
  ].join('\n');
}

async function main(): Promise<void> {
  const result = await runMediaBench();
  console.log(formatMediaBench(result));
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/media.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log('\nwrote bench-results/media.json');
  if (result.maxBytesRead > result.budget.maxBytesRead || result.maxRequests > result.budget.maxRequests) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
