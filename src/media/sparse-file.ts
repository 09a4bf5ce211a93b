// The parts of one object read so far, and the plan for reading more.
// Parsers are synchronous and read through this class; when they touch a byte that is not here
// they throw NeedBytesSignal, and runParser() fetches it and runs them again from the start.
// Re-running is cheap (kilobytes of headers) and keeps every parser free of async plumbing.
import { corrupt, NeedBytesSignal } from './errors';
import type { BudgetedReader } from './reader';

interface Window {
  readonly start: number;
  readonly bytes: Uint8Array;
}

export const KIB = 1024;
/** The first read: enough for every header we parse in practice. */
export const HEAD_BYTES = 64 * KIB;
/** A targeted read of the middle of a file never reads less than this, so one read serves several headers. */
const TARGETED_CHUNK = 64 * KIB;

export class SparseFile {
  private windows: Window[] = [];

  /** @param tailZone a request this close to the end reads through to the end in one go (set once the format is known). */
  constructor(
    private readonly reader: BudgetedReader,
    public tailZone: number,
  ) {}

  get size(): number {
    return this.reader.size;
  }

  has(start: number, length: number): boolean {
    return this.windowFor(start, length) !== undefined;
  }

  /** Bytes [start, start+length); signals when they have not been read yet. */
  bytes(start: number, length: number): Uint8Array {
    if (start < 0 || length < 0 || start + length > this.size) {
      throw corrupt(`needs bytes ${start}..${start + length} past the end of the file (${this.size} bytes)`);
    }
    const window = this.windowFor(start, length);
    if (!window) throw new NeedBytesSignal(start, length);
    const from = start - window.start;
    return window.bytes.subarray(from, from + length);
  }

  u8(pos: number): number {
    return this.bytes(pos, 1)[0] ?? 0;
  }

  u16(pos: number): number {
    const b = this.bytes(pos, 2);
    return ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  }

  u32(pos: number): number {
    const b = this.bytes(pos, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  i32(pos: number): number {
    const b = this.bytes(pos, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getInt32(0);
  }

  /** A 64-bit size or time; values beyond 2^53 become Infinity so every later size check fails safely. */
  u64(pos: number): number {
    const high = this.u32(pos);
    const low = this.u32(pos + 4);
    return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x1_0000_0000 + low;
  }

  ascii(pos: number, length: number): string {
    return String.fromCharCode(...this.bytes(pos, length));
  }

  /** The start of the covered run that ends exactly at `end`, or `end` when the byte before it is missing. */
  coveredRunStart(end: number): number {
    const window = this.windows.find((w) => w.start < end && w.start + w.bytes.length >= end);
    return window ? window.start : end;
  }

  /** The end of the covered run that contains `pos`, or `pos` when it is not covered. */
  coveredRunEnd(pos: number): number {
    const window = this.windows.find((w) => w.start <= pos && w.start + w.bytes.length > pos);
    return window ? window.start + window.bytes.length : pos;
  }

  get remainingBytes(): number {
    return this.reader.remaining.bytes;
  }

  isInTailZone(pos: number): boolean {
    return this.size - pos <= this.tailZone;
  }

  /** Whether fetch(start, length) fits in what is left of the budget. */
  canFetch(start: number, length: number): boolean {
    const plan = this.plan(start, length);
    const remaining = this.reader.remaining;
    return plan !== undefined && remaining.requests >= 1 && plan.minimalEnd - plan.from <= remaining.bytes;
  }

  /** Reads at least the first missing run of [start, start+length), more when that is likely to save a read. */
  async fetch(start: number, length: number): Promise<void> {
    const plan = this.plan(start, length);
    if (!plan) return;
    const room = this.reader.remaining.bytes;
    const end = Math.max(plan.minimalEnd, Math.min(plan.generousEnd, plan.from + room));
    const bytes = await this.reader.read(plan.from, end - plan.from);
    this.add({ start: plan.from, bytes });
  }

  private plan(start: number, length: number): { from: number; minimalEnd: number; generousEnd: number } | undefined {
    const end = Math.min(this.size, start + Math.max(length, 1));
    let from = start;
    while (from < end && this.coveredRunEnd(from) > from) from = this.coveredRunEnd(from);
    if (from >= end) return undefined;
    const nextWindow = this.windows.find((w) => w.start > from);
    const stop = nextWindow ? nextWindow.start : this.size;
    const minimalEnd = Math.min(end, stop);
    // Near the end, reading through to the end costs little and is what the parsers want next.
    const generousEnd = this.isInTailZone(from) ? stop : Math.min(stop, Math.max(end, from + TARGETED_CHUNK));
    return { from, minimalEnd, generousEnd };
  }

  private windowFor(start: number, length: number): Window | undefined {
    return this.windows.find((w) => w.start <= start && start + length <= w.start + w.bytes.length);
  }

  /** Keeps windows sorted and merged, so a range spanning two adjacent reads is still one slice. */
  private add(window: Window): void {
    const all = [...this.windows, window].sort((a, b) => a.start - b.start);
    const merged: Window[] = [];
    for (const next of all) {
      const last = merged.at(-1);
      if (last && next.start <= last.start + last.bytes.length) {
        const end = Math.max(last.start + last.bytes.length, next.start + next.bytes.length);
        const bytes = new Uint8Array(end - last.start);
        bytes.set(last.bytes, 0);
        bytes.set(next.bytes, next.start - last.start);
        merged[merged.length - 1] = { start: last.start, bytes };
      } else {
        merged.push(next);
      }
    }
    this.windows = merged;
  }
}

/** Loop guard on top of the request budget, in case a parser keeps asking for what it already has. */
const MAX_PARSE_ATTEMPTS = 8;

/**
 * Runs a synchronous parser, fetching what it signals it needs, until it returns or throws a real error.
 * `fresh` builds the parser's output object anew for each attempt; on a thrown refusal the last
 * attempt's partial output is still handed back so facts measured before the problem survive.
 */
export async function runParser<T>(
  file: SparseFile,
  fresh: () => T,
  parse: (out: T) => void,
): Promise<{ out: T; error?: unknown }> {
  for (let attempt = 0; attempt < MAX_PARSE_ATTEMPTS; attempt += 1) {
    const out = fresh();
    try {
      parse(out);
      return { out };
    } catch (error) {
      if (!(error instanceof NeedBytesSignal)) return { out, error };
      if (file.has(error.start, error.length)) {
        return { out, error: new Error(`parser asked again for bytes ${error.start}+${error.length}`) };
      }
      try {
        await file.fetch(error.start, error.length);
      } catch (fetchError) {
        return { out, error: fetchError };
      }
    }
  }
  return { out: fresh(), error: new Error('parser did not settle') };
}
